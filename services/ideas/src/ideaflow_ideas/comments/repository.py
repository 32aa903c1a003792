"""All SQL for comments. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.comments.models import Comment, CommentKind
from ideaflow_shared.pagination import PageRequest, next_page, paginate

_ORDERING = "created_at"


async def get_comment(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID, comment_id: uuid.UUID
) -> Comment | None:
    return await session.scalar(
        select(Comment).where(
            Comment.organization_id == organization_id, Comment.idea_id == idea_id, Comment.id == comment_id
        )
    )


async def list_comments(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    idea_id: uuid.UUID,
    kind: CommentKind | None,
    page: PageRequest,
) -> tuple[Sequence[Comment], str | None]:
    statement = select(Comment).where(Comment.organization_id == organization_id, Comment.idea_id == idea_id)
    if kind is not None:
        statement = statement.where(Comment.kind == kind)
    statement = paginate(
        statement, keys=[Comment.created_at, Comment.id], descending=False, page=page, ordering=_ORDERING
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=_ORDERING, key_of=lambda comment: (comment.created_at, comment.id))


def add_comment(session: AsyncSession, comment: Comment) -> None:
    session.add(comment)


async def delete_comment(session: AsyncSession, comment: Comment) -> None:
    await session.delete(comment)
