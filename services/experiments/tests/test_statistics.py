"""The statistics behind verdicts and planning, checked against published worked examples.

Every expected number here comes from the cited source, never from this code's own output.
"""

import pytest

from ideaflow_experiments.statistics import bayes
from ideaflow_experiments.statistics.bayes import EXACT_TERMS_LIMIT, probability_to_beat_control
from ideaflow_experiments.statistics.planning import detectable_effect, sample_size_per_variant
from ideaflow_experiments.statistics.proportions import Proportion, compare_proportions, two_proportion_z_test
from ideaflow_experiments.statistics.srm import check_sample_ratio, chi_square_survival


def test_sample_size_matches_evan_millers_calculator() -> None:
    """Evan Miller, "Sample Size Calculator" (evanmiller.org/ab-testing/sample-size.html): baseline 20 %,
    minimum detectable effect 5 % absolute, significance 5 %, power 80 % → 1,030 per variation;
    baseline 10 %, effect 2 % absolute → 3,623. We round the fractional size up, the calculator to nearest."""
    assert sample_size_per_variant(baseline=0.20, minimum_detectable_effect=0.05, alpha=0.05, power=0.8) - 1030 in (
        0,
        1,
    )
    assert sample_size_per_variant(baseline=0.10, minimum_detectable_effect=0.02, alpha=0.05, power=0.8) == 3623


def test_more_power_or_a_smaller_effect_needs_more_subjects() -> None:
    base = sample_size_per_variant(baseline=0.2, minimum_detectable_effect=0.05, alpha=0.05, power=0.8)
    assert sample_size_per_variant(baseline=0.2, minimum_detectable_effect=0.05, alpha=0.05, power=0.9) > base
    assert sample_size_per_variant(baseline=0.2, minimum_detectable_effect=0.025, alpha=0.05, power=0.8) > base
    assert sample_size_per_variant(baseline=0.2, minimum_detectable_effect=0.05, alpha=0.01, power=0.8) > base


def test_detectable_effect_inverts_the_published_sample_size() -> None:
    """Same published example read backwards: 1,030 per variation at 20 % detect a 5-point change."""
    assert detectable_effect(baseline=0.20, sample_size=1030, alpha=0.05, power=0.8) == pytest.approx(0.05, abs=5e-4)
    assert detectable_effect(baseline=0.10, sample_size=3623, alpha=0.05, power=0.8) == pytest.approx(0.02, abs=5e-4)


def test_a_sample_too_small_for_any_effect_has_no_detectable_effect() -> None:
    assert detectable_effect(baseline=0.5, sample_size=2, alpha=0.05, power=0.8) is None


def test_two_proportion_z_test_matches_textbook_examples() -> None:
    """Pooled two-proportion z-test, worked examples (homeworksource.com, problems 1008622 and 997366):
    140/200 vs 255/340 → |z| = 1.266; 28/254 vs 36/301 → |z| = 0.344, two-sided p = 0.7307."""
    z, _ = two_proportion_z_test(Proportion(140, 200), Proportion(255, 340))
    assert abs(z) == pytest.approx(1.266, abs=5e-4)
    z, p_value = two_proportion_z_test(Proportion(28, 254), Proportion(36, 301))
    assert abs(z) == pytest.approx(0.344, abs=5e-4)
    assert p_value == pytest.approx(0.7307, abs=5e-4)


def test_difference_interval_is_the_wald_interval_of_the_textbooks() -> None:
    """Wald interval p2 - p1 ± 1.96·sqrt(p1q1/n1 + p2q2/n2) (e.g. Agresti, Categorical Data Analysis §3.1)
    worked by hand for 20 % vs 25 % of 1,000 each: 0.05 ± 1.96·sqrt(0.16/1000 + 0.1875/1000) = 0.05 ± 0.03654."""
    comparison = compare_proportions(Proportion(200, 1000), Proportion(250, 1000), alpha=0.05)

    assert comparison.difference == pytest.approx(0.05)
    assert comparison.difference_interval.low == pytest.approx(0.05 - 0.03654, abs=1e-5)
    assert comparison.difference_interval.high == pytest.approx(0.05 + 0.03654, abs=1e-5)
    assert comparison.relative_lift == pytest.approx(0.25)


