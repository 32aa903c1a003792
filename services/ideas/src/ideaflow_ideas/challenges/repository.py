"""All SQL for challenges. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.challenges.models import Challenge, ChallengePhase
from ideaflow_ideas.challenges.schemas import ChallengeOrder
from ideaflow_ideas.comments.models import Comment
from ideaflow_ideas.ideas.models import Idea
from ideaflow_ideas.votes.models import DotAllocation
from ideaflow_shared.pagination import PageRequest, next_page, paginate


async def get_challenge(
    session: AsyncSession, *, organization_id: uuid.UUID, challenge_id: uuid.UUID, for_update: bool = False
) -> Challenge | None:
    statement = select(Challenge).where(Challenge.organization_id == organization_id, Challenge.id == challenge_id)
    if for_update:  # serialises dot allocations against one challenge's budget (PostgreSQL)
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def list_challenges(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    phase: ChallengePhase | None,
    order: ChallengeOrder,
    page: PageRequest,
) -> tuple[Sequence[Challenge], str | None]:
    statement = select(Challenge).where(Challenge.organization_id == organization_id)
    if phase is not None:
        statement = statement.where(Challenge.phase == phase)
    statement = paginate(
        statement,
        keys=[Challenge.created_at, Challenge.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda challenge: (challenge.created_at, challenge.id)
    )


def add_challenge(session: AsyncSession, challenge: Challenge) -> None:
    session.add(challenge)


async def summarise(session: AsyncSession, *, organization_id: uuid.UUID, challenge_id: uuid.UUID) -> dict[str, object]:
    """Counts over the challenge's ideas, their comments and dots, in four aggregate queries."""
    in_challenge = (Idea.organization_id == organization_id) & (Idea.challenge_id == challenge_id)
    ideas = (
        await session.execute(
            select(
                func.count(Idea.id),
                func.count(Idea.id).filter(Idea.author_id.is_(None)),
                func.coalesce(func.sum(Idea.up_votes), 0),
                func.coalesce(func.sum(Idea.dots), 0),
            ).where(in_challenge)
        )
    ).one()
    idea_ids = select(Idea.id).where(in_challenge)
    comments = (
        await session.execute(
            select(func.count(Comment.id), func.count(Comment.id).filter(Comment.author_id.is_(None))).where(
                Comment.idea_id.in_(idea_ids)
            )
        )
    ).one()
    named = (
        select(Idea.author_id.label("who"))
        .where(in_challenge, Idea.author_id.is_not(None))
        .union(select(Comment.author_id).where(Comment.idea_id.in_(idea_ids), Comment.author_id.is_not(None)))
    )
    named_count = await session.scalar(select(func.count()).select_from(named.subquery()))
    departments = await session.scalars(
        select(Idea.department).where(in_challenge, Idea.department.is_not(None)).distinct().order_by(Idea.department)
    )
    dot_voters = await session.scalar(
        select(func.count(func.distinct(DotAllocation.participant_key))).where(
            DotAllocation.challenge_id == challenge_id, DotAllocation.dots > 0
        )
    )
    return {
        "ideas": ideas[0],
        "anonymous_contributions": ideas[1] + comments[1],
        "up_votes": ideas[2],
        "dots": ideas[3],
        "comments": comments[0],
        "named_contributors": named_count or 0,
        "departments": [department for department in departments if department is not None],
        "dot_voters": dot_voters or 0,
    }
