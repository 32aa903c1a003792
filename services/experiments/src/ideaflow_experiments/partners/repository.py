"""All SQL for partners and collaborations. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.partners.models import Collaboration, CollaborationStatus, Partner, PartnerType
from ideaflow_experiments.partners.schemas import PartnerOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class PartnerFilters:
    type: PartnerType | None = None
    name_contains: str | None = None


async def get_partner(session: AsyncSession, *, organization_id: uuid.UUID, partner_id: uuid.UUID) -> Partner | None:
    return await session.scalar(
        select(Partner).where(Partner.organization_id == organization_id, Partner.id == partner_id)
    )


async def list_partners(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: PartnerFilters,
    order: PartnerOrder,
    page: PageRequest,
) -> tuple[Sequence[Partner], str | None]:
    statement = select(Partner).where(Partner.organization_id == organization_id)
    if filters.type is not None:
        statement = statement.where(Partner.type == filters.type)
    if filters.name_contains is not None:
        statement = statement.where(func.lower(Partner.name).contains(filters.name_contains.lower(), autoescape=True))
    sort_column = Partner.name if order is PartnerOrder.NAME else Partner.created_at
    statement = paginate(
        statement,
        keys=[sort_column, Partner.id],
        descending=order is PartnerOrder.CREATED_AT_DESC,
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda row: (getattr(row, sort_column.key), row.id))


def add(session: AsyncSession, row: Partner | Collaboration) -> None:
    session.add(row)


async def delete(session: AsyncSession, row: Partner | Collaboration) -> None:
    await session.delete(row)


async def count_collaborations(session: AsyncSession, *, organization_id: uuid.UUID, partner_id: uuid.UUID) -> int:
    statement = select(func.count()).where(
        Collaboration.organization_id == organization_id, Collaboration.partner_id == partner_id
    )
    return int(await session.scalar(statement) or 0)


async def get_collaboration(
    session: AsyncSession, *, organization_id: uuid.UUID, partner_id: uuid.UUID, collaboration_id: uuid.UUID
) -> Collaboration | None:
    return await session.scalar(
        select(Collaboration).where(
            Collaboration.organization_id == organization_id,
            Collaboration.partner_id == partner_id,
            Collaboration.id == collaboration_id,
        )
    )


async def find_collaboration(
    session: AsyncSession, *, organization_id: uuid.UUID, partner_id: uuid.UUID, experiment_id: uuid.UUID
) -> Collaboration | None:
    return await session.scalar(
        select(Collaboration).where(
            Collaboration.organization_id == organization_id,
            Collaboration.partner_id == partner_id,
            Collaboration.experiment_id == experiment_id,
        )
    )


@dataclass(frozen=True, slots=True)
class CollaborationFilters:
    partner_id: uuid.UUID | None = None
    experiment_id: uuid.UUID | None = None
    status: CollaborationStatus | None = None


async def list_collaborations(
    session: AsyncSession, *, organization_id: uuid.UUID, filters: CollaborationFilters, page: PageRequest
) -> tuple[Sequence[Collaboration], str | None]:
    """Collaborations of one partner or of one experiment, oldest first."""
    statement = select(Collaboration).where(Collaboration.organization_id == organization_id)
    if filters.partner_id is not None:
        statement = statement.where(Collaboration.partner_id == filters.partner_id)
    if filters.experiment_id is not None:
        statement = statement.where(Collaboration.experiment_id == filters.experiment_id)
    if filters.status is not None:
        statement = statement.where(Collaboration.status == filters.status)
    keys = [Collaboration.created_at, Collaboration.id]
    statement = paginate(statement, keys=keys, descending=False, page=page, ordering="created_at")
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering="created_at", key_of=lambda row: (row.created_at, row.id))
