"""From a metric's pre-registered criteria and its latest results to a verdict, with the reason in words.

Per metric:
- `insufficient_data`: no result yet (for some variant), no trials, or fewer subjects than the
  metric's minimum sample size.
- Without variants, the latest value is compared with the thresholds: reaching the success
  threshold validates, reaching the failure threshold invalidates, anything between is inconclusive
  (when both thresholds are one cut-off, a value exactly on it validates).
- With variants, each treatment's difference from the control is compared instead. For proportions
  a treatment validates only when its difference reaches the success threshold AND the two-sided
  test is significant at the metric's level; a sample-ratio mismatch makes the metric inconclusive
  whatever the numbers say, since the split itself is broken. The metric is invalidated when every
  treatment's difference reaches the failure threshold.
Overall: invalidated if any metric is; otherwise insufficient_data if any metric is; otherwise
inconclusive if any metric is; validated only when every metric is.
"""

import functools
from collections.abc import Mapping, Sequence

from ideaflow_experiments.metrics.criteria import describe, meets
from ideaflow_experiments.metrics.models import MetricDirection, MetricKind
from ideaflow_experiments.metrics.verdict_repository import Criteria, Observation
from ideaflow_experiments.metrics.verdict_schemas import (
    Interval,
    MetricVerdict,
    Outcome,
    SampleRatio,
    TreatmentComparison,
    VariantValue,
)
from ideaflow_experiments.statistics.bayes import probability_to_beat_control
from ideaflow_experiments.statistics.proportions import Proportion, compare_proportions
from ideaflow_experiments.statistics.srm import check_sample_ratio

# Response models are built with `model_construct`: every value is computed here from stored,
# validated data, so validating it again would only cost time. The statistics of a comparison and
# of a split depend on nothing but their counts, so they are cached: a verdict is read far more
# often than results are recorded.
_CACHED = 4096


def _number(value: float, metric: Criteria) -> str:
    return f"{value:g} {metric.unit}" if metric.unit else f"{value:g}"


def _judge(metric: Criteria, value: float, subject: str) -> tuple[Outcome, str]:
    if meets(value, metric.success_threshold, metric.direction, toward_success=True):
        return Outcome.VALIDATED, f"{subject} is {_number(value, metric)}, reaching the success threshold."
    if meets(value, metric.failure_threshold, metric.direction, toward_success=False):
        return Outcome.INVALIDATED, f"{subject} is {_number(value, metric)}, reaching the failure threshold."
    return Outcome.INCONCLUSIVE, f"{subject} is {_number(value, metric)}, between the two thresholds."


def _too_small(metric: Criteria, results: Sequence[Observation]) -> str | None:
    for result in results:
        size = result.trials if metric.kind is MetricKind.PROPORTION else result.sample_size
        label = f"variant '{result.variant}'" if result.variant else "the latest result"
        if metric.kind is MetricKind.PROPORTION and not size:
            return f"{label} has no trials yet."
        if metric.minimum_sample_size is not None and (size or 0) < metric.minimum_sample_size:
            return f"{label} rests on {size or 0} subjects; the criteria need at least {metric.minimum_sample_size}."
    return None


@functools.lru_cache(maxsize=_CACHED)
def _compare(control: Proportion, treatment: Proportion, variant: str, alpha: float) -> TreatmentComparison:
    comparison = compare_proportions(control, treatment, alpha=alpha)
    difference_interval = comparison.difference_interval
    lift_interval = comparison.relative_lift_interval
    return TreatmentComparison.model_construct(
        variant=variant,
        control_rate=control.rate,
        treatment_rate=treatment.rate,
        difference=comparison.difference,
        difference_interval=Interval.model_construct(low=difference_interval.low, high=difference_interval.high),
        relative_lift=comparison.relative_lift,
        relative_lift_interval=None
        if lift_interval is None
        else Interval.model_construct(low=lift_interval.low, high=lift_interval.high),
        p_value=comparison.p_value,
        probability_to_beat_control=probability_to_beat_control(control, treatment),
        significant=comparison.p_value < alpha,
    )


@functools.lru_cache(maxsize=_CACHED)
def _sample_ratio(trials: tuple[int, ...], planned_splits: tuple[float, ...]) -> SampleRatio:
    check = check_sample_ratio(trials, planned_splits)
    return SampleRatio.model_construct(
        chi_square=check.chi_square,
        degrees_of_freedom=check.degrees_of_freedom,
        p_value=check.p_value,
        mismatch=check.mismatch,
    )


@functools.lru_cache(maxsize=_CACHED)
def _criteria_text(
    direction: MetricDirection, success_threshold: float, failure_threshold: float, unit: str, has_variants: bool
) -> str:
    return describe(
        direction=direction,
        success_threshold=success_threshold,
        failure_threshold=failure_threshold,
        unit=unit,
        has_variants=has_variants,
    )


