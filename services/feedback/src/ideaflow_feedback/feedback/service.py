"""The rules for feedback items. State changes go through these functions, never through routers."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback import repository
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.feedback.repository import FeedbackFilters
from ideaflow_feedback.feedback.schemas import FeedbackCreate, FeedbackOrder
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound


def feedback_url(feedback_id: uuid.UUID) -> str:
    return f"/v1/feedback/{feedback_id}"


async def create_feedback(session: AsyncSession, *, identity: Identity, data: FeedbackCreate) -> Feedback:
    """Store what a customer said, once per (source, external_id): a repeat is a Conflict naming the first."""
    now = utcnow()
    feedback = Feedback(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        text=data.text,
        title=data.title,
        channel=data.channel,
        customer_ref=data.customer_ref,
        received_at=data.received_at or now,
        source=data.source,
        external_id=data.external_id,
        submitted_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    existing = await repository.insert_unless_duplicate(session, feedback)
    if existing is not None:
        raise Conflict(
            f"Feedback from source '{existing.source}' with external_id '{existing.external_id}' already exists: "
            f"{feedback_url(existing.id)}",
            extra={"existing_id": str(existing.id)},
        )
    return feedback


async def get_feedback(session: AsyncSession, *, identity: Identity, feedback_id: uuid.UUID) -> Feedback:
    """The item, or NotFound when the caller's organisation has no such item."""
    feedback = await repository.get_feedback(session, organization_id=identity.organization_id, feedback_id=feedback_id)
    if feedback is None:
        raise NotFound(f"No feedback with id {feedback_id} exists.")
    return feedback


async def list_feedback(
    session: AsyncSession, *, identity: Identity, filters: FeedbackFilters, order: FeedbackOrder, page: PageRequest
) -> tuple[Sequence[Feedback], str | None]:
    return await repository.list_feedback(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )
