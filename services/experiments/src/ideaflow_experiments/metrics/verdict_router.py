"""`GET /v1/experiments/{id}/verdict` and the planning calculators under `/v1/experiments/planning`."""

import uuid

from fastapi import APIRouter

from ideaflow_experiments.metrics import verdict_service
from ideaflow_experiments.metrics.planning_schemas import (
    DetectableEffectPlan,
    DetectableEffectRequest,
    SampleSizePlan,
    SampleSizeRequest,
)
from ideaflow_experiments.metrics.verdict_schemas import Verdict
from ideaflow_experiments.statistics.planning import detectable_effect, sample_size_per_variant
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments", tags=["metrics"])


@router.get(
    "/{experiment_id}/verdict",
    response_model=Verdict,
    summary="Compute an experiment's verdict",
    responses=problem_responses(404, 422),
)
async def get_verdict(experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity) -> Verdict:
    """Per metric and overall: validated, invalidated, inconclusive or insufficient_data, with the reason in words.

    Computed from the pre-registered criteria and the latest results each time, never stored or typed
    in. Proportion metrics with variants carry the difference and relative lift with intervals, the
    two-sided p-value, the Bayesian probability to beat the control and the sample-ratio check.
    `criteria_amended_after_start` says when the criteria moved after the start.
    """
    return await verdict_service.compute_verdict(session, identity=identity, experiment_id=experiment_id)


@router.post(
    "/planning/sample-size",
    response_model=SampleSizePlan,
    summary="Plan the sample size of an A/B test",
    responses=problem_responses(422),
)
async def plan_sample_size(payload: SampleSizeRequest) -> SampleSizePlan:
    """Subjects per variant to detect an absolute increase of the conversion rate (two-sided test)."""
    target = payload.baseline_rate + payload.minimum_detectable_effect
    size = None
    if target < 1:
        size = sample_size_per_variant(
            baseline=payload.baseline_rate,
            minimum_detectable_effect=payload.minimum_detectable_effect,
            alpha=payload.significance_level,
            power=payload.power,
        )
    reason = (
        f"With {size} subjects per variant, a change from {payload.baseline_rate:g} to {target:g} is detected "
        f"with probability {payload.power:g} at significance level {payload.significance_level:g}."
        if size is not None
        else "The baseline plus the effect reaches 100 %, which no treatment can exceed."
    )
    return SampleSizePlan(**payload.model_dump(), sample_size_per_variant=size, reason=reason)


@router.post(
    "/planning/detectable-effect",
    response_model=DetectableEffectPlan,
    summary="Find the smallest effect a sample can detect",
    responses=problem_responses(422),
)
async def plan_detectable_effect(payload: DetectableEffectRequest) -> DetectableEffectPlan:
    """The smallest absolute increase of the conversion rate that the given sample per variant detects."""
    effect = detectable_effect(
        baseline=payload.baseline_rate,
        sample_size=payload.sample_size_per_variant,
        alpha=payload.significance_level,
        power=payload.power,
    )
    reason = (
        f"{payload.sample_size_per_variant} subjects per variant detect a change from {payload.baseline_rate:g} "
        f"to {payload.baseline_rate + effect:g} with probability {payload.power:g}."
        if effect is not None
        else "Even a treatment that converts everyone could not be told apart with this sample."
    )
    return DetectableEffectPlan(**payload.model_dump(), minimum_detectable_effect=effect, reason=reason)
