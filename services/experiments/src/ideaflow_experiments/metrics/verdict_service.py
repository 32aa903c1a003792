"""Computing an experiment's verdict from what is stored: its metrics and their latest results."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.metrics import verdicts
from ideaflow_experiments.metrics.verdict_repository import verdict_inputs
from ideaflow_experiments.metrics.verdict_schemas import Verdict
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import NotFound


async def compute_verdict(session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID) -> Verdict:
    """The verdict as of now; any member of the organisation may read it."""
    inputs = await verdict_inputs(session, organization_id=identity.organization_id, experiment_id=experiment_id)
    if inputs is None:
        raise NotFound(f"No experiment with id {experiment_id} exists.")
    judged = [verdicts.judge_metric(criteria, latest) for criteria, latest in inputs.metrics]
    outcome, reason = verdicts.overall(judged)
    return Verdict.model_construct(
        experiment_id=experiment_id,
        outcome=outcome,
        reason=reason,
        criteria_amended_after_start=inputs.amended_after_start
        or any(criteria.amended_at is not None for criteria, _ in inputs.metrics),
        metrics=judged,
    )
