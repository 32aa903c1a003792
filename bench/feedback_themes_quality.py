"""Theme quality on the labelled evaluation set: adjusted Rand index and purity per engine and threshold.

    .venv/bin/python bench/feedback_themes_quality.py [--engine lexical|semantic] [--thresholds 0.2,0.3]

Items are assigned one at a time in file order, exactly as they would arrive. Each off-topic ("noise")
item counts as its own need, so lumping noise together is penalised.
"""

import argparse
import csv
import time
from pathlib import Path

from ideaflow_feedback.themes.engine import Embedder, LexicalEmbedder
from ideaflow_feedback.themes.evaluation import adjusted_rand_index, purity
from ideaflow_feedback.themes.memory import MemoryThemes

DATA = Path(__file__).parents[1] / "services/feedback/tests/data/themes_eval.tsv"


def load() -> tuple[list[str], list[str]]:
    with DATA.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
    needs = [row["need"] if row["need"] != "noise" else f"noise-{n}" for n, row in enumerate(rows)]
    return needs, [row["text"] for row in rows]


def embedder_named(name: str) -> Embedder:
    if name == "semantic":
        from ideaflow_feedback.themes.semantic import SemanticEmbedder

        return SemanticEmbedder()
    return LexicalEmbedder()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="lexical", choices=["lexical", "semantic"])
    parser.add_argument("--thresholds", default="")
    args = parser.parse_args()
    needs, texts = load()
    embedder = embedder_named(args.engine)
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    print(
        f"{args.engine}: {len(texts)} items, {len({n for n in needs if not n.startswith('noise')})} needs, "
        f"embedded in {time.perf_counter() - started:.2f} s"
    )
    thresholds = [float(t) for t in args.thresholds.split(",")] if args.thresholds else [embedder.threshold]
    for threshold in thresholds:
        embedder.threshold = threshold
        themes = MemoryThemes(embedder)
        predicted = [themes.assign_vector(vector).theme_id for vector in vectors]
        print(
            f"  threshold {threshold:.2f}: ARI {adjusted_rand_index(needs, predicted):.3f}, "
            f"purity {purity(needs, predicted):.3f}, themes {len(set(predicted))}"
        )


if __name__ == "__main__":
    main()
