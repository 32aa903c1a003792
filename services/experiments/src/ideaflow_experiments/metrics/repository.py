"""All SQL for metrics and results. Every query is scoped to one organisation and one experiment."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.metrics.models import Metric, MetricResult
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class ResultFilters:
    metric_id: uuid.UUID | None = None
    variant: str | None = None


async def get_metric(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID, metric_id: uuid.UUID
) -> Metric | None:
    return await session.scalar(
        select(Metric).where(
            Metric.organization_id == organization_id,
            Metric.experiment_id == experiment_id,
            Metric.id == metric_id,
        )
    )


async def list_metrics(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    experiment_id: uuid.UUID,
    descending: bool,
    ordering: str,
    page: PageRequest,
) -> tuple[Sequence[Metric], str | None]:
    statement = select(Metric).where(Metric.organization_id == organization_id, Metric.experiment_id == experiment_id)
    statement = paginate(
        statement, keys=[Metric.created_at, Metric.id], descending=descending, page=page, ordering=ordering
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=ordering, key_of=lambda metric: (metric.created_at, metric.id))


async def count_metrics(session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID) -> int:
    statement = select(func.count()).where(
        Metric.organization_id == organization_id, Metric.experiment_id == experiment_id
    )
    return int(await session.scalar(statement) or 0)


def add(session: AsyncSession, row: Metric | MetricResult) -> None:
    session.add(row)


async def delete_metric(session: AsyncSession, metric: Metric) -> None:
    await session.delete(metric)


async def list_results(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    experiment_id: uuid.UUID,
    filters: ResultFilters,
    descending: bool,
    ordering: str,
    page: PageRequest,
) -> tuple[Sequence[MetricResult], str | None]:
    statement = select(MetricResult).where(
        MetricResult.organization_id == organization_id, MetricResult.experiment_id == experiment_id
    )
    if filters.metric_id is not None:
        statement = statement.where(MetricResult.metric_id == filters.metric_id)
    if filters.variant is not None:
        statement = statement.where(MetricResult.variant == filters.variant)
    statement = paginate(
        statement,
        keys=[MetricResult.observed_at, MetricResult.id],
        descending=descending,
        page=page,
        ordering=ordering,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=ordering, key_of=lambda result: (result.observed_at, result.id))
