"""All SQL for experiments. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments.models import (
    OPEN_STATUSES,
    Experiment,
    ExperimentAmendment,
    ExperimentStatus,
    ExperimentType,
)
from ideaflow_experiments.experiments.schemas import ExperimentOrder
from ideaflow_shared.db import utcnow
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class ExperimentFilters:
    idea_id: uuid.UUID | None = None
    status: ExperimentStatus | None = None
    type: ExperimentType | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    overdue: bool | None = None
    over_budget: bool | None = None


def _overdue() -> ColumnElement[bool]:
    """The SQL twin of `Experiment.overdue`."""
    return and_(
        Experiment.status.in_(OPEN_STATUSES),
        Experiment.planned_end_at.is_not(None),
        Experiment.planned_end_at < utcnow(),
    )


def _over_budget() -> ColumnElement[bool]:
    """The SQL twin of `Experiment.over_budget`."""
    return and_(
        Experiment.budget_planned_amount.is_not(None),
        Experiment.budget_spent_amount > Experiment.budget_planned_amount,
    )


async def get_experiment(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID
) -> Experiment | None:
    return await session.scalar(
        select(Experiment).where(Experiment.organization_id == organization_id, Experiment.id == experiment_id)
    )


async def list_experiments(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: ExperimentFilters,
    order: ExperimentOrder,
    page: PageRequest,
) -> tuple[Sequence[Experiment], str | None]:
    statement = select(Experiment).where(Experiment.organization_id == organization_id)
    if filters.idea_id is not None:
        statement = statement.where(Experiment.idea_id == filters.idea_id)
    if filters.status is not None:
        statement = statement.where(Experiment.status == filters.status)
    if filters.type is not None:
        statement = statement.where(Experiment.type == filters.type)
    if filters.created_after is not None:
        statement = statement.where(Experiment.created_at >= filters.created_after)
    if filters.created_before is not None:
        statement = statement.where(Experiment.created_at < filters.created_before)
    if filters.overdue is not None:
        statement = statement.where(_overdue() if filters.overdue else not_(_overdue()))
    if filters.over_budget is not None:
        statement = statement.where(_over_budget() if filters.over_budget else not_(_over_budget()))
    sort_column = Experiment.updated_at if order.value.endswith("updated_at") else Experiment.created_at
    statement = paginate(
        statement,
        keys=[sort_column, Experiment.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows,
        page=page,
        ordering=order.value,
        key_of=lambda experiment: (getattr(experiment, sort_column.key), experiment.id),
    )


def add_experiment(session: AsyncSession, experiment: Experiment) -> None:
    session.add(experiment)


async def delete_experiment(session: AsyncSession, experiment: Experiment) -> None:
    await session.delete(experiment)


async def list_amendments(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ExperimentAmendment], str | None]:
    """An experiment's amendments, oldest first: the order in which the plan changed."""
    statement = select(ExperimentAmendment).where(
        ExperimentAmendment.organization_id == organization_id, ExperimentAmendment.experiment_id == experiment_id
    )
    keys = [ExperimentAmendment.amended_at, ExperimentAmendment.id]
    statement = paginate(statement, keys=keys, descending=False, page=page, ordering="amended_at")
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering="amended_at", key_of=lambda row: (row.amended_at, row.id))


async def get_amendment(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID, amendment_id: uuid.UUID
) -> ExperimentAmendment | None:
    return await session.scalar(
        select(ExperimentAmendment).where(
            ExperimentAmendment.organization_id == organization_id,
            ExperimentAmendment.experiment_id == experiment_id,
            ExperimentAmendment.id == amendment_id,
        )
    )