def _judge_variants(
    metric: Criteria, results: Sequence[Observation], comparisons: Sequence[TreatmentComparison]
) -> tuple[Outcome, str]:
    control, treatments = results[0], results[1:]
    differences = [(treatment.variant, treatment.value - control.value) for treatment in treatments]
    significance = {comparison.variant: comparison for comparison in comparisons}
    winners = []
    for variant, difference in differences:
        reaches = meets(difference, metric.success_threshold, metric.direction, toward_success=True)
        comparison = significance.get(variant or "")
        if reaches and (comparison is None or comparison.significant):
            winners.append(
                f"'{variant}' ({difference:+g}" + (f", p = {comparison.p_value:.3g})" if comparison else ")")
            )
    if winners:
        return Outcome.VALIDATED, f"Against the control, {', '.join(winners)} reach the success threshold."
    if all(
        meets(difference, metric.failure_threshold, metric.direction, toward_success=False)
        for _, difference in differences
    ):
        return Outcome.INVALIDATED, "Every treatment's difference from the control reaches the failure threshold."
    best = max(differences, key=lambda item: item[1] if metric.direction is MetricDirection.INCREASE else -item[1])
    detail = ""
    if best[0] in significance and meets(best[1], metric.success_threshold, metric.direction, toward_success=True):
        detail = f", but p = {significance[best[0]].p_value:.3g} is not below {metric.significance_level:g}"
    return Outcome.INCONCLUSIVE, f"The best treatment, '{best[0]}', differs from the control by {best[1]:+g}{detail}."


def judge_metric(metric: Criteria, latest: Mapping[str | None, Observation]) -> MetricVerdict:
    """The metric's verdict from its latest result per variant (`latest` maps a variant, or None, to it)."""
    names: list[str | None] = [name for name, _ in metric.variants] or [None]
    results = [latest.get(name) for name in names]
    found = [result for result in results if result is not None]
    comparisons: list[TreatmentComparison] = []
    sample_ratio = None
    missing = [name for name, result in zip(names, results, strict=True) if result is None]
    if missing:
        what = "no result yet" if missing == [None] else f"no result yet for {', '.join(map(str, missing))}"
        outcome, reason = Outcome.INSUFFICIENT_DATA, f"There is {what}."
    elif (small := _too_small(metric, found)) is not None:
        outcome, reason = Outcome.INSUFFICIENT_DATA, small[0].upper() + small[1:]
    elif len(found) == 1:
        outcome, reason = _judge(metric, found[0].value, "The latest value")
    else:
        if metric.kind is MetricKind.PROPORTION:
            control = Proportion(found[0].successes or 0, found[0].trials or 0)
            alpha = metric.significance_level
            comparisons = [
                _compare(
                    control, Proportion(treatment.successes or 0, treatment.trials or 0), treatment.variant or "", alpha
                )
                for treatment in found[1:]
            ]
            sample_ratio = _sample_ratio(
                tuple(result.trials or 0 for result in found), tuple(split for _, split in metric.variants)
            )
        if sample_ratio is not None and sample_ratio.mismatch:
            outcome, reason = (
                Outcome.INCONCLUSIVE,
                f"Sample ratio mismatch (p = {sample_ratio.p_value:.3g}): the traffic did not split as planned, "
                "so the comparison cannot be trusted.",
            )
        else:
            outcome, reason = _judge_variants(metric, found, comparisons)
    return MetricVerdict.model_construct(
        metric_id=metric.id,
        name=metric.name,
        outcome=outcome,
        reason=reason,
        criteria=_criteria_text(
            metric.direction, metric.success_threshold, metric.failure_threshold, metric.unit, bool(metric.variants)
        ),
        amended_at=metric.amended_at,
        values=[
            VariantValue.model_construct(
                variant=r.variant, value=r.value, sample_size=r.sample_size, observed_at=r.observed_at
            )
            for r in found
        ],
        comparisons=comparisons,
        sample_ratio=sample_ratio,
    )


_PRECEDENCE = (Outcome.INVALIDATED, Outcome.INSUFFICIENT_DATA, Outcome.INCONCLUSIVE)


def overall(verdicts: Sequence[MetricVerdict]) -> tuple[Outcome, str]:
    """The experiment's outcome: one invalidated metric invalidates it; all must validate to validate it."""
    if not verdicts:
        return Outcome.INSUFFICIENT_DATA, "The experiment has no metrics, so nothing can be judged."
    for outcome in _PRECEDENCE:
        names = [verdict.name for verdict in verdicts if verdict.outcome is outcome]
        if names:
            return outcome, f"{outcome.value.replace('_', ' ').capitalize()}: {', '.join(names)}."
    return Outcome.VALIDATED, "Every metric reached its success threshold."
