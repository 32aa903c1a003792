"""Theme quality on the labelled evaluation set: adjusted Rand index and purity per engine and thresholds.

    .venv/bin/python bench/feedback_themes_quality.py [--engine lexical|semantic|multilingual|semantic-multilingual] \
        [--thresholds 0.15,0.2] [--merge-thresholds 0.2,1.01] [--orders 3]

Items are assigned one at a time in file order, exactly as they would arrive, with the engine's
incremental maintenance (merging themes whose centroids came close); the measures are taken on the
themes as they stand at the end. A merge threshold above 1 turns merging off. Each off-topic
("noise") item counts as its own need, so lumping noise together is penalised. Thresholds are tuned
on the odd items (1st, 3rd, … of the file) and reported on the odd half, the even half and the whole.
The file lists each need's items together, which favours online assignment; `--orders N` also reports
the mean over N random arrival orders (seeded), closer to interleaved production traffic.
"""

import argparse
import os
import random
import statistics
import time

from ideaflow_feedback.themes.engine import Vector, embedder_named
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
    parser.add_argument("--orders", type=int, default=0, help="also measure this many random arrival orders")
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
                ari, share, count, placing_ms = measure(
                    MemoryThemes(embedder), [needs[n] for n in indexes], [vectors[n] for n in indexes]
                )
                measures.append(f"{half} ARI {ari:.3f} purity {share:.3f} themes {count}")
            print(
                f"  threshold {threshold:g} merge {merge:g}: " + ", ".join(measures),
                f"(placing: {placing_ms:.2f} ms CPU per item)",
            )
            if args.orders:
                measures = []
                for half, indexes in halves.items():
                    runs = []
                    for seed in range(1, args.orders + 1):
                        order = list(indexes)
                        random.Random(seed).shuffle(order)
                        runs.append(
                            measure(MemoryThemes(embedder), [needs[n] for n in order], [vectors[n] for n in order])
                        )
                    ari, share = (statistics.mean(run[column] for run in runs) for column in (0, 1))
                    measures.append(f"{half} ARI {ari:.3f} purity {share:.3f}")
                print(f"    mean of {args.orders} random orders: " + ", ".join(measures))


def measure(themes: MemoryThemes, truth: list[str], vectors: list[Vector]) -> tuple[float, float, int, float]:
    """Place the vectors one by one: ARI, purity and number of themes at the end, CPU ms per item placed."""
    cpu_started = time.process_time()
    placed = [themes.assign_vector(vector).theme_id for vector in vectors]
    placing_ms = 1000 * (time.process_time() - cpu_started) / len(vectors)
    predicted = [themes.theme_of(theme_id) for theme_id in placed]
    return adjusted_rand_index(truth, predicted), purity(truth, predicted), len(set(predicted)), placing_ms


if __name__ == "__main__":
    main()
