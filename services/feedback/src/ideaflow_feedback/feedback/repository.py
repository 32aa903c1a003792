"""All SQL for feedback items. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel, FeedbackKind, FeedbackStatus
from ideaflow_feedback.feedback.schemas import FeedbackOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class FeedbackFilters:
    channel: FeedbackChannel | None = None
    kind: FeedbackKind | None = None
    status: FeedbackStatus | None = None
    source: str | None = None
    customer_ref: str | None = None
    customer_id: uuid.UUID | None = None
    product_area: str | None = None
    received_after: dt.datetime | None = None
    received_before: dt.datetime | None = None


async def get_feedback(session: AsyncSession, *, organization_id: uuid.UUID, feedback_id: uuid.UUID) -> Feedback | None:
    return await session.scalar(
        select(Feedback).where(Feedback.organization_id == organization_id, Feedback.id == feedback_id)
    )


async def find_by_external_id(
    session: AsyncSession, *, organization_id: uuid.UUID, source: str, external_id: str
) -> Feedback | None:
    return await session.scalar(
        select(Feedback).where(
            Feedback.organization_id == organization_id,
            Feedback.source == source,
            Feedback.external_id == external_id,
        )
    )


async def insert_unless_duplicate(session: AsyncSession, feedback: Feedback) -> Feedback | None:
    """Insert `feedback` and answer None, or answer the item that already has its (source, external_id).

    On PostgreSQL the loser of a race waits for the winner's commit on the unique index, then reads
    the committed row (READ COMMITTED); on SQLite writers are serialised by BEGIN IMMEDIATE.

    The unique constraint decides, not a read before the write: of two concurrent posts exactly one
    inserts. The loser's failed insert is undone in a savepoint, so its transaction stays usable.
    """
    try:
        async with session.begin_nested():
            session.add(feedback)
            await session.flush()
    except IntegrityError:
        if feedback.external_id is None:
            raise
        existing = await find_by_external_id(
            session,
            organization_id=feedback.organization_id,
            source=feedback.source,
            external_id=feedback.external_id,
        )
        if existing is None:
            raise
        return existing
    return None


async def list_feedback(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: FeedbackFilters,
    order: FeedbackOrder,
    page: PageRequest,
) -> tuple[Sequence[Feedback], str | None]:
    statement = select(Feedback).where(Feedback.organization_id == organization_id)
    if filters.channel is not None:
        statement = statement.where(Feedback.channel == filters.channel)
    if filters.source is not None:
        statement = statement.where(Feedback.source == filters.source)
    if filters.kind is not None:
        statement = statement.where(Feedback.kind == filters.kind)
    if filters.status is not None:
        statement = statement.where(Feedback.status == filters.status)
    if filters.customer_ref is not None:
        statement = statement.where(Feedback.customer_ref == filters.customer_ref)
    if filters.customer_id is not None:
        statement = statement.where(Feedback.customer_id == filters.customer_id)
    if filters.product_area is not None:
        statement = statement.where(Feedback.product_area == filters.product_area)
    if filters.received_after is not None:
        statement = statement.where(Feedback.received_at >= filters.received_after)
    if filters.received_before is not None:
        statement = statement.where(Feedback.received_at < filters.received_before)
    sort_column = Feedback.created_at if order.value.endswith("created_at") else Feedback.received_at
    statement = paginate(
        statement,
        keys=[sort_column, Feedback.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda item: (getattr(item, sort_column.key), item.id)
    )
