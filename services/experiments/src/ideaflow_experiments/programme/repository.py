"""All SQL of the programme view: aggregates over one organisation's rows in a period."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.decisions.models import Decision
from ideaflow_experiments.experiments.models import (
    OPEN_STATUSES,
    Experiment,
    ExperimentStatus,
    ExperimentType,
)
from ideaflow_experiments.learnings.models import Learning, LearningKind

_IN_CHUNKS_OF = 1000  # ids per IN (...) list: far below every backend's parameter limit


@dataclass(frozen=True, slots=True)
class Period:
    organization_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime


async def experiments_by_status_and_type(
    session: AsyncSession, period: Period
) -> Sequence[tuple[ExperimentStatus, ExperimentType, int]]:
    statement = (
        select(Experiment.status, Experiment.type, func.count())
        .where(
            Experiment.organization_id == period.organization_id,
            Experiment.created_at >= period.start,
            Experiment.created_at < period.end,
        )
        .group_by(Experiment.status, Experiment.type)
    )
    return (await session.execute(statement)).all()


async def decided_experiments(
    session: AsyncSession, period: Period
) -> Sequence[tuple[dt.datetime | None, dt.datetime, str]]:
    """(started_at, decided_at, verdict outcome at the decision) of every experiment decided in the period."""
    statement = (
        select(Experiment.started_at, Decision.decided_at, Decision.verdict_outcome)
        .join(Decision, Decision.experiment_id == Experiment.id)
        .where(
            Decision.organization_id == period.organization_id,
            Experiment.organization_id == period.organization_id,
            Decision.decided_at >= period.start,
            Decision.decided_at < period.end,
        )
    )
    return (await session.execute(statement)).all()


async def budgets_by_currency(session: AsyncSession, period: Period) -> Sequence[tuple[str, int, int, int, int]]:
    """(currency, experiments, planned, spent, over budget) for experiments created in the period."""
    over = case((Experiment.budget_spent_amount > Experiment.budget_planned_amount, 1), else_=0)
    statement = (
        select(
            Experiment.budget_currency,
            func.count(),
            func.coalesce(func.sum(Experiment.budget_planned_amount), 0),
            func.coalesce(func.sum(Experiment.budget_spent_amount), 0),
            func.coalesce(func.sum(over), 0),
        )
        .where(
            Experiment.organization_id == period.organization_id,
            Experiment.created_at >= period.start,
            Experiment.created_at < period.end,
            Experiment.budget_currency.is_not(None),
        )
        .group_by(Experiment.budget_currency)
        .order_by(Experiment.budget_currency)
    )
    return (await session.execute(statement)).all()


async def learnings_by_kind(session: AsyncSession, period: Period) -> Sequence[tuple[LearningKind, int]]:
    statement = (
        select(Learning.kind, func.count())
        .where(
            Learning.organization_id == period.organization_id,
            Learning.created_at >= period.start,
            Learning.created_at < period.end,
        )
        .group_by(Learning.kind)
    )
    return (await session.execute(statement)).all()


async def ideas_with_experiments(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these ideas have at least one experiment (of any age)."""
    found: set[uuid.UUID] = set()
    for offset in range(0, len(idea_ids), _IN_CHUNKS_OF):
        chunk = idea_ids[offset : offset + _IN_CHUNKS_OF]
        statement = (
            select(Experiment.idea_id)
            .where(Experiment.organization_id == organization_id, Experiment.idea_id.in_(chunk))
            .distinct()
        )
        found.update(await session.scalars(statement))
    return found


def _overdue(now: dt.datetime) -> ColumnElement[bool]:
    """What `Experiment.overdue` says, in SQL."""
    return and_(
        Experiment.status.in_(OPEN_STATUSES),
        Experiment.planned_end_at.is_not(None),
        Experiment.planned_end_at < now,
    )


async def overdue_experiments(
    session: AsyncSession, *, organization_id: uuid.UUID, now: dt.datetime, limit: int
) -> tuple[int, Sequence[Experiment]]:
    """How many experiments are overdue now, and the `limit` longest overdue of them."""
    condition = and_(Experiment.organization_id == organization_id, _overdue(now))
    total = int(await session.scalar(select(func.count()).where(condition)) or 0)
    statement = select(Experiment).where(condition).order_by(Experiment.planned_end_at, Experiment.id).limit(limit)
    return total, (await session.scalars(statement)).all()
