"""The theme engine over an in-memory index: what the evaluation and the benchmarks run.

The database-backed assignment (`service.assign_theme`) follows the same steps: look up the themes
that share the item's index keys, take the nearest centroid above the threshold or start a theme.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from ideaflow_feedback.themes.engine import Candidate, Embedder, mean_with, nearest

CANDIDATES_PER_KEY = 8
"""How many themes one index key may propose: the bound that keeps assignment cost flat."""


@dataclass
class _Theme:
    centroid: dict[int, float]
    size: int = 0


@dataclass
class MemoryThemes:
    embedder: Embedder
    themes: dict[str, _Theme] = field(default_factory=dict)
    postings: dict[str, list[str]] = field(default_factory=dict)

    def assign(self, text: str) -> str:
        """Put `text` in the nearest theme, or a new one; answers the theme's id."""
        (vector,) = self.embedder.embed([text])
        return self.assign_vector(vector)

    def assign_vector(self, vector: Mapping[int, float]) -> str:
        keys = self.embedder.index_keys(vector)
        candidate_ids = {theme_id for key in keys for theme_id in self.postings.get(key, [])[:CANDIDATES_PER_KEY]}
        candidates = [Candidate(theme_id, self.themes[theme_id].centroid) for theme_id in candidate_ids]
        match = nearest(vector, candidates, threshold=self.embedder.threshold)
        theme_id = match.theme_id if match else f"t{len(self.themes) + 1}"
        theme = self.themes.setdefault(theme_id, _Theme(centroid={}))
        for key in self.embedder.index_keys(theme.centroid) if theme.size else []:
            self.postings[key].remove(theme_id)
        theme.centroid = mean_with(theme.centroid, theme.size, vector)
        theme.size += 1
        for key in self.embedder.index_keys(theme.centroid):
            # Larger themes first, so the bounded candidate lists keep the themes most items join.
            posting = self.postings.setdefault(key, [])
            posting.append(theme_id)
            posting.sort(key=lambda other: -self.themes[other].size)
        return theme_id
