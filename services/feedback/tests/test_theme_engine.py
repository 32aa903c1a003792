"""The theme engine on its own: the quality measures, and its quality on the labelled evaluation set."""

import csv
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ideaflow_feedback.themes.engine import (
    CENTROID_FEATURES,
    Candidate,
    LexicalEmbedder,
    Vector,
    embedder_named,
    mean_with,
    nearest,
    normalised,
)
from ideaflow_feedback.themes.evaluation import adjusted_rand_index, purity
from ideaflow_feedback.themes.memory import MemoryThemes
from ideaflow_feedback.themes.semantic import DenseEmbedder, HyperplaneKeys

DATA = Path(__file__).parent / "data" / "themes_eval.tsv"


def test_adjusted_rand_index_and_purity_match_known_values() -> None:
    truth = ["a", "a", "a", "b", "b", "b"]

    assert adjusted_rand_index(truth, ["x", "x", "x", "y", "y", "y"]) == 1.0
    # 2 agreeing pairs, 1.2 expected by chance, at most 4.5: (2 - 1.2) / (4.5 - 1.2)
    assert round(adjusted_rand_index(truth, ["x", "x", "y", "y", "z", "z"]), 6) == round(0.8 / 3.3, 6)
    assert purity(truth, ["x", "x", "y", "y", "y", "y"]) == 5 / 6
    assert purity(truth, [str(n) for n in range(6)]) == 1.0


def test_the_evaluation_set_has_at_least_300_items_over_15_needs() -> None:
    with DATA.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))

    needs = {row["need"] for row in rows} - {"noise"}
    assert len(rows) >= 300
    assert len(needs) >= 15
    assert len({row["text"] for row in rows}) == len(rows)


def test_lexical_engine_quality_on_the_evaluation_set_does_not_regress() -> None:
    """Measured 0.327 ARI, 0.72 purity with merging (docs/performance.md, "Feedback themes"); far from 0.7."""
    with DATA.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
    truth = [row["need"] if row["need"] != "noise" else f"noise-{n}" for n, row in enumerate(rows)]
    themes = MemoryThemes(LexicalEmbedder())

    placed = [themes.assign(row["text"]) for row in rows]
    predicted = [themes.theme_of(theme_id) for theme_id in placed]

    assert adjusted_rand_index(truth, predicted) >= 0.31
    assert purity(truth, predicted) >= 0.7


class AxesEmbedder:
    """Texts are points in the plane ("x,y"), indexed by the axes they lean on: similarities chosen by hand."""

    name = "axes"
    threshold = 0.5
    merge_threshold = 0.5
    duplicate_threshold = 0.99

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        return [normalised({axis: float(value) for axis, value in enumerate(text.split(","))}) for text in texts]

    def index_keys(self, vector: Mapping[int, float]) -> list[str]:
        return [f"axis{axis}" for axis, weight in vector.items() if weight > 0.1]


# A and B start two themes; C joins B's; D joins it too and pulls its centroid within 0.5 of A's.
A, B, C, D = "1,0", "0,1", "0.6,0.8", "0.8,0.6"


def test_a_theme_whose_centroid_came_close_to_another_is_merged_into_the_larger() -> None:
    themes = MemoryThemes(AxesEmbedder())

    a, b, c, d = (themes.assign(text) for text in (A, B, C, D))

    assert a != b
    assert c == d == b
    assert themes.merged == {a: b}
    assert themes.theme_of(a) == b
    assert themes.themes[b].size == 4
    assert a not in themes.themes
    assert all(a not in posting for posting in themes.postings.values())


def test_curated_themes_are_never_merged() -> None:
    themes = MemoryThemes(AxesEmbedder())
    themes.seed("people's", centroid={0: 1.0}, size=1, keys=["axis0"], curated=True)

    b, c, d = (themes.assign(text) for text in (B, C, D))

    assert themes.merged == {}
    assert {b, c, d} == {b}
    assert themes.themes["people's"].size == 1


def test_a_dense_centroid_keeps_every_dimension_a_sparse_one_its_strongest_features() -> None:
    dense = [{dimension: random.Random(seed).uniform(-1, 1) for dimension in range(384)} for seed in (1, 2)]
    (sparse,) = LexicalEmbedder().embed(
        [
            "Our kitchen staff rebuilds the identical basket each week; a one-click repeat of last Monday's order "
            "would save twenty minutes, and the catalogue search is slow when we look for spare parts too."
        ]
    )

    assert len(mean_with(mean_with({}, 0, dense[0]), 1, dense[1])) == 384
    assert len(sparse) > CENTROID_FEATURES
    assert len(mean_with({}, 0, sparse)) == CENTROID_FEATURES


