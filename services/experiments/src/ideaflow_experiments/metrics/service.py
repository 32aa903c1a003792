"""The rules for metrics. Once the experiment has started, every change is an amendment."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments import preregistration
from ideaflow_experiments.experiments import service as experiments
from ideaflow_experiments.experiments.models import Experiment
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.metrics import criteria, repository
from ideaflow_experiments.metrics.models import Metric
from ideaflow_experiments.metrics.schemas import MetricCreate, MetricOrder, MetricUpdate
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound

MAX_METRICS_PER_EXPERIMENT = 20
_DEFINITION_FIELDS = (
    "name",
    "unit",
    "kind",
    "direction",
    "success_threshold",
    "failure_threshold",
    "minimum_sample_size",
    "significance_level",
    "variants",
)


def definition(metric: Metric) -> dict[str, Any]:
    """The metric's pre-registered definition as JSON values (what amendments record)."""
    return {
        field: getattr(metric, field).value if field in ("kind", "direction") else getattr(metric, field)
        for field in _DEFINITION_FIELDS
    }


def _ensure_reason_when_locked(experiment: Experiment, reason: str | None) -> None:
    if preregistration.is_locked(experiment) and reason is None:
        raise Conflict(
            "The experiment has started, so its metrics are pre-registered: send `amendment_reason` to amend them.",
            extra={"locked_fields": ["metrics"]},
        )


def _check(metric: Metric) -> None:
    criteria.check_definition(
        kind=metric.kind,
        direction=metric.direction,
        success_threshold=metric.success_threshold,
        failure_threshold=metric.failure_threshold,
        variants=metric.variants,
    )


async def _editable_experiment(session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID) -> Experiment:
    experiment = await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    ensure_may_edit(identity, experiment)
    return experiment


async def create_metric(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, data: MetricCreate
) -> Metric:
    """Add a metric with its criteria; after the start only as a recorded amendment."""
    experiment = await _editable_experiment(session, identity=identity, experiment_id=experiment_id)
    now = utcnow()
    metric = Metric(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        experiment_id=experiment.id,
        **data.model_dump(exclude={"amendment_reason"}, mode="python"),
        amended_at=None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    _check(metric)
    _ensure_reason_when_locked(experiment, data.amendment_reason)
    count = await repository.count_metrics(
        session, organization_id=identity.organization_id, experiment_id=experiment.id
    )
    if count >= MAX_METRICS_PER_EXPERIMENT:
        raise Conflict(f"An experiment has at most {MAX_METRICS_PER_EXPERIMENT} metrics; this one has {count}.")
    if preregistration.is_locked(experiment):
        assert data.amendment_reason is not None
        await preregistration.amend(
            session,
            experiment=experiment,
            identity=identity,
            what=f"Added metric '{metric.name}'",
            why=data.amendment_reason,
            changes={f"metrics/{metric.id}": {"from": None, "to": definition(metric)}},
        )
        metric.amended_at = now
    repository.add(session, metric)
    await session.flush()
    return metric


async def get_metric(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, metric_id: uuid.UUID
) -> Metric:
    """The metric, or NotFound when the experiment (in the caller's organisation) has no such metric."""
    metric = await repository.get_metric(
        session, organization_id=identity.organization_id, experiment_id=experiment_id, metric_id=metric_id
    )
    if metric is None:
        raise NotFound(f"Experiment {experiment_id} has no metric with id {metric_id}.")
    return metric


async def list_metrics(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, order: MetricOrder, page: PageRequest
) -> tuple[Sequence[Metric], str | None]:
    await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    return await repository.list_metrics(
        session,
        organization_id=identity.organization_id,
        experiment_id=experiment_id,
        descending=order.value.startswith("-"),
        ordering=order.value,
        page=page,
    )


async def update_metric(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    metric_id: uuid.UUID,
    if_match: str | None,
    data: MetricUpdate,
) -> Metric:
    """Change a metric's definition; after the start the change is recorded as an amendment."""
    metric = await get_metric(session, identity=identity, experiment_id=experiment_id, metric_id=metric_id)
    check_if_match(if_match, metric.version)
    experiment = await _editable_experiment(session, identity=identity, experiment_id=experiment_id)
    changes = data.changes()
    reason = changes.pop("amendment_reason", None)
    before = definition(metric)
    for field, value in changes.items():
        setattr(metric, field, value)
    _check(metric)
    changed = {
        field: {"from": before[field], "to": value}
        for field, value in definition(metric).items()
        if value != before[field]
    }
    if changed:
        _ensure_reason_when_locked(experiment, reason)
    if changed and preregistration.is_locked(experiment):
        assert reason is not None
        await preregistration.amend(
            session,
            experiment=experiment,
            identity=identity,
            what=f"Changed metric '{metric.name}': {', '.join(sorted(changed))}",
            why=reason,
            changes={f"metrics/{metric.id}/{field}": change for field, change in changed.items()},
        )
        metric.amended_at = utcnow()
    metric.version += 1
    metric.updated_at = utcnow()
    await session.flush()
    return metric


async def delete_metric(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, metric_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove a metric of a draft; a started experiment keeps every pre-registered metric."""
    metric = await get_metric(session, identity=identity, experiment_id=experiment_id, metric_id=metric_id)
    check_if_match(if_match, metric.version)
    experiment = await _editable_experiment(session, identity=identity, experiment_id=experiment_id)
    if preregistration.is_locked(experiment):
        raise Conflict(
            "A started experiment keeps every pre-registered metric; amend its criteria instead of removing it.",
            extra={"locked_fields": ["metrics"]},
        )
    await repository.delete_metric(session, metric)
