"""The one query a verdict needs: the experiment, its metrics and the latest result of each (metric, variant).

Rows come back as plain tuples, not ORM instances: a verdict of 10 variants x 5 metrics reads 50 of
them on every request, and building and tracking ORM objects cost more than the statistics.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Executable, Text, Uuid, and_, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments.models import Experiment
from ideaflow_experiments.metrics.models import Metric, MetricDirection, MetricKind, MetricResult
from ideaflow_shared.jsonutil import loads


@dataclass(frozen=True, slots=True)
class Criteria:
    """A metric as the verdict reads it: what was pre-registered."""

    id: uuid.UUID
    name: str
    unit: str
    kind: MetricKind
    direction: MetricDirection
    success_threshold: float
    failure_threshold: float
    minimum_sample_size: int | None
    significance_level: float
    variants: tuple[tuple[str, float], ...]  # (name, planned split), the control first
    amended_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Observation:
    """The latest result of one metric (and variant)."""

    variant: str | None
    value: float
    sample_size: int | None
    successes: int | None
    trials: int | None
    observed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class VerdictInputs:
    amended_after_start: bool
    metrics: Sequence[tuple[Criteria, dict[str | None, Observation]]]  # oldest metric first


def _criteria(row: Any) -> Criteria:
    # The variants come as JSON text on each of the metric's rows and are decoded once per metric.
    variants = loads(row.variants)
    return Criteria(
        id=row.metric_id,
        name=row.name,
        unit=row.unit,
        kind=row.kind,
        direction=row.direction,
        success_threshold=row.success_threshold,
        failure_threshold=row.failure_threshold,
        minimum_sample_size=row.minimum_sample_size,
        significance_level=row.significance_level,
        variants=tuple((variant["name"], variant["planned_split"]) for variant in variants),
        amended_at=row.amended_at,
    )


def _statement() -> Executable:
    """Built once: the experiment (one row even without metrics), each metric, and its latest result per variant."""
    organization_id: BindParameter[uuid.UUID] = bindparam("organization_id", type_=Uuid)
    experiment_id: BindParameter[uuid.UUID] = bindparam("experiment_id", type_=Uuid)
    ranked = (
        select(
            MetricResult.metric_id,
            MetricResult.variant,
            MetricResult.value,
            MetricResult.sample_size,
            MetricResult.successes,
            MetricResult.trials,
            MetricResult.observed_at,
            func.row_number()
            .over(
                partition_by=(MetricResult.metric_id, MetricResult.variant),
                order_by=(MetricResult.observed_at.desc(), MetricResult.created_at.desc(), MetricResult.id.desc()),
            )
            .label("rank"),
        )
        .where(MetricResult.organization_id == organization_id, MetricResult.experiment_id == experiment_id)
        .subquery()
    )
    return (
        select(
            Experiment.amended_after_start,
            Metric.id.label("metric_id"),
            Metric.name,
            Metric.unit,
            Metric.kind,
            Metric.direction,
            Metric.success_threshold,
            Metric.failure_threshold,
            Metric.minimum_sample_size,
            Metric.significance_level,
            cast(Metric.variants, Text).label("variants"),
            Metric.amended_at,
            ranked.c.variant,
            ranked.c.value,
            ranked.c.sample_size,
            ranked.c.successes,
            ranked.c.trials,
            ranked.c.observed_at,
        )
        .select_from(Experiment)
        .outerjoin(Metric, and_(Metric.experiment_id == Experiment.id, Metric.organization_id == organization_id))
        .outerjoin(ranked, and_(ranked.c.metric_id == Metric.id, ranked.c.rank == 1))
        .where(Experiment.organization_id == organization_id, Experiment.id == experiment_id)
        .order_by(Metric.created_at, Metric.id)
    )


# Building this select costs more than running it; its parameters are bound per request.
_VERDICT_INPUTS = _statement()


async def verdict_inputs(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID
) -> VerdictInputs | None:
    """Everything the verdict reads, in one round trip; None when the organisation has no such experiment."""
    parameters = {"organization_id": organization_id, "experiment_id": experiment_id}
    rows = (await session.execute(_VERDICT_INPUTS, parameters)).all()
    if not rows:
        return None
    metrics: dict[uuid.UUID, tuple[Criteria, dict[str | None, Observation]]] = {}
    for row in rows:
        if row.metric_id is None:
            continue  # an experiment without metrics: one row, all metric columns null
        if row.metric_id not in metrics:
            metrics[row.metric_id] = (_criteria(row), {})
        if row.observed_at is not None:
            metrics[row.metric_id][1][row.variant] = Observation(
                variant=row.variant,
                value=row.value,
                sample_size=row.sample_size,
                successes=row.successes,
                trials=row.trials,
                observed_at=row.observed_at,
            )
    return VerdictInputs(amended_after_start=rows[0].amended_after_start, metrics=list(metrics.values()))
