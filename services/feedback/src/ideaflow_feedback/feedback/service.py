"""The rules for feedback items. State changes go through these functions, never through routers."""

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers import service as customers
from ideaflow_feedback.feedback import repository
from ideaflow_feedback.feedback.analysis import sentiment_of, suggest_kind
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.repository import FeedbackFilters
from ideaflow_feedback.feedback.schemas import FeedbackCreate, FeedbackOrder, FeedbackUpdate
from ideaflow_feedback.feedback.status import TRANSITIONS, allowed_from
from ideaflow_feedback.themes.assignment import assign_theme
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound

TRIAGE_ROLE = "manager"


class StoreOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Stored:
    feedback: Feedback
    outcome: StoreOutcome


def feedback_url(feedback_id: uuid.UUID) -> str:
    return f"/v1/feedback/{feedback_id}"


async def _sender_fields(session: AsyncSession, *, organization_id: uuid.UUID, data: FeedbackCreate) -> dict[str, Any]:
    """The columns the sender decides, with sentiment and (unless given) kind computed from the text."""
    sentiment = sentiment_of(data.text if data.title is None else f"{data.title}. {data.text}")
    customer_id = None
    if data.customer_ref is not None:
        upserted = await customers.upsert_customer(
            session, organization_id=organization_id, source=data.source, external_id=data.customer_ref, details=None
        )
        customer_id = upserted.customer.id
    return {
        "text": data.text,
        "title": data.title,
        "channel": data.channel,
        "kind": data.kind or suggest_kind(data.text, sentiment),
        "kind_suggested": data.kind is None,
        "rating": data.rating,
        "nps": data.nps,
        "tags": data.tags,
        "product_area": data.product_area,
        "customer_ref": data.customer_ref,
        "customer_id": customer_id,
        "sentiment_score": sentiment.score,
        "sentiment_label": sentiment.label,
    }


async def store_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, submitted_by: str, data: FeedbackCreate
) -> Stored:
    """Every ingest path (single posts, batches, imports, webhooks) stores feedback through here.

    An item is stored once per (source, external_id): a repeat updates it (and says whether
    anything changed), even when the repeats race each other. People's triage (status) is kept.
    """
    now = utcnow()
    fields = await _sender_fields(session, organization_id=organization_id, data=data)
    received_at = data.received_at or now
    candidate = Feedback(
        id=uuid.uuid4(),
        organization_id=organization_id,
        received_at=received_at,
        source=data.source,
        external_id=data.external_id,
        submitted_by=submitted_by,
        status=FeedbackStatus.NEW,
        created_at=now,
        updated_at=now,
        version=1,
        **fields,
    )
    existing = await repository.insert_unless_duplicate(session, candidate)
    if existing is None:
        await assign_theme(session, feedback=candidate)
        return Stored(candidate, StoreOutcome.CREATED)
    if data.received_at is not None:
        fields["received_at"] = data.received_at
    if all(getattr(existing, name) == value for name, value in fields.items()):
        return Stored(existing, StoreOutcome.UNCHANGED)
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.updated_at = now
    existing.version += 1
    await session.flush()
    return Stored(existing, StoreOutcome.UPDATED)


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


def _ensure_may_triage(identity: Identity) -> None:
    if not identity.has_role(TRIAGE_ROLE):
        raise Forbidden(f"Triaging feedback needs the '{TRIAGE_ROLE}' role.")


async def update_feedback(
    session: AsyncSession, *, identity: Identity, feedback_id: uuid.UUID, if_match: str | None, data: FeedbackUpdate
) -> Feedback:
    """Apply people's triage edits when If-Match names the current version."""
    _ensure_may_triage(identity)
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
    _ensure_may_triage(identity)
    feedback = await get_feedback(session, identity=identity, feedback_id=feedback_id)
    check_if_match(if_match, feedback.version)
    return await change_status(session, feedback=feedback, to=to)
