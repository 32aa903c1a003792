"""The rules for ideas. State changes go through these functions, never through routers."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.ideas import repository
from ideaflow_ideas.ideas.models import Idea, IdeaTag
from ideaflow_ideas.ideas.repository import IdeaFilters
from ideaflow_ideas.ideas.schemas import IdeaCreate, IdeaOrder, IdeaUpdate
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound

EDITOR_ROLE = "manager"


async def create_idea(session: AsyncSession, *, identity: Identity, data: IdeaCreate) -> Idea:
    """Record a new idea in the `submitted` stage; an anonymous one stores no author at all."""
    now = utcnow()
    idea = Idea(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        title=data.title,
        problem=data.problem,
        proposal=data.proposal,
        category=data.category,
        author_id=None if data.anonymous else identity.principal_id,
        tag_rows=[IdeaTag(tag=tag) for tag in sorted(set(data.tags))],
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_idea(session, idea)
    await session.flush()
    return idea


async def get_idea(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID) -> Idea:
    """The idea, or NotFound when the caller's organisation has no such idea."""
    idea = await repository.get_idea(session, organization_id=identity.organization_id, idea_id=idea_id)
    if idea is None:
        raise NotFound(f"No idea with id {idea_id} exists.")
    return idea


async def list_ideas(
    session: AsyncSession, *, identity: Identity, filters: IdeaFilters, order: IdeaOrder, page: PageRequest
) -> tuple[Sequence[Idea], str | None]:
    return await repository.list_ideas(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


def _ensure_may_edit(identity: Identity, idea: Idea) -> None:
    if idea.author_id != identity.principal_id and not identity.has_role(EDITOR_ROLE):
        raise Forbidden("Only the idea's author or a manager may change or delete it.")


async def update_idea(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, if_match: str | None, data: IdeaUpdate
) -> Idea:
    """Apply a partial update when If-Match names the current version."""
    idea = await get_idea(session, identity=identity, idea_id=idea_id)
    check_if_match(if_match, idea.version)
    _ensure_may_edit(identity, idea)
    changes = data.changes()
    if "tags" in changes:
        idea.tag_rows = [IdeaTag(tag=tag) for tag in sorted(set(changes.pop("tags")))]
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
    await repository.delete_idea(session, idea)
