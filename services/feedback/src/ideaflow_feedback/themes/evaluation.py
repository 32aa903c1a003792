"""Measures of how well themes match labelled needs: adjusted Rand index and purity."""

from collections import Counter
from collections.abc import Sequence
from math import comb


def adjusted_rand_index(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """1.0 for identical partitions, about 0 for chance (Hubert and Arabie, 1985)."""
    pairs = Counter(zip(truth, predicted, strict=True))
    index = sum(comb(n, 2) for n in pairs.values())
    truth_sum = sum(comb(n, 2) for n in Counter(truth).values())
    predicted_sum = sum(comb(n, 2) for n in Counter(predicted).values())
    expected = truth_sum * predicted_sum / comb(len(truth), 2)
    maximum = (truth_sum + predicted_sum) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def purity(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The share of items whose theme's most common need is their own."""
    by_theme: dict[str, Counter[str]] = {}
    for need, theme in zip(truth, predicted, strict=True):
        by_theme.setdefault(theme, Counter())[need] += 1
    return sum(counts.most_common(1)[0][1] for counts in by_theme.values()) / len(truth)