def test_dense_vectors_as_similar_as_the_join_threshold_share_an_index_key() -> None:
    """Random-hyperplane buckets must propose the theme an item would join, or it starts a duplicate theme."""
    generator = random.Random(7)
    keys = HyperplaneKeys(384)
    shared = 0
    for _ in range(200):
        a = unit([generator.gauss(0, 1) for _ in range(384)])
        across = orthogonal_unit(a, [generator.gauss(0, 1) for _ in range(384)])
        b = [0.4 * x + math.sqrt(1 - 0.4**2) * y for x, y in zip(a, across, strict=True)]
        shared += bool(set(keys.keys(dict(enumerate(a)))) & set(keys.keys(dict(enumerate(b)))))

    assert shared >= 0.97 * 200


def orthogonal_unit(direction: list[float], values: list[float]) -> list[float]:
    """`values` less its component along the unit vector `direction`, as a unit vector."""
    along = sum(x * y for x, y in zip(values, direction, strict=True))
    return unit([value - along * x for value, x in zip(values, direction, strict=True)])


def unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(value * value for value in values))
    return [value / norm for value in values]


class PlaneModel(DenseEmbedder):
    """A dense engine whose "model" reads "x,y" texts as points on the unit circle, padded to 8 dimensions."""

    name = "plane"
    dimensions = 8
    threshold = 0.8
    merge_threshold = 0.9
    duplicate_threshold = 0.99

    def encode(self, texts: list[str]) -> list[list[float]]:
        points = [[float(value) for value in text.split(",")] for text in texts]
        return [unit(point) + [0.0] * 6 for point in points]


def test_a_dense_engine_groups_items_by_the_direction_of_their_vectors() -> None:
    themes = MemoryThemes(PlaneModel())

    east, north_east, north, north_by_east = (themes.assign(text) for text in ("1,0", "0.95,0.3", "0,1", "0.2,1"))

    assert east == north_east != north == north_by_east


def centroid(length: float, cosine_with_first_axis: float, axis: int, dimensions: int) -> dict[int, float]:
    """A centroid of the given length at the given angle from axis 0, towards `axis`; every other dimension
    a trace, as in a real embedding, where none is exactly 0."""
    vector = dict.fromkeys(range(dimensions), 1e-6)
    vector[0] = length * cosine_with_first_axis
    vector[axis] = length * math.sqrt(1 - cosine_with_first_axis**2)
    return vector


def test_an_item_joins_the_dense_theme_whose_items_it_is_most_similar_to_on_average() -> None:
    """A diffuse theme's short centroid points close to the item (cosine 0.9) though the item is only 0.27
    similar to its items on average; a tight theme's items are 0.475 similar to it."""
    for dimensions, expected in ((384, "tight"), (3, "diffuse")):
        item = centroid(1.0, 1.0, 1, dimensions)
        diffuse = Candidate("diffuse", centroid(0.3, 0.9, 1, dimensions))
        tight = Candidate("tight", centroid(0.95, 0.5, 2, dimensions))

        match = nearest(item, [diffuse, tight], threshold=0.4)

        assert match is not None
        assert match.theme_id == expected, dimensions


def test_engines_are_chosen_by_name() -> None:
    assert isinstance(embedder_named("lexical"), LexicalEmbedder)
    with pytest.raises(ValueError, match="unknown theme engine 'glove'; one of: lexical, semantic, multilingual, "):
        embedder_named("glove")


def test_multilingual_engine_quality_on_the_evaluation_set_does_not_regress() -> None:
    """Measured 0.650 ARI, 0.814 purity (docs/performance.md, "Feedback themes"); the lexical engine reaches 0.327."""
    with DATA.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
    truth = [row["need"] if row["need"] != "noise" else f"noise-{n}" for n, row in enumerate(rows)]
    themes = MemoryThemes(embedder_named("multilingual"))

    placed = [themes.assign_vector(vector).theme_id for vector in themes.embedder.embed([row["text"] for row in rows])]
    predicted = [themes.theme_of(theme_id) for theme_id in placed]

    assert adjusted_rand_index(truth, predicted) >= 0.63
    assert purity(truth, predicted) >= 0.79
