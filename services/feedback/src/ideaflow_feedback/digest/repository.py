"""All SQL for the digest. Every query is scoped to one organisation and one period."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, desc, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes.models import Theme, ThemeAssignment

TOP = 10
QUOTES = 5


def _previous_start(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """The start of the equally long period before [start, end), or the calendar's start."""
    try:
        return start - max(end - start, dt.timedelta(0))
    except OverflowError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)


async def growing_themes(
    session: AsyncSession, *, organization_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> Sequence[Any]:
    """Themes by items in [start, end) minus items in the equally long period before; largest growth first."""
    previous_start = _previous_start(start, end)
    current = func.count().filter(Feedback.received_at >= start)
    previous = func.count().filter(Feedback.received_at < start)
    counts = (
        select(ThemeAssignment.theme_id, current.label("current_items"), previous.label("previous_items"))
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(
            ThemeAssignment.organization_id == organization_id,
            Feedback.received_at >= previous_start,
            Feedback.received_at < end,
        )
        .group_by(ThemeAssignment.theme_id)
        .subquery()
    )
    growth = (counts.c.current_items - counts.c.previous_items).label("growth")
    return (
        await session.execute(
            select(Theme.id, Theme.label, counts.c.current_items, counts.c.previous_items, growth)
            .join(counts, counts.c.theme_id == Theme.id)
            .where(Theme.merged_into_id.is_(None), counts.c.current_items > 0)
            .order_by(desc(growth), desc(counts.c.current_items), Theme.id)
            .limit(TOP)
        )
    ).all()


async def new_patterns(
    session: AsyncSession, *, organization_id: uuid.UUID, start: dt.datetime, end: dt.datetime, min_customers: int
) -> Sequence[Any]:
    """Themes first heard in the period that reached `min_customers` distinct customers within it."""
    customers = func.count(distinct(Feedback.customer_id)).label("customer_count")
    return (
        await session.execute(
            select(Theme.id, Theme.label, customers)
            .join(ThemeAssignment, ThemeAssignment.theme_id == Theme.id)
            .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
            .where(
                Theme.organization_id == organization_id,
                Theme.merged_into_id.is_(None),
                and_(Theme.first_seen_at >= start, Theme.first_seen_at < end),
                and_(Feedback.received_at >= start, Feedback.received_at < end),
            )
            .group_by(Theme.id, Theme.label)
            .having(customers >= min_customers)
            .order_by(desc(customers), Theme.id)
            .limit(TOP)
        )
    ).all()


async def notable_quotes(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    theme_ids: Sequence[uuid.UUID],
    start: dt.datetime,
    end: dt.datetime,
) -> Sequence[Any]:
    """The strongest-felt items of the given themes in the period (either way), near-duplicates left out."""
    if not theme_ids:
        return []
    return (
        await session.execute(
            select(Feedback.id, Feedback.text, Feedback.sentiment_score, Feedback.received_at, ThemeAssignment.theme_id)
            .join(ThemeAssignment, ThemeAssignment.feedback_id == Feedback.id)
            .where(
                ThemeAssignment.organization_id == organization_id,
                ThemeAssignment.theme_id.in_(theme_ids),
                ThemeAssignment.duplicate_of_id.is_(None),
                Feedback.received_at >= start,
                Feedback.received_at < end,
            )
            .order_by(desc(func.abs(Feedback.sentiment_score)), desc(Feedback.received_at), Feedback.id)
            .limit(QUOTES)
        )
    ).all()
