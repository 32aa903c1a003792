"""The rules for feedback items. State changes go through these functions, never through routers."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback import repository
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.repository import FeedbackFilters
from ideaflow_feedback.feedback.schemas import FeedbackCreate, FeedbackOrder, FeedbackUpdate
from ideaflow_feedback.feedback.status import TRANSITIONS, allowed_from
from ideaflow_feedback.feedback.upsert import Stored, upsert_feedback
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound

TRIAGE_ROLE = "manager"


def feedback_url(feedback_id: uuid.UUID) -> str:
    return f"/v1/feedback/{feedback_id}"


async def store_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, submitted_by: str, data: FeedbackCreate
) -> Stored:
    """Store one item: created, or the stored item of its (source, external_id) updated or unchanged."""
    (stored,) = await upsert_feedback(session, organization_id=organization_id, submitted_by=submitted_by, items=[data])
    return stored


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


def ensure_may_triage(identity: Identity) -> None:
    if not identity.has_role(TRIAGE_ROLE):
        raise Forbidden(f"Triaging feedback needs the '{TRIAGE_ROLE}' role.")


async def update_feedback(
    session: AsyncSession, *, identity: Identity, feedback_id: uuid.UUID, if_match: str | None, data: FeedbackUpdate
) -> Feedback:
    """Apply people's triage edits when If-Match names the current version."""
    ensure_may_triage(identity)
    feedback = await get_feedback(session, identity=identity, feedback_id=feedback_id)
    check_if_match(if_match, feedback.version)
    changes = data.changes()
    if changes.get("kind") is not None:
        changes["kind_suggested"] = False
    for name, value in changes.items():
        setattr(feedback, name, value)
    feedback.updated_at = utcnow()
    feedback.version += 1
    await session.flush()
    return feedback


async def change_status(session: AsyncSession, *, feedback: Feedback, to: FeedbackStatus) -> Feedback:
    """Move `feedback` to `to` if the transition table allows it, else a 409 listing the allowed moves.

    Linking, addressing and closing the loop call this too; moving to the current status is a no-op.
    """
    if feedback.status == to:
        return feedback
    if to not in TRANSITIONS[feedback.status]:
        raise Conflict(
            f"Feedback in status '{feedback.status}' cannot move to '{to}'.",
            extra={"allowed": allowed_from(feedback.status)},
        )
    feedback.status = to
    feedback.updated_at = utcnow()
    feedback.version += 1
    await session.flush()
    return feedback


async def change_status_by_person(
    session: AsyncSession, *, identity: Identity, feedback_id: uuid.UUID, if_match: str | None, to: FeedbackStatus
) -> Feedback:
    ensure_may_triage(identity)
    feedback = await get_feedback(session, identity=identity, feedback_id=feedback_id)
    check_if_match(if_match, feedback.version)
    return await change_status(session, feedback=feedback, to=to)
