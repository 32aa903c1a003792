"""The rules for linking feedback to ideas and reading it back as evidence and demand."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.evidence import repository
from ideaflow_feedback.evidence.models import IMPORTANCE_WEIGHT, IdeaLink
from ideaflow_feedback.evidence.repository import EvidenceFigures
from ideaflow_feedback.evidence.schemas import IdeaLinkCreate, IdeaLinkUpdate
from ideaflow_feedback.feedback import repository as feedback_repository
from ideaflow_feedback.feedback import service as feedback_service
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.status import TRANSITIONS
from ideaflow_feedback.themes import repository as themes_repository
from ideaflow_shared.clients.ideas import IdeasClient
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound, UnprocessableContent

LINKER_ROLE = "manager"


def link_url(link_id: uuid.UUID) -> str:
    return f"/v1/feedback/ideas/links/{link_id}"


def _ensure_may_link(identity: Identity) -> None:
    if not identity.has_role(LINKER_ROLE):
        raise Forbidden(f"Linking feedback to ideas needs the '{LINKER_ROLE}' role.")


async def mark_linked(session: AsyncSession, *, items: Sequence[Feedback]) -> None:
    """New or triaged items become `linked`; items further along the loop keep their status."""
    for item in items:
        if FeedbackStatus.LINKED in TRANSITIONS[item.status]:
            await feedback_service.change_status(session, feedback=item, to=FeedbackStatus.LINKED)


async def move_feedback_links(
    session: AsyncSession, *, organization_id: uuid.UUID, source: Feedback, target: Feedback
) -> None:
    """`source` was merged into `target`: the ideas it was evidence for keep that evidence through `target`.

    Where both were linked to one idea, `target`'s link stays, with the stronger importance of the two
    (and `source`'s note if it had none). `target` becomes `linked` if a link moved to it.
    """
    links = await repository.links_of_feedback(
        session, organization_id=organization_id, feedback_ids=[source.id, target.id]
    )
    kept = {link.idea_id: link for link in links if link.feedback_id == target.id}
    now = utcnow()
    moved = False
    for link in links:
        if link.feedback_id != source.id:
            continue
        existing = kept.get(link.idea_id)
        if existing is None:
            link.feedback_id, moved = target.id, True
            link.version += 1
            link.updated_at = now
            continue
        stronger = max(existing.importance, link.importance, key=IMPORTANCE_WEIGHT.__getitem__)
        note = existing.note if existing.note is not None else link.note
        if (stronger, note) != (existing.importance, existing.note):
            existing.importance, existing.note = stronger, note
            existing.version += 1
            existing.updated_at = now
        await session.delete(link)
    await session.flush()
    if moved:
        await mark_linked(session, items=[target])


async def create_link(
    session: AsyncSession,
    *,
    identity: Identity,
    ideas: IdeasClient,
    data: IdeaLinkCreate,
    feedback_id: uuid.UUID | None = None,
    theme_id: uuid.UUID | None = None,
) -> IdeaLink:
    """Link an item or a whole theme to an idea the caller's organisation has (checked with the ideas service)."""
    _ensure_may_link(identity)
    organization_id = identity.organization_id
    if feedback_id is not None:
        feedback = await feedback_repository.get_feedback(
            session, organization_id=organization_id, feedback_id=feedback_id
        )
        if feedback is None:
            raise NotFound(f"No feedback with id {feedback_id} exists.")
        items = [feedback]
    else:
        theme = (
            None
            if theme_id is None
            else await themes_repository.get_theme(session, organization_id=organization_id, theme_id=theme_id)
        )
        if theme is None:
            raise NotFound(f"No theme with id {theme_id} exists.")
        if theme.merged_into_id is not None:
            raise Conflict(
                f"Theme {theme.id} was merged into {theme.merged_into_id}; link that one.",
                extra={"merged_into_id": str(theme.merged_into_id)},
            )
        items = list(
            await themes_repository.feedback_of_theme(session, organization_id=organization_id, theme_id=theme.id)
        )
    if await ideas.get_idea(data.idea_id, identity=identity) is None:
        raise UnprocessableContent.at("/body/idea_id", f"Your organisation has no idea with id {data.idea_id}.")
    now = utcnow()
    link = IdeaLink(
        id=uuid.uuid4(),
        organization_id=organization_id,
        idea_id=data.idea_id,
        feedback_id=feedback_id,
        theme_id=theme_id,
        importance=data.importance,
        note=data.note,
        created_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    try:
        async with session.begin_nested():
            session.add(link)
            await session.flush()
    except IntegrityError:
        existing = await repository.find_link(
            session,
            organization_id=organization_id,
            idea_id=data.idea_id,
            feedback_id=feedback_id,
            theme_id=theme_id,
        )
        if existing is None:
            raise
        raise Conflict(
            f"This is already linked to the idea: {link_url(existing.id)}.", extra={"existing_id": str(existing.id)}
        ) from None
    await mark_linked(session, items=items)
    return link


async def get_link(session: AsyncSession, *, identity: Identity, link_id: uuid.UUID) -> IdeaLink:
    link = await repository.get_link(session, organization_id=identity.organization_id, link_id=link_id)
    if link is None:
        raise NotFound(f"No idea link with id {link_id} exists.")
    return link


async def list_links(
    session: AsyncSession,
    *,
    identity: Identity,
    idea_id: uuid.UUID | None,
    feedback_id: uuid.UUID | None,
    theme_id: uuid.UUID | None,
    page: PageRequest,
) -> tuple[Sequence[IdeaLink], str | None]:
    return await repository.list_links(
        session,
        organization_id=identity.organization_id,
        idea_id=idea_id,
        feedback_id=feedback_id,
        theme_id=theme_id,
        page=page,
    )


async def update_link(
    session: AsyncSession, *, identity: Identity, link_id: uuid.UUID, if_match: str | None, data: IdeaLinkUpdate
) -> IdeaLink:
    link = await get_link(session, identity=identity, link_id=link_id)
    check_if_match(if_match, link.version)
    _ensure_may_link(identity)
    for name, value in data.changes().items():
        setattr(link, name, value)
    link.version += 1
    link.updated_at = utcnow()
    await session.flush()
    return link


async def delete_link(session: AsyncSession, *, identity: Identity, link_id: uuid.UUID, if_match: str | None) -> None:
    link = await get_link(session, identity=identity, link_id=link_id)
    check_if_match(if_match, link.version)
    _ensure_may_link(identity)
    await session.delete(link)
    await session.flush()


async def evidence_for(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID) -> EvidenceFigures:
    """What customers said in support of an idea; an idea with no links has empty evidence."""
    return await repository.evidence(session, organization_id=identity.organization_id, idea_id=idea_id)


async def demand_ranking(
    session: AsyncSession, *, identity: Identity, currency: str, page: PageRequest
) -> tuple[Sequence[Any], str | None]:
    return await repository.demand_ranking(
        session, organization_id=identity.organization_id, currency=currency, page=page
    )
