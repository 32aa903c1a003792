"""The Bayesian probability that a treatment's true rate beats the control's.

Each rate gets a Beta(1 + successes, 1 + failures) posterior (a uniform prior). The probability
is Evan Miller's closed form (a finite sum of Beta functions) while the sum is short; past
`EXACT_TERMS_LIMIT` terms both posteriors are so concentrated that their normal approximation
agrees to well under 0.001, and costs one term instead of thousands.
"""

import math
from statistics import NormalDist

from ideaflow_experiments.statistics.proportions import Proportion

EXACT_TERMS_LIMIT = 1_000


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _exact(alpha_a: int, beta_a: int, alpha_b: int, beta_b: int) -> float:
    """P(p_B > p_A) for Beta(alpha_a, beta_a) and Beta(alpha_b, beta_b), summed over alpha_b terms."""
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            _log_beta(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - _log_beta(1 + i, beta_b)
            - _log_beta(alpha_a, beta_a)
        )
    return total


def _normal(alpha_a: int, beta_a: int, alpha_b: int, beta_b: int) -> float:
    def moments(a: int, b: int) -> tuple[float, float]:
        return a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))

    mean_a, variance_a = moments(alpha_a, beta_a)
    mean_b, variance_b = moments(alpha_b, beta_b)
    return NormalDist().cdf((mean_b - mean_a) / math.sqrt(variance_a + variance_b))


def probability_to_beat_control(control: Proportion, treatment: Proportion) -> float:
    """P(treatment's rate > control's rate | the data), with uniform priors."""
    alpha_a, beta_a = 1 + control.successes, 1 + control.trials - control.successes
    alpha_b, beta_b = 1 + treatment.successes, 1 + treatment.trials - treatment.successes
    # P(B > A) = 1 - P(A > B): sum over whichever shape parameter is smaller.
    if min(alpha_a, alpha_b) > EXACT_TERMS_LIMIT:
        probability = _normal(alpha_a, beta_a, alpha_b, beta_b)
    elif alpha_b <= alpha_a:
        probability = _exact(alpha_a, beta_a, alpha_b, beta_b)
    else:
        probability = 1 - _exact(alpha_b, beta_b, alpha_a, beta_a)
    return min(1.0, max(0.0, probability))
