"""All SQL for themes. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, delete, distinct, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes.memory import CANDIDATES_PER_KEY
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_feedback.themes.schemas import Recurrence, ThemeOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate

DUPLICATE_CANDIDATES = 50


async def candidate_themes(
    session: AsyncSession, *, organization_id: uuid.UUID, engine: str, keys: Sequence[str]
) -> Sequence[Theme]:
    """The live themes sharing one of `keys`, at most CANDIDATES_PER_KEY per key, largest first.

    One indexed range scan per key, each with a LIMIT: the cost does not grow with the number of
    themes or items stored.
    """
    if not keys:
        return []
    per_key = [
        select(ThemeIndexKey.theme_id)
        .where(
            ThemeIndexKey.organization_id == organization_id,
            ThemeIndexKey.engine == engine,
            ThemeIndexKey.key == key,
        )
        .order_by(ThemeIndexKey.item_count.desc())
        .limit(CANDIDATES_PER_KEY)
        .subquery()
        .select()
        for key in keys
    ]
    theme_ids = set((await session.scalars(union_all(*per_key))).all())
    if not theme_ids:
        return []
    return (
        await session.scalars(
            select(Theme).where(
                Theme.organization_id == organization_id, Theme.id.in_(theme_ids), Theme.merged_into_id.is_(None)
            )
        )
    ).all()


async def get_theme(
    session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID, for_update: bool = False
) -> Theme | None:
    statement = select(Theme).where(Theme.organization_id == organization_id, Theme.id == theme_id)
    return await session.scalar(statement.with_for_update() if for_update else statement)


async def get_assignment(
    session: AsyncSession, *, organization_id: uuid.UUID, feedback_id: uuid.UUID
) -> ThemeAssignment | None:
    return await session.scalar(
        select(ThemeAssignment).where(
            ThemeAssignment.organization_id == organization_id, ThemeAssignment.feedback_id == feedback_id
        )
    )


async def replace_index_keys(session: AsyncSession, *, theme: Theme, keys: Iterable[str]) -> None:
    await session.execute(delete(ThemeIndexKey).where(ThemeIndexKey.theme_id == theme.id))
    session.add_all(
        ThemeIndexKey(
            theme_id=theme.id,
            key=key,
            organization_id=theme.organization_id,
            engine=theme.engine,
            item_count=theme.item_count,
        )
        for key in set(keys)
    )


async def possible_duplicates(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    theme_id: uuid.UUID,
    feedback_id: uuid.UUID,
    fingerprint: str,
    customer_id: uuid.UUID | None,
) -> Sequence[ThemeAssignment]:
    """Earlier items of the theme from the same customer (or, without one, with the same words): a few dozen."""
    same = (
        Feedback.customer_id == customer_id
        if customer_id is not None
        else and_(Feedback.customer_id.is_(None), ThemeAssignment.fingerprint == fingerprint)
    )
    return (
        await session.scalars(
            select(ThemeAssignment)
            .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
            .where(
                ThemeAssignment.organization_id == organization_id,
                ThemeAssignment.theme_id == theme_id,
                ThemeAssignment.feedback_id != feedback_id,
                same,
            )
            .order_by(ThemeAssignment.received_at, ThemeAssignment.feedback_id)
            .limit(DUPLICATE_CANDIDATES)
        )
    ).all()


@dataclass(frozen=True, slots=True)
class ThemeStats:
    customer_count: int = 0
    customer_value: dict[str, int] = field(default_factory=dict)
    average_sentiment: float | None = None
    current_items: int = 0
    previous_items: int = 0
    recent_customers: int = 0


async def theme_stats(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    theme_ids: Sequence[uuid.UUID],
    since: dt.datetime,
    now: dt.datetime,
) -> dict[uuid.UUID, ThemeStats]:
    """Aggregates of a page of themes, from their items and customers, computed when read."""
    if not theme_ids:
        return {}
    previous_start = since - (now - since)
    scope = (ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id.in_(theme_ids))
    in_window = and_(Feedback.received_at >= since, Feedback.received_at < now)
    rows = await session.execute(
        select(
            ThemeAssignment.theme_id,
            func.count(distinct(Feedback.customer_id)),
            func.avg(Feedback.sentiment_score),
            func.count().filter(in_window),
            func.count().filter(and_(Feedback.received_at >= previous_start, Feedback.received_at < since)),
            func.count(distinct(case((in_window, Feedback.customer_id)))),
        )
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(*scope)
        .group_by(ThemeAssignment.theme_id)
    )
    values: dict[uuid.UUID, dict[str, int]] = {}
    customers = (
        select(ThemeAssignment.theme_id, Feedback.customer_id)
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(*scope)
        .distinct()
        .subquery()
    )
    for theme_id, currency, amount in await session.execute(
        select(customers.c.theme_id, Customer.value_currency, func.sum(Customer.value_minor))
        .join(Customer, Customer.id == customers.c.customer_id)
        .where(Customer.value_minor.is_not(None), Customer.value_currency.is_not(None))
        .group_by(customers.c.theme_id, Customer.value_currency)
    ):
        values.setdefault(theme_id, {})[currency] = int(amount)
    return {
        theme_id: ThemeStats(
            customer_count=customer_count,
            customer_value=values.get(theme_id, {}),
            average_sentiment=None if sentiment is None else round(float(sentiment), 4),
            current_items=current,
            previous_items=previous,
            recent_customers=recent_customers,
        )
        for theme_id, customer_count, sentiment, current, previous, recent_customers in rows
    }


@dataclass(frozen=True, slots=True)
class ThemeFilters:
    since: dt.datetime
    min_customers: int
    recurrence: Recurrence | None = None


def patterns(*, organization_id: uuid.UUID, since: dt.datetime, min_customers: int) -> Select[uuid.UUID]:
    """Themes with at least `min_customers` distinct customers among items received since `since`."""
    return (
        select(ThemeAssignment.theme_id)
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(ThemeAssignment.organization_id == organization_id, Feedback.received_at >= since)
        .group_by(ThemeAssignment.theme_id)
        .having(func.count(distinct(Feedback.customer_id)) >= min_customers)
    )


async def list_themes(
    session: AsyncSession, *, organization_id: uuid.UUID, filters: ThemeFilters, order: ThemeOrder, page: PageRequest
) -> tuple[Sequence[Theme], str | None]:
    """Live themes (not merged away) with items, filtered by recurrence, keyset-paginated."""
    statement = select(Theme).where(
        Theme.organization_id == organization_id, Theme.merged_into_id.is_(None), Theme.item_count > 0
    )
    if filters.recurrence is not None:
        pattern_ids = patterns(
            organization_id=organization_id, since=filters.since, min_customers=filters.min_customers
        )
        matches = Theme.id.in_(pattern_ids)
        statement = statement.where(matches if filters.recurrence == Recurrence.PATTERN else ~matches)
    sort_column = Theme.created_at if order.value.endswith("created_at") else Theme.last_seen_at
    statement = paginate(
        statement, keys=[sort_column, Theme.id], descending=order.value.startswith("-"), page=page, ordering=order.value
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda theme: (getattr(theme, sort_column.key), theme.id)
    )


async def list_theme_items(
    session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID, page: PageRequest
) -> tuple[list[tuple[ThemeAssignment, Feedback]], str | None]:
    statement = paginate(
        select(ThemeAssignment).where(
            ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id == theme_id
        ),
        keys=[ThemeAssignment.received_at, ThemeAssignment.feedback_id],
        descending=True,
        page=page,
        ordering="-received_at",
    )
    assignments, token = next_page(
        (await session.scalars(statement)).all(),
        page=page,
        ordering="-received_at",
        key_of=lambda assignment: (assignment.received_at, assignment.feedback_id),
    )
    feedback = {
        item.id: item
        for item in await session.scalars(
            select(Feedback).where(Feedback.id.in_([assignment.feedback_id for assignment in assignments]))
        )
    }
    return [(assignment, feedback[assignment.feedback_id]) for assignment in assignments], token


async def assignments_of(
    session: AsyncSession, *, organization_id: uuid.UUID, feedback_ids: Iterable[uuid.UUID]
) -> Sequence[ThemeAssignment]:
    return (
        await session.scalars(
            select(ThemeAssignment).where(
                ThemeAssignment.organization_id == organization_id, ThemeAssignment.feedback_id.in_(list(feedback_ids))
            )
        )
    ).all()


async def feedback_of_theme(
    session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID
) -> Sequence[Feedback]:
    return (
        await session.scalars(
            select(Feedback)
            .join(ThemeAssignment, ThemeAssignment.feedback_id == Feedback.id)
            .where(ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id == theme_id)
        )
    ).all()
