"""The theme engine's working set: themes with their index postings, held in memory while items are placed.

The database-backed assignment (`assignment.assign_themes`) seeds it with the candidate themes one query
found for a whole batch, places the batch's items one after the other (so an item can join a theme an
earlier item of the same batch started), merges themes whose centroids came close, and writes back
what changed. The evaluation and the benchmarks run it on its own, from empty. Either way an item, and
a theme it moved, is compared only with the themes its index keys propose, at most CANDIDATES_PER_KEY
per key.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ideaflow_feedback.themes.engine import Candidate, Embedder, combined, cosine, length, mean_with, nearest

CANDIDATES_PER_KEY = 8
"""How many themes one index key may propose: the bound that keeps assignment cost flat."""


@dataclass
class ThemeState:
    centroid: dict[int, float]
    size: int = 0
    keys: list[str] = field(default_factory=list)
    norm: float = 0.0
    """The centroid's length, kept so comparing an item with a candidate reads only the item's features."""
    curated: bool = False
    """People renamed, split, merged or moved items of it: the engine never merges it away or into another."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an item went: its theme, how similar it was to it (1.0 when it started it), and whether it did."""

    theme_id: str
    similarity: float
    started: bool


@dataclass
class MemoryThemes:
    embedder: Embedder
    new_theme_id: Callable[[], str] | None = None
    """Names a theme an item starts; by default t1, t2, … in order."""
    themes: dict[str, ThemeState] = field(default_factory=dict)
    postings: dict[str, list[str]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    """Themes items joined, started or merged into since the working set was seeded: what to write back."""
    merged: dict[str, str] = field(default_factory=dict)
    """Themes folded into another one (source → target) since the working set was seeded."""
    started: int = 0
    """How many themes items started here (the default names count them)."""

    def seed(
        self, theme_id: str, *, centroid: dict[int, float], size: int, keys: Iterable[str], curated: bool = False
    ) -> None:
        """Add a stored theme under the index keys it was found by."""
        theme = ThemeState(
            centroid=centroid, size=size, keys=list(dict.fromkeys(keys)), norm=length(centroid), curated=curated
        )
        self.themes[theme_id] = theme
        for key in theme.keys:
            self._post(key, theme_id)

    def assign(self, text: str) -> str:
        """Put `text` in the nearest theme, or a new one; answers the theme's id (until it is merged)."""
        (vector,) = self.embedder.embed([text])
        return self.assign_vector(vector).theme_id

    def assign_vector(self, vector: Mapping[int, float], keys: list[str] | None = None) -> Placement:
        """Place an embedded item; `keys` are its index keys, when the caller has them already."""
        if keys is None:
            keys = self.embedder.index_keys(vector)
        candidate_ids = {theme_id for key in keys for theme_id in self.postings.get(key, [])[:CANDIDATES_PER_KEY]}
        candidates = [
            Candidate(theme_id, self.themes[theme_id].centroid, self.themes[theme_id].norm)
            for theme_id in candidate_ids
        ]
        match = nearest(vector, candidates, threshold=self.embedder.threshold)
        if match is None:
            self.started += 1
            theme_id = self.new_theme_id() if self.new_theme_id else f"t{self.started}"
            self.themes[theme_id] = ThemeState(centroid={})
        else:
            theme_id = match.theme_id
        self._unpost(theme_id)
        theme = self.themes[theme_id]
        theme.centroid = mean_with(theme.centroid, theme.size, vector)
        theme.size += 1
        self._repost(theme_id)
        placement = Placement(theme_id, match.similarity if match else 1.0, started=match is None)
        self._merge_near(theme_id)
        return placement

    def theme_of(self, theme_id: str) -> str:
        """Where a theme's items are now: itself, or the theme it was merged into."""
        while theme_id in self.merged:
            theme_id = self.merged[theme_id]
        return theme_id

    def _merge_near(self, theme_id: str) -> None:
        """Incremental maintenance: once a theme's centroid moved, fold in the candidate themes now close to it.

        Two themes that started apart (their first items differed) often end up describing one need as
        items arrive. The smaller folds into the larger; themes people curated are left alone.
        """
        threshold = self.embedder.merge_threshold
        while True:
            theme = self.themes[theme_id]
            if theme.curated:
                return
            near = {other for key in theme.keys for other in self.postings.get(key, [])[:CANDIDATES_PER_KEY]}
            near.discard(theme_id)
            best = None
            for other_id in near:
                other = self.themes[other_id]
                if other.curated or not other.norm or not theme.norm:
                    continue
                similarity = cosine(theme.centroid, other.centroid) / (theme.norm * other.norm)
                if similarity >= threshold and (best is None or similarity > best[0]):
                    best = (similarity, other_id)
            if best is None:
                return
            other_id = best[1]
            source, target = (theme_id, other_id) if theme.size < self.themes[other_id].size else (other_id, theme_id)
            self._fold(source, target)
            theme_id = target

    def _fold(self, source_id: str, target_id: str) -> None:
        self._unpost(source_id)
        self._unpost(target_id)
        source, target = self.themes.pop(source_id), self.themes[target_id]
        target.centroid = combined([(target.centroid, target.size), (source.centroid, source.size)])
        target.size += source.size
        self._repost(target_id)
        self.merged[source_id] = target_id
        self.changed.discard(source_id)

    def _unpost(self, theme_id: str) -> None:
        for key in self.themes[theme_id].keys:
            posting = self.postings.get(key)
            if posting is not None and theme_id in posting:
                posting.remove(theme_id)

    def _repost(self, theme_id: str) -> None:
        """After the centroid changed: its length, index keys and postings follow."""
        theme = self.themes[theme_id]
        theme.norm = length(theme.centroid)
        theme.keys = list(dict.fromkeys(self.embedder.index_keys(theme.centroid)))
        for key in theme.keys:
            self._post(key, theme_id)
        self.changed.add(theme_id)

    def _post(self, key: str, theme_id: str) -> None:
        # Larger themes first, so the bounded candidate lists keep the themes most items join.
        posting = self.postings.setdefault(key, [])
        posting.append(theme_id)
        posting.sort(key=lambda other: -self.themes[other].size)
