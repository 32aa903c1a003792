"""The rules for ideas. State changes go through these functions, never through routers."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas import anonymity
from ideaflow_ideas.challenges import service as challenges
from ideaflow_ideas.challenges.models import ChallengeAudience
from ideaflow_ideas.ideas import repository
from ideaflow_ideas.ideas.models import Idea, IdeaTag
from ideaflow_ideas.ideas.repository import IdeaFilters
from ideaflow_ideas.ideas.schemas import Attachment, IdeaCreate, IdeaOrder, IdeaUpdate
from ideaflow_ideas.roles import MANAGER, ensure_participant
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound, UnprocessableContent


@dataclass(frozen=True, slots=True)
class SubmittedIdea:
    idea: Idea
    # Only for anonymous ideas: the one and only time the follow token exists outside its holder.
    follow_token: str | None


def _stored_attachments(attachments: list[Attachment]) -> list[dict[str, Any]]:
    return [{"url": str(attachment.url), "title": attachment.title} for attachment in attachments]


async def _ensure_challenge_accepts(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID, department: str | None
) -> None:
    try:
        challenge = await challenges.get_challenge(session, identity=identity, challenge_id=challenge_id)
    except NotFound:
        raise UnprocessableContent.at("/body/challenge_id", f"No challenge with id {challenge_id} exists.") from None
    challenges.ensure_open_for_ideas(challenge)
    # A withheld department cannot be checked without unmasking the author, so it is let through.
    if challenge.audience == ChallengeAudience.DEPARTMENTS and department and department not in challenge.departments:
        raise Conflict(
            f"This challenge is for the departments {', '.join(challenge.departments)}.",
            extra={"departments": challenge.departments},
        )


async def create_idea(session: AsyncSession, *, identity: Identity, data: IdeaCreate) -> SubmittedIdea:
    """Record a new idea in the `submitted` stage.

    An anonymous idea stores no author in any form, only the hash of a fresh follow token.
    """
    ensure_participant(identity, action="submit ideas")
    if data.challenge_id is not None:
        await _ensure_challenge_accepts(
            session, identity=identity, challenge_id=data.challenge_id, department=data.department
        )
    follow_token = anonymity.new_follow_token() if data.anonymous else None
    now = utcnow()
    idea = Idea(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        title=data.title,
        problem=data.problem,
        proposal=data.proposal,
        expected_benefit=data.expected_benefit,
        category=data.category,
        department=data.department,
        challenge_id=data.challenge_id,
        attachments=_stored_attachments(data.attachments),
        author_id=None if data.anonymous else identity.principal_id,
        follow_token_hash=anonymity.follow_token_hash(follow_token) if follow_token else None,
        tag_rows=[IdeaTag(tag=tag) for tag in sorted(set(data.tags))],
        up_votes=0,
        dots=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_idea(session, idea)
    await session.flush()
    return SubmittedIdea(idea=idea, follow_token=follow_token)


async def get_idea(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, for_update: bool = False) -> Idea:
    """The idea, or NotFound when the caller's organisation has no such idea."""
    idea = await repository.get_idea(
        session, organization_id=identity.organization_id, idea_id=idea_id, for_update=for_update
    )
    if idea is None:
        raise NotFound(f"No idea with id {idea_id} exists.")
    return idea


async def get_followed_idea(session: AsyncSession, *, identity: Identity, follow_token: str | None) -> Idea:
    """The anonymous idea whose follow token the caller holds; 404 for any other token."""
    if follow_token is None:
        raise NotFound("Send the Follow-Token you received when you submitted your idea.")
    idea = await repository.get_idea_by_follow_token(
        session, organization_id=identity.organization_id, token_hash=anonymity.follow_token_hash(follow_token)
    )
    if idea is None:
        raise NotFound("No idea of your organisation has this follow token.")
    return idea


async def list_ideas(
    session: AsyncSession, *, identity: Identity, filters: IdeaFilters, order: IdeaOrder, page: PageRequest
) -> tuple[Sequence[Idea], str | None]:
    return await repository.list_ideas(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


async def ensure_idea_writable(session: AsyncSession, *, identity: Identity, idea: Idea) -> None:
    """Ideas of a closed challenge are read-only, like the challenge."""
    if idea.challenge_id is not None:
        challenge = await challenges.get_challenge(session, identity=identity, challenge_id=idea.challenge_id)
        challenges.ensure_writable(challenge)


def _ensure_may_edit(identity: Identity, idea: Idea) -> None:
    if idea.author_id != identity.principal_id and not identity.has_role(MANAGER):
        raise Forbidden("Only the idea's author or a manager may change or delete it.")


async def update_idea(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, if_match: str | None, data: IdeaUpdate
) -> Idea:
    """Apply a partial update when If-Match names the current version."""
    idea = await get_idea(session, identity=identity, idea_id=idea_id)
    check_if_match(if_match, idea.version)
    _ensure_may_edit(identity, idea)
    await ensure_idea_writable(session, identity=identity, idea=idea)
    changes = data.changes()
    if "tags" in changes:
        idea.tag_rows = [IdeaTag(tag=tag) for tag in sorted(set(changes.pop("tags")))]
    if "attachments" in changes:
        changes["attachments"] = _stored_attachments(data.attachments or [])
    for field, value in changes.items():
        setattr(idea, field, value)
    idea.version += 1
    idea.updated_at = utcnow()
    await session.flush()
    return idea


async def delete_idea(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, if_match: str | None) -> None:
    idea = await get_idea(session, identity=identity, idea_id=idea_id)
    check_if_match(if_match, idea.version)
    _ensure_may_edit(identity, idea)
    await ensure_idea_writable(session, identity=identity, idea=idea)
    await repository.delete_idea(session, idea)
