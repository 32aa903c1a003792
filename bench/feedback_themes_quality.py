"""Theme quality on the labelled evaluation set: adjusted Rand index and purity per engine and thresholds.

    .venv/bin/python bench/feedback_themes_quality.py [--engine lexical|semantic|multilingual|semantic-multilingual] \
        [--thresholds 0.15,0.2] [--merge-thresholds 0.2,1.01]

Items are assigned one at a time in file order, exactly as they would arrive, with the engine's
incremental maintenance (merging themes whose centroids came close); the measures are taken on the
themes as they stand at the end. A merge threshold above 1 turns merging off. Each off-topic
("noise") item counts as its own need, so lumping noise together is penalised. Thresholds are tuned
on the odd items (1st, 3rd, … of the file) and reported on the odd half, the even half and the whole.
"""

import argparse
import os
import time

from ideaflow_feedback.themes.engine import embedder_named
from ideaflow_feedback.themes.evaluation import adjusted_rand_index, purity
from ideaflow_feedback.themes.memory import MemoryThemes

import harness


def load() -> tuple[list[str], list[str]]:
    rows = harness.themes_evaluation_set()
    needs = [row["need"] if row["need"] != "noise" else f"noise-{n}" for n, row in enumerate(rows)]
    return needs, [row["text"] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--engine", default="lexical", choices=["lexical", "semantic", "multilingual", "semantic-multilingual"]
    )
    parser.add_argument("--thresholds", default="")
    parser.add_argument("--merge-thresholds", default="")
    args = parser.parse_args()
    needs, texts = load()
    embedder = embedder_named(args.engine)
    embedder.embed(texts[:8])  # a model's first call loads and allocates: keep it out of the timing
    started, cpu_started = time.perf_counter(), time.process_time()
    vectors = embedder.embed(texts)
    cpu_ms = 1000 * (time.process_time() - cpu_started) / len(texts)
    print(
        f"{args.engine}: {len(texts)} items, {len({n for n in needs if not n.startswith('noise')})} needs, "
        f"embedded in {time.perf_counter() - started:.2f} s ({cpu_ms:.2f} ms CPU per item), "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    thresholds = [float(t) for t in args.thresholds.split(",")] if args.thresholds else [embedder.threshold]
    merges = (
        [float(t) for t in args.merge_thresholds.split(",")] if args.merge_thresholds else [embedder.merge_threshold]
    )
    halves = {"odd": range(0, len(texts), 2), "even": range(1, len(texts), 2), "all": range(len(texts))}
    for threshold in thresholds:
        for merge in merges:
            embedder.threshold, embedder.merge_threshold = threshold, merge
            measures = []
            for half, indexes in halves.items():
                themes = MemoryThemes(embedder)
                cpu_started = time.process_time()
                placed = [themes.assign_vector(vectors[n]).theme_id for n in indexes]
                placing_ms = 1000 * (time.process_time() - cpu_started) / len(indexes)
                predicted = [themes.theme_of(theme_id) for theme_id in placed]
                truth = [needs[n] for n in indexes]
                measures.append(
                    f"{half} ARI {adjusted_rand_index(truth, predicted):.3f} purity {purity(truth, predicted):.3f}"
                    f" themes {len(set(predicted))}"
                )
            print(
                f"  threshold {threshold:g} merge {merge:g}: " + ", ".join(measures),
                f"(placing: {placing_ms:.2f} ms CPU per item)",
            )


if __name__ == "__main__":
    main()
