"""A metric's pre-registered criteria: checked once when defined, then put into words for every reader."""

from collections.abc import Sequence
from typing import Any

from ideaflow_experiments.metrics.models import MetricDirection, MetricKind
from ideaflow_shared.problems import UnprocessableContent

MAX_VARIANTS = 20


def meets(value: float, threshold: float, direction: MetricDirection, *, toward_success: bool) -> bool:
    """Whether `value` has reached `threshold` on the side it guards.

    The success threshold is reached from below when higher is better; the failure threshold from
    the other side.
    """
    higher_is_good = direction is MetricDirection.INCREASE
    if higher_is_good == toward_success:
        return value >= threshold
    return value <= threshold


def _format(value: float, unit: str) -> str:
    text = f"{value:g}"
    return f"{text} {unit}" if unit else text


def describe(
    *,
    direction: MetricDirection,
    success_threshold: float,
    failure_threshold: float,
    unit: str,
    has_variants: bool,
) -> str:
    subject = "a treatment's difference from the control" if has_variants else "the value"
    success_side, failure_side = (
        ("at least", "at most") if direction is MetricDirection.INCREASE else ("at most", "at least")
    )
    return (
        f"We are right if {subject} is {success_side} {_format(success_threshold, unit)}; "
        f"we are wrong if it is {failure_side} {_format(failure_threshold, unit)}."
    )


def check_definition(
    *,
    kind: MetricKind,
    direction: MetricDirection,
    success_threshold: float,
    failure_threshold: float,
    variants: Sequence[dict[str, Any]],
) -> None:
    """Refuse (422, pointing at the field) criteria that could never give a clear verdict."""
    if len(variants) == 1:
        raise UnprocessableContent.at("/body/variants", "Give no variants, or a control and at least one treatment.")
    seen: set[str] = set()
    for index, variant in enumerate(variants):
        if variant["name"] in seen:
            raise UnprocessableContent.at(f"/body/variants/{index}/name", "Variant names must be unique.")
        seen.add(variant["name"])
    if failure_threshold != success_threshold and meets(
        failure_threshold, success_threshold, direction, toward_success=True
    ):
        side = "above" if direction is MetricDirection.INCREASE else "below"
        raise UnprocessableContent.at(
            "/body/failure_threshold",
            f"For a metric that should {direction.value}, the failure threshold must not lie {side} "
            "the success threshold.",
        )
    if kind is MetricKind.PROPORTION:
        low = -1.0 if variants else 0.0
        for field, value in (("success_threshold", success_threshold), ("failure_threshold", failure_threshold)):
            if not low <= value <= 1:
                what = "a difference of rates" if variants else "a rate"
                raise UnprocessableContent.at(f"/body/{field}", f"For a proportion this is {what}, from {low:g} to 1.")
