"""How many subjects a two-variant proportion test needs, and what a given sample can detect.

The formula is the one Evan Miller's sample-size calculator uses: a two-sided test at `alpha`
with the baseline's variance under the null hypothesis and both variances under the alternative.
"""

import math
from statistics import NormalDist

from ideaflow_experiments.statistics.proportions import two_sided_quantile


def _required(baseline: float, treatment: float, z_alpha: float, z_power: float) -> float:
    effect = abs(treatment - baseline)
    spread = z_alpha * math.sqrt(2 * baseline * (1 - baseline)) + z_power * math.sqrt(
        baseline * (1 - baseline) + treatment * (1 - treatment)
    )
    return (spread / effect) ** 2


def sample_size_per_variant(*, baseline: float, minimum_detectable_effect: float, alpha: float, power: float) -> int:
    """Subjects per variant to detect an absolute change of `minimum_detectable_effect` from `baseline`.

    The effect is absolute (0.05 moves 20 % to 25 %); `baseline + effect` must stay within (0, 1).
    """
    z_alpha, z_power = two_sided_quantile(alpha), NormalDist().inv_cdf(power)
    return math.ceil(_required(baseline, baseline + minimum_detectable_effect, z_alpha, z_power))


def detectable_effect(*, baseline: float, sample_size: int, alpha: float, power: float) -> float | None:
    """The smallest absolute increase over `baseline` that `sample_size` per variant detects, or None.

    Found by bisection on the same formula (the required size falls as the effect grows); None
    when even a treatment converting everyone would need more subjects.
    """
    z_alpha, z_power = two_sided_quantile(alpha), NormalDist().inv_cdf(power)
    low, high = 0.0, 1 - baseline
    if _required(baseline, 1.0, z_alpha, z_power) > sample_size:
        return None
    for _ in range(60):
        middle = (low + high) / 2
        if middle > 0 and _required(baseline, baseline + middle, z_alpha, z_power) <= sample_size:
            high = middle
        else:
            low = middle
    return high