def test_relative_lift_interval_is_katzs_log_interval() -> None:
    """Katz's interval for a ratio of rates (Gardner & Altman, Statistics with Confidence, 1994, p. 51):
    exp(ln RR ± 1.96·sqrt(1/a - 1/n1 + 1/c - 1/n0)), worked by hand: for 250/1000 vs 200/1000, RR = 1.25 and the
    standard error is sqrt(1/250 - 1/1000 + 1/200 - 1/1000) = sqrt(0.007) = 0.08367, so the interval
    is 1.25·exp(∓0.16399) = 1.0609 to 1.4727, a lift of +6.1 % to +47.3 %."""
    comparison = compare_proportions(Proportion(200, 1000), Proportion(250, 1000), alpha=0.05)

    assert comparison.relative_lift_interval is not None
    assert comparison.relative_lift_interval.low == pytest.approx(0.0609, abs=5e-4)
    assert comparison.relative_lift_interval.high == pytest.approx(0.4727, abs=5e-4)


def test_no_control_successes_leaves_the_lift_undefined_rather_than_infinite() -> None:
    comparison = compare_proportions(Proportion(0, 100), Proportion(5, 100), alpha=0.05)

    assert comparison.relative_lift is None
    assert comparison.relative_lift_interval is None


def test_chi_square_tail_matches_the_published_critical_values() -> None:
    """NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.4 (upper critical values of the
    chi-square distribution): at the 5 % level 3.841 (1 df), 5.991 (2), 7.815 (3), 9.488 (4), 16.919 (9)."""
    for statistic, degrees in [(3.841, 1), (5.991, 2), (7.815, 3), (9.488, 4), (16.919, 9)]:
        assert chi_square_survival(statistic, degrees) == pytest.approx(0.05, abs=1e-4)


def test_sample_ratio_mismatch_matches_published_examples() -> None:
    """Wikipedia, "Sample ratio mismatch": 600 vs 400 on a planned 50/50 split → p = 2.54e-10.
    Kohavi, Tang & Xu, Trustworthy Online Controlled Experiments (2020), ch. 3: 821,588 vs 815,482
    users on 50/50 → p = 1.8e-6. srm.osc.garden: 44,000 vs 45,000 → p ≈ 0.0008."""
    check = check_sample_ratio([600, 400], [50, 50])
    assert check.p_value == pytest.approx(2.54e-10, rel=1e-2)
    assert check.mismatch
    assert check_sample_ratio([821_588, 815_482], [1, 1]).p_value == pytest.approx(1.8e-6, rel=2e-2)
    assert check_sample_ratio([44_000, 45_000], [0.5, 0.5]).p_value == pytest.approx(0.0008, abs=5e-5)


def test_a_split_close_to_plan_is_no_mismatch() -> None:
    check = check_sample_ratio([2010, 990], [2, 1])

    assert not check.mismatch
    assert check.p_value > 0.5


def test_probability_to_beat_control_against_closed_forms() -> None:
    """With no control data (a uniform Beta(1, 1) posterior), P(p_B > p_A) = E[p_B]: the posterior mean
    (1 + s)/(2 + n) of the treatment, e.g. 2/3 after 1 success in 1 trial and 4/7 after 3 in 5
    (Evan Miller, "Formulas for Bayesian A/B Testing", with alpha_A = beta_A = 1)."""
    assert probability_to_beat_control(Proportion(0, 0), Proportion(1, 1)) == pytest.approx(2 / 3)
    assert probability_to_beat_control(Proportion(0, 0), Proportion(3, 5)) == pytest.approx(4 / 7)
    assert probability_to_beat_control(Proportion(3, 5), Proportion(0, 0)) == pytest.approx(3 / 7)


def test_identical_data_is_a_coin_flip_and_the_normal_shortcut_agrees_with_the_exact_sum() -> None:
    """Past EXACT_TERMS_LIMIT successes the normal approximation replaces the exact sum: on the same data
    at the limit, the two must agree within the documented 0.0015."""
    assert probability_to_beat_control(Proportion(40, 100), Proportion(40, 100)) == pytest.approx(0.5, abs=1e-9)
    for trials, extra in [(2 * EXACT_TERMS_LIMIT, 8), (10 * EXACT_TERMS_LIMIT, 15), (100 * EXACT_TERMS_LIMIT, 30)]:
        control = (1 + EXACT_TERMS_LIMIT, 1 + trials - EXACT_TERMS_LIMIT)
        treatment = (1 + EXACT_TERMS_LIMIT + extra, 1 + trials - EXACT_TERMS_LIMIT - extra)
        exact = 1 - bayes._exact(*treatment, *control)
        assert bayes._normal(*control, *treatment) == pytest.approx(exact, abs=0.0015)
