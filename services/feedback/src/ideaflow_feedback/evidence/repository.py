"""All SQL for idea links and evidence. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, distinct, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.evidence.models import IMPORTANCE_WEIGHT, IdeaLink, Importance
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes.models import ThemeAssignment
from ideaflow_shared.pagination import PageRequest, next_page, paginate

QUOTES = 5
_WEIGHT = case(
    {importance.value: weight for importance, weight in IMPORTANCE_WEIGHT.items()}, value=IdeaLink.importance
)
WEIGHT_IMPORTANCE = {weight: importance for importance, weight in IMPORTANCE_WEIGHT.items()}


def _linked_items(organization_id: uuid.UUID, idea_id: uuid.UUID | None = None) -> Any:
    """(idea_id, feedback_id, weight) for items linked directly or through a linked theme, strongest link."""
    scope = [IdeaLink.organization_id == organization_id]
    if idea_id is not None:
        scope.append(IdeaLink.idea_id == idea_id)
    direct = select(IdeaLink.idea_id, IdeaLink.feedback_id.label("feedback_id"), _WEIGHT.label("weight")).where(
        *scope, IdeaLink.feedback_id.is_not(None)
    )
    via_theme = (
        select(IdeaLink.idea_id, ThemeAssignment.feedback_id.label("feedback_id"), _WEIGHT.label("weight"))
        .join(ThemeAssignment, ThemeAssignment.theme_id == IdeaLink.theme_id)
        .where(*scope)
    )
    links = union_all(direct, via_theme).subquery()
    return (
        select(links.c.idea_id, links.c.feedback_id, func.max(links.c.weight).label("weight"))
        .group_by(links.c.idea_id, links.c.feedback_id)
        .subquery()
    )


async def get_link(session: AsyncSession, *, organization_id: uuid.UUID, link_id: uuid.UUID) -> IdeaLink | None:
    return await session.scalar(
        select(IdeaLink).where(IdeaLink.organization_id == organization_id, IdeaLink.id == link_id)
    )


async def find_link(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    idea_id: uuid.UUID,
    feedback_id: uuid.UUID | None,
    theme_id: uuid.UUID | None,
) -> IdeaLink | None:
    target = IdeaLink.feedback_id == feedback_id if feedback_id is not None else IdeaLink.theme_id == theme_id
    return await session.scalar(
        select(IdeaLink).where(IdeaLink.organization_id == organization_id, IdeaLink.idea_id == idea_id, target)
    )


async def links_of_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, feedback_ids: Sequence[uuid.UUID]
) -> Sequence[IdeaLink]:
    return (
        await session.scalars(
            select(IdeaLink).where(IdeaLink.organization_id == organization_id, IdeaLink.feedback_id.in_(feedback_ids))
        )
    ).all()


async def list_links(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    idea_id: uuid.UUID | None,
    feedback_id: uuid.UUID | None,
    theme_id: uuid.UUID | None,
    page: PageRequest,
) -> tuple[Sequence[IdeaLink], str | None]:
    statement = select(IdeaLink).where(IdeaLink.organization_id == organization_id)
    for column, value in (
        (IdeaLink.idea_id, idea_id),
        (IdeaLink.feedback_id, feedback_id),
        (IdeaLink.theme_id, theme_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    statement = paginate(
        statement, keys=[IdeaLink.created_at, IdeaLink.id], descending=True, page=page, ordering="-created_at"
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering="-created_at", key_of=lambda link: (link.created_at, link.id))


async def linked_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID
) -> Sequence[Feedback]:
    """Every item linked to the idea, directly or through a theme."""
    items = _linked_items(organization_id, idea_id)
    return (
        await session.scalars(
            select(Feedback).where(
                Feedback.organization_id == organization_id, Feedback.id.in_(select(items.c.feedback_id))
            )
        )
    ).all()


@dataclass(frozen=True, slots=True)
class EvidenceFigures:
    item_count: int
    customer_count: int
    customer_value: dict[str, int]
    importance: dict[Importance, int]
    quotes: list[tuple[Feedback, Importance]]


async def evidence(session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID) -> EvidenceFigures:
    items = _linked_items(organization_id, idea_id)
    joined = select(items.c.weight, Feedback).join(Feedback, Feedback.id == items.c.feedback_id)
    counts = (
        await session.execute(
            select(func.count(), func.count(distinct(Feedback.customer_id)))
            .select_from(items)
            .join(Feedback, Feedback.id == items.c.feedback_id)
        )
    ).one()
    by_weight: dict[int, int] = {
        weight: count
        for weight, count in await session.execute(select(items.c.weight, func.count()).group_by(items.c.weight))
    }
    customers = (
        select(Feedback.customer_id.label("customer_id"))
        .join(items, items.c.feedback_id == Feedback.id)
        .distinct()
        .subquery()
    )
    values = (
        await session.execute(
            select(Customer.value_currency, func.sum(Customer.value_minor))
            .join(customers, customers.c.customer_id == Customer.id)
            .where(Customer.value_minor.is_not(None), Customer.value_currency.is_not(None))
            .group_by(Customer.value_currency)
        )
    ).all()
    quotes = (
        await session.execute(
            joined.outerjoin(ThemeAssignment, ThemeAssignment.feedback_id == Feedback.id)
            .where(ThemeAssignment.duplicate_of_id.is_(None))
            .order_by(items.c.weight.desc(), Feedback.received_at.desc(), Feedback.id)
            .limit(QUOTES)
        )
    ).all()
    return EvidenceFigures(
        item_count=counts[0],
        customer_count=counts[1],
        customer_value={currency: int(amount) for currency, amount in values if currency and amount is not None},
        importance={importance: by_weight.get(weight, 0) for weight, importance in WEIGHT_IMPORTANCE.items()},
        quotes=[(feedback, WEIGHT_IMPORTANCE[weight]) for weight, feedback in quotes],
    )


def _demand(organization_id: uuid.UUID, currency: str) -> Any:
    """Per idea: items, distinct customers, and Σ customer value in `currency` x strongest importance."""
    items = _linked_items(organization_id)
    per_customer = (
        select(items.c.idea_id, Feedback.customer_id, func.max(items.c.weight).label("weight"))
        .join(Feedback, Feedback.id == items.c.feedback_id)
        .where(Feedback.customer_id.is_not(None))
        .group_by(items.c.idea_id, Feedback.customer_id)
        .subquery()
    )
    value_in_currency = case((Customer.value_currency == currency, Customer.value_minor), else_=literal(0))
    weighted = (
        select(
            per_customer.c.idea_id,
            func.sum(per_customer.c.weight * func.coalesce(value_in_currency, 0)).label("weighted_value"),
        )
        .join(Customer, Customer.id == per_customer.c.customer_id)
        .group_by(per_customer.c.idea_id)
        .subquery()
    )
    counts = (
        select(
            items.c.idea_id,
            func.count().label("item_count"),
            func.count(distinct(Feedback.customer_id)).label("customer_count"),
        )
        .join(Feedback, Feedback.id == items.c.feedback_id)
        .group_by(items.c.idea_id)
        .subquery()
    )
    return (
        select(
            counts.c.idea_id,
            counts.c.item_count,
            counts.c.customer_count,
            func.coalesce(weighted.c.weighted_value, 0).label("weighted_value"),
        )
        .outerjoin(weighted, weighted.c.idea_id == counts.c.idea_id)
        .subquery()
    )


async def demand_ranking(
    session: AsyncSession, *, organization_id: uuid.UUID, currency: str, page: PageRequest
) -> tuple[Sequence[Any], str | None]:
    ranked = _demand(organization_id, currency)
    ordering = f"-weighted_value:{currency}"
    statement: Select[Any] = paginate(
        select(ranked),
        keys=[ranked.c.weighted_value, ranked.c.customer_count, ranked.c.idea_id],
        descending=True,
        page=page,
        ordering=ordering,
    )
    rows = (await session.execute(statement)).all()
    return next_page(
        rows, page=page, ordering=ordering, key_of=lambda row: (row.weighted_value, row.customer_count, row.idea_id)
    )
