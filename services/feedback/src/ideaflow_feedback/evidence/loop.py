"""Closing the loop: when an idea ships, its feedback becomes `addressed`; notified customers close it.

Every status change goes through the feedback package's `change_status`, so its transition table
decides, and items people archived or flagged as spam are left alone.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.evidence import repository
from ideaflow_feedback.evidence.service import LINKER_ROLE
from ideaflow_feedback.feedback import service as feedback_service
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.status import TRANSITIONS
from ideaflow_shared.clients.ideas import IdeasClient
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Forbidden, NotFound

_ON_THE_WAY_TO_ADDRESSED = (FeedbackStatus.NEW, FeedbackStatus.TRIAGED, FeedbackStatus.LINKED)


@dataclass(frozen=True, slots=True)
class CustomerToNotify:
    customer: Customer
    feedback_ids: list[uuid.UUID]


def _ensure_may_close(identity: Identity) -> None:
    if not identity.has_role(LINKER_ROLE):
        raise Forbidden(f"Closing the loop needs the '{LINKER_ROLE}' role.")


async def _advance(session: AsyncSession, *, item: Feedback, path: Sequence[FeedbackStatus]) -> bool:
    """Walk `item` along `path` as far as the transition table allows; True when it reached the end."""
    for status in path:
        if item.status == status:
            continue
        if status not in TRANSITIONS[item.status]:
            return False
        await feedback_service.change_status(session, feedback=item, to=status)
    return True


async def mark_idea_shipped(
    session: AsyncSession, *, identity: Identity, ideas: IdeasClient, idea_id: uuid.UUID
) -> list[Feedback]:
    """Every item linked to the shipped idea (directly or through a theme) becomes `addressed`."""
    _ensure_may_close(identity)
    if await ideas.get_idea(idea_id, identity=identity) is None:
        raise NotFound(f"No idea with id {idea_id} exists.")
    items = await repository.linked_feedback(session, organization_id=identity.organization_id, idea_id=idea_id)
    addressed = []
    for item in sorted(items, key=lambda feedback: feedback.id):
        if item.status in _ON_THE_WAY_TO_ADDRESSED and await _advance(
            session, item=item, path=(FeedbackStatus.LINKED, FeedbackStatus.ADDRESSED)
        ):
            addressed.append(item)
    return addressed


async def _addressed_items(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID) -> list[Feedback]:
    items = await repository.linked_feedback(session, organization_id=identity.organization_id, idea_id=idea_id)
    return [item for item in items if item.status == FeedbackStatus.ADDRESSED]


async def customers_to_notify(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID
) -> list[CustomerToNotify]:
    """Customers with addressed feedback on the idea, not yet told; erased customers cannot be reached."""
    items = await _addressed_items(session, identity=identity, idea_id=idea_id)
    by_customer: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in items:
        if item.customer_id is not None:
            by_customer.setdefault(item.customer_id, []).append(item.id)
    customers = (
        await session.scalars(
            select(Customer)
            .where(
                Customer.organization_id == identity.organization_id,
                Customer.id.in_(list(by_customer)),
                Customer.erased_at.is_(None),
            )
            .order_by(Customer.id)
        )
    ).all()
    return [CustomerToNotify(customer, sorted(by_customer[customer.id])) for customer in customers]


async def mark_customers_notified(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> list[Feedback]:
    """The named customers were told: their addressed items on this idea become `loop_closed`."""
    _ensure_may_close(identity)
    wanted = set(customer_ids)
    closed = []
    for item in await _addressed_items(session, identity=identity, idea_id=idea_id):
        if item.customer_id in wanted:
            await feedback_service.change_status(session, feedback=item, to=FeedbackStatus.LOOP_CLOSED)
            closed.append(item)
    return closed
