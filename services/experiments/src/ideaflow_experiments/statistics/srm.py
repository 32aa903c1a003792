"""Sample-ratio mismatch: did the traffic split the way the experiment planned it?

A chi-square goodness-of-fit test of the observed group sizes against the planned shares. A tiny
p-value means the assignment or the counting is broken, and the comparison cannot be trusted.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

SRM_ALPHA = 0.001  # conventional: SRM alarms must be rare, since they discard an experiment


@dataclass(frozen=True, slots=True)
class SampleRatioCheck:
    chi_square: float
    degrees_of_freedom: int
    p_value: float
    mismatch: bool


def chi_square_survival(statistic: float, degrees_of_freedom: int) -> float:
    """P(X ≥ statistic) for X ~ chi-square with an integer number of degrees of freedom (closed form)."""
    if statistic <= 0:
        return 1.0
    half = statistic / 2
    if degrees_of_freedom % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, degrees_of_freedom // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(half) * math.exp(-half) / math.gamma(1.5)
    for i in range(1, (degrees_of_freedom + 1) // 2):
        total += term
        term *= half / (i + 0.5)
    return min(1.0, total)


def check_sample_ratio(observed: Sequence[int], planned_shares: Sequence[float]) -> SampleRatioCheck:
    """Compare group sizes with planned shares (any positive weights; they are normalised)."""
    total = sum(observed)
    weight = sum(planned_shares)
    statistic = 0.0
    if total > 0:
        for count, share in zip(observed, planned_shares, strict=True):
            expected = total * share / weight
            statistic += (count - expected) ** 2 / expected
    degrees_of_freedom = len(observed) - 1
    p_value = chi_square_survival(statistic, degrees_of_freedom)
    return SampleRatioCheck(
        chi_square=statistic, degrees_of_freedom=degrees_of_freedom, p_value=p_value, mismatch=p_value < SRM_ALPHA
    )
