"""Comparing a treatment's conversion rate with the control's (frequentist, normal approximation)."""

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist

_STANDARD_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class Proportion:
    """`successes` out of `trials`; the rate is undefined without trials."""

    successes: int
    trials: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class ProportionComparison:
    """Treatment against control: absolute difference, relative lift, both with intervals, and the test."""

    difference: float
    difference_interval: Interval
    relative_lift: float | None
    relative_lift_interval: Interval | None
    z: float
    p_value: float


@functools.lru_cache(maxsize=64)  # a handful of levels recur in every verdict
def two_sided_quantile(alpha: float) -> float:
    """z such that a standard normal falls outside ±z with probability `alpha` (1.96 for 0.05)."""
    return _STANDARD_NORMAL.inv_cdf(1 - alpha / 2)


def two_proportion_z_test(control: Proportion, treatment: Proportion) -> tuple[float, float]:
    """Pooled two-proportion z statistic and its two-sided p-value; (0, 1) when the pooled rate is 0 or 1."""
    pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials)
    variance = pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials)
    if variance == 0:
        return 0.0, 1.0
    z = (treatment.rate - control.rate) / math.sqrt(variance)
    return z, 2 * (1 - _STANDARD_NORMAL.cdf(abs(z)))


def _lift_interval(control: Proportion, treatment: Proportion, z: float) -> Interval | None:
    """Katz's log interval for the ratio of rates, minus one; undefined when either has no successes."""
    if control.successes == 0 or treatment.successes == 0:
        return None
    ratio = treatment.rate / control.rate
    spread = z * math.sqrt(1 / treatment.successes - 1 / treatment.trials + 1 / control.successes - 1 / control.trials)
    return Interval(low=ratio * math.exp(-spread) - 1, high=ratio * math.exp(spread) - 1)


def compare_proportions(control: Proportion, treatment: Proportion, *, alpha: float) -> ProportionComparison:
    """Everything a reader needs to judge a treatment; both groups must have trials.

    The difference's interval is the unpooled Wald interval; the test pools the rates, as the
    null hypothesis says they are equal.
    """
    z_critical = two_sided_quantile(alpha)
    difference = treatment.rate - control.rate
    standard_error = math.sqrt(
        control.rate * (1 - control.rate) / control.trials + treatment.rate * (1 - treatment.rate) / treatment.trials
    )
    z, p_value = two_proportion_z_test(control, treatment)
    return ProportionComparison(
        difference=difference,
        difference_interval=Interval(
            low=difference - z_critical * standard_error, high=difference + z_critical * standard_error
        ),
        relative_lift=difference / control.rate if control.successes else None,
        relative_lift_interval=_lift_interval(control, treatment, z_critical),
        z=z,
        p_value=p_value,
    )
