"""The rules for results: recorded while an experiment runs and when it ends, never changed afterwards.

Each result is a cumulative snapshot of one metric (and variant) at `observed_at`; the verdict
reads the latest one of each.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments import service as experiments
from ideaflow_experiments.experiments.models import ExperimentStatus
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.metrics import repository
from ideaflow_experiments.metrics.models import Metric, MetricKind, MetricResult
from ideaflow_experiments.metrics.repository import ResultFilters
from ideaflow_experiments.metrics.result_schemas import ResultCreate, ResultOrder
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, UnprocessableContent

RECORDING_STATUSES = (ExperimentStatus.RUNNING, ExperimentStatus.CONCLUDED)


def _check_variant(metric: Metric, variant: str | None) -> None:
    names = [item["name"] for item in metric.variants]
    if names and variant not in names:
        raise UnprocessableContent.at("/body/variant", f"This metric has variants; name one of: {', '.join(names)}.")
    if not names and variant is not None:
        raise UnprocessableContent.at("/body/variant", "This metric has no variants; omit `variant`.")


def _measure(metric: Metric, data: ResultCreate) -> tuple[float, int | None]:
    """The value and sample size the result stands for, checked against the metric's kind."""
    if metric.kind is MetricKind.PROPORTION:
        if data.successes is None or data.trials is None:
            missing = "/body/successes" if data.successes is None else "/body/trials"
            raise UnprocessableContent.at(missing, "A proportion is recorded as successes out of trials.")
        if data.successes > data.trials:
            raise UnprocessableContent.at("/body/successes", "Successes cannot exceed trials.")
        if data.value is not None:
            raise UnprocessableContent.at("/body/value", "A proportion's value is computed; omit `value`.")
        return (data.successes / data.trials if data.trials else 0.0), data.trials
    if data.successes is not None or data.trials is not None:
        pointer = "/body/successes" if data.successes is not None else "/body/trials"
        raise UnprocessableContent.at(pointer, f"A {metric.kind.value} metric is recorded as a value, not successes.")
    if data.value is None:
        raise UnprocessableContent.at("/body/value", f"A {metric.kind.value} metric needs its observed value.")
    return data.value, data.sample_size


async def record_result(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, data: ResultCreate
) -> MetricResult:
    """Record an observation of a running or concluded experiment (its owner or a manager)."""
    experiment = await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    ensure_may_edit(identity, experiment)
    if experiment.status not in RECORDING_STATUSES:
        raise Conflict(
            f"Results are recorded while an experiment runs and when it ends, not while it is {experiment.status}.",
            extra={
                "current_status": experiment.status.value,
                "allowed": [status.value for status in RECORDING_STATUSES],
            },
        )
    metric = await repository.get_metric(
        session, organization_id=identity.organization_id, experiment_id=experiment.id, metric_id=data.metric_id
    )
    if metric is None:
        raise UnprocessableContent.at("/body/metric_id", f"This experiment has no metric with id {data.metric_id}.")
    _check_variant(metric, data.variant)
    value, sample_size = _measure(metric, data)
    now = utcnow()
    result = MetricResult(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        experiment_id=experiment.id,
        metric_id=metric.id,
        variant=data.variant,
        value=value,
        sample_size=sample_size,
        successes=data.successes,
        trials=data.trials,
        observed_at=data.observed_at or now,
        note=data.note,
        recorded_by=identity.principal_id,
        created_at=now,
    )
    repository.add(session, result)
    await session.flush()
    return result


async def list_results(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    filters: ResultFilters,
    order: ResultOrder,
    page: PageRequest,
) -> tuple[Sequence[MetricResult], str | None]:
    await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    return await repository.list_results(
        session,
        organization_id=identity.organization_id,
        experiment_id=experiment_id,
        filters=filters,
        descending=order.value.startswith("-"),
        ordering=order.value,
        page=page,
    )
