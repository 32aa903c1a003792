"""All SQL for up-votes and dots. Rows carry voter keys, never principals."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.votes.models import DotAllocation, IdeaVote


async def has_vote(session: AsyncSession, *, idea_id: uuid.UUID, voter_key: bytes) -> bool:
    found = await session.scalar(
        select(IdeaVote.idea_id).where(IdeaVote.idea_id == idea_id, IdeaVote.voter_key == voter_key)
    )
    return found is not None


def add_vote(session: AsyncSession, vote: IdeaVote) -> None:
    session.add(vote)


async def remove_vote(session: AsyncSession, *, idea_id: uuid.UUID, voter_key: bytes) -> None:
    await session.execute(delete(IdeaVote).where(IdeaVote.idea_id == idea_id, IdeaVote.voter_key == voter_key))


async def count_votes(session: AsyncSession, *, idea_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).where(IdeaVote.idea_id == idea_id)) or 0


async def sum_dots_on_idea(session: AsyncSession, *, idea_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.coalesce(func.sum(DotAllocation.dots), 0)).where(DotAllocation.idea_id == idea_id)
        )
        or 0
    )


async def participant_allocations(
    session: AsyncSession, *, challenge_id: uuid.UUID, participant_key: bytes
) -> Sequence[DotAllocation]:
    statement = (
        select(DotAllocation)
        .where(DotAllocation.challenge_id == challenge_id, DotAllocation.participant_key == participant_key)
        .order_by(DotAllocation.idea_id)
    )
    return (await session.scalars(statement)).all()


def add_allocation(session: AsyncSession, allocation: DotAllocation) -> None:
    session.add(allocation)


async def delete_allocation(session: AsyncSession, allocation: DotAllocation) -> None:
    await session.delete(allocation)
