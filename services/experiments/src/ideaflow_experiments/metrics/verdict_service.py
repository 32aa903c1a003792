"""Computing an experiment's verdict from what is stored: its metrics and their latest results."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments import service as experiments
from ideaflow_experiments.metrics import repository, verdicts
from ideaflow_experiments.metrics.verdict_schemas import Verdict
from ideaflow_shared.identity import Identity


async def compute_verdict(session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID) -> Verdict:
    """The verdict as of now; any member of the organisation may read it."""
    experiment = await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    metrics = await repository.all_metrics(
        session, organization_id=identity.organization_id, experiment_id=experiment.id
    )
    latest = {
        (str(result.metric_id), result.variant): result
        for result in await repository.latest_results(
            session, organization_id=identity.organization_id, experiment_id=experiment.id
        )
    }
    judged = [verdicts.judge_metric(metric, latest) for metric in metrics]
    outcome, reason = verdicts.overall(judged)
    return Verdict(
        experiment_id=experiment.id,
        outcome=outcome,
        reason=reason,
        criteria_amended_after_start=experiment.amended_after_start
        or any(metric.amended_at is not None for metric in metrics),
        metrics=judged,
    )
