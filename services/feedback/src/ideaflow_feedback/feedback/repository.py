"""All SQL for feedback items. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel, FeedbackKind, FeedbackStatus
from ideaflow_feedback.feedback.schemas import FeedbackOrder
from ideaflow_shared.db import insert_skipping_duplicates
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


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Feedback]:
    """Insert the rows whose (source, external_id) is not stored yet, and answer the inserted items.

    The unique constraint decides, not a read before the write: of two concurrent posts of one item
    exactly one inserts it (on PostgreSQL the other waits for its commit), and the caller updates
    what it did not insert. Rows go in the order given: callers sort them, so writers never deadlock.
    """
    if not rows:
        return []
    statement = insert_skipping_duplicates(session, Feedback, "organization_id", "source", "external_id")
    return list((await session.scalars(statement.returning(Feedback), rows)).all())


async def find_by_external_ids(
    session: AsyncSession, *, organization_id: uuid.UUID, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Feedback]:
    if not keys:
        return {}
    # Two plain IN lists, not a row-value IN, so PostgreSQL uses the unique index (see customers).
    found = await session.scalars(
        select(Feedback).where(
            Feedback.organization_id == organization_id,
            Feedback.source.in_({source for source, _ in keys}),
            Feedback.external_id.in_({external_id for _, external_id in keys}),
        )
    )
    wanted = set(keys)
    return {key: item for item in found if (key := (item.source, item.external_id or "")) in wanted}


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
