"""Merging a near-duplicate into the item that stays (`POST /v1/feedback/{id}/merge`).

The theme engine flags near-duplicates (the same customer saying the same thing twice, a CRM resending
under a new id); people decide. The merged item keeps its row, so a CRM resending it finds it and
nothing is stored twice, but it stops counting: it leaves its theme, items flagged as its repeats point
at the item that stays, and its idea links move there. It is `merged` for good.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.evidence import service as evidence_service
from ideaflow_feedback.feedback import repository
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.service import ensure_may_triage, get_feedback
from ideaflow_feedback.themes import repository as themes_repository
from ideaflow_feedback.themes import service as themes_service
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict, UnprocessableContent


def _merged_already(item: Feedback, advice: str) -> Conflict:
    return Conflict(
        f"Feedback {item.id} was merged into {item.merged_into_id}; {advice}",
        extra={"merged_into_id": str(item.merged_into_id)},
    )


async def merge_feedback(
    session: AsyncSession, *, identity: Identity, feedback_id: uuid.UUID, into_id: uuid.UUID, if_match: str | None
) -> Feedback:
    """Merge item `feedback_id` into item `into_id` of the same customer (role `manager`, If-Match on the first)."""
    ensure_may_triage(identity)
    organization_id = identity.organization_id
    # Its theme's figures change: under the lock the assigner and people's theme edits take.
    await themes_repository.lock_themes(session, organization_id=organization_id)
    duplicate = await get_feedback(session, identity=identity, feedback_id=feedback_id)
    check_if_match(if_match, duplicate.version)
    if duplicate.merged_into_id is not None:
        raise _merged_already(duplicate, "it cannot be merged again.")
    if into_id == feedback_id:
        raise UnprocessableContent.at("/body/into_id", "An item cannot be merged into itself.")
    kept = await repository.get_feedback(session, organization_id=organization_id, feedback_id=into_id)
    if kept is None:
        raise UnprocessableContent.at("/body/into_id", f"Your organisation has no feedback with id {into_id}.")
    if kept.merged_into_id is not None:
        raise _merged_already(kept, "merge into that one instead.")
    if kept.customer_id != duplicate.customer_id:
        # Each customer's voice counts in a need's demand: merging two customers' items would lose one.
        raise Conflict("Only items of the same customer (or both of none) are merged: these two differ.")
    await themes_service.drop_merged_item(
        session, organization_id=organization_id, feedback_id=duplicate.id, merged_into_id=kept.id
    )
    await evidence_service.move_feedback_links(session, organization_id=organization_id, source=duplicate, target=kept)
    duplicate.status = FeedbackStatus.MERGED
    duplicate.merged_into_id = kept.id
    duplicate.updated_at = utcnow()
    duplicate.version += 1
    await session.flush()
    return duplicate
