"""All SQL for assumptions. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.assumptions.models import Assumption, AssumptionKind, AssumptionStatus
from ideaflow_experiments.assumptions.schemas import AssumptionOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class AssumptionFilters:
    idea_id: uuid.UUID | None = None
    kind: AssumptionKind | None = None
    status: AssumptionStatus | None = None


async def get_assumption(
    session: AsyncSession, *, organization_id: uuid.UUID, assumption_id: uuid.UUID
) -> Assumption | None:
    return await session.scalar(
        select(Assumption).where(Assumption.organization_id == organization_id, Assumption.id == assumption_id)
    )


async def get_assumptions(
    session: AsyncSession, *, organization_id: uuid.UUID, assumption_ids: Sequence[uuid.UUID]
) -> Sequence[Assumption]:
    if not assumption_ids:
        return []
    statement = select(Assumption).where(
        Assumption.organization_id == organization_id, Assumption.id.in_(assumption_ids)
    )
    return (await session.scalars(statement)).all()


async def list_assumptions(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: AssumptionFilters,
    order: AssumptionOrder,
    page: PageRequest,
) -> tuple[Sequence[Assumption], str | None]:
    statement = select(Assumption).where(Assumption.organization_id == organization_id)
    if filters.idea_id is not None:
        statement = statement.where(Assumption.idea_id == filters.idea_id)
    if filters.kind is not None:
        statement = statement.where(Assumption.kind == filters.kind)
    if filters.status is not None:
        statement = statement.where(Assumption.status == filters.status)
    sort_column = Assumption.risk_score if order is AssumptionOrder.RISK else Assumption.created_at
    descending = order is not AssumptionOrder.CREATED_AT
    statement = paginate(
        statement, keys=[sort_column, Assumption.id], descending=descending, page=page, ordering=order.value
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda row: (getattr(row, sort_column.key), row.id))


def add_assumption(session: AsyncSession, assumption: Assumption) -> None:
    session.add(assumption)
