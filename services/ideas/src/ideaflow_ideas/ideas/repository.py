"""All SQL for ideas. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.ideas.models import Idea, IdeaCategory, IdeaStage, IdeaTag
from ideaflow_ideas.ideas.schemas import IdeaOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class IdeaFilters:
    stage: IdeaStage | None = None
    category: IdeaCategory | None = None
    tag: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    challenge_id: uuid.UUID | None = None
    department: str | None = None
    # "My ideas": only ever the caller's own principal, so anonymous ideas never match.
    author_id: str | None = None


async def get_idea(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID, for_update: bool = False
) -> Idea | None:
    statement = select(Idea).where(Idea.organization_id == organization_id, Idea.id == idea_id)
    if for_update:  # serialises changes to the idea's vote totals (PostgreSQL)
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def get_idea_by_follow_token(
    session: AsyncSession, *, organization_id: uuid.UUID, token_hash: bytes
) -> Idea | None:
    return await session.scalar(
        select(Idea).where(Idea.organization_id == organization_id, Idea.follow_token_hash == token_hash)
    )


async def list_ideas(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: IdeaFilters,
    order: IdeaOrder,
    page: PageRequest,
) -> tuple[Sequence[Idea], str | None]:
    statement = select(Idea).where(Idea.organization_id == organization_id)
    if filters.stage is not None:
        statement = statement.where(Idea.stage == filters.stage)
    if filters.category is not None:
        statement = statement.where(Idea.category == filters.category)
    if filters.tag is not None:
        statement = statement.where(Idea.id.in_(select(IdeaTag.idea_id).where(IdeaTag.tag == filters.tag)))
    if filters.challenge_id is not None:
        statement = statement.where(Idea.challenge_id == filters.challenge_id)
    if filters.department is not None:
        statement = statement.where(Idea.department == filters.department)
    if filters.author_id is not None:
        statement = statement.where(Idea.author_id == filters.author_id)
    if filters.created_after is not None:
        statement = statement.where(Idea.created_at >= filters.created_after)
    if filters.created_before is not None:
        statement = statement.where(Idea.created_at < filters.created_before)
    sort_column = Idea.updated_at if order.value.endswith("updated_at") else Idea.created_at
    statement = paginate(
        statement,
        keys=[sort_column, Idea.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda idea: (getattr(idea, sort_column.key), idea.id)
    )


def add_idea(session: AsyncSession, idea: Idea) -> None:
    session.add(idea)


async def delete_idea(session: AsyncSession, idea: Idea) -> None:
    await session.delete(idea)
