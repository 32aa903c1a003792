"""The SQL of a merge: moving votes, dots, comments and evaluations from one idea to another."""

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.comments.models import Comment
from ideaflow_ideas.evaluations.models import Evaluation
from ideaflow_ideas.votes.models import DotAllocation, IdeaVote

_NO_SYNC = {"synchronize_session": False}


async def move_up_votes(session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Voter keys are per person and organisation, so a person who voted for both keeps one vote."""
    on_target = select(IdeaVote.voter_key).where(IdeaVote.idea_id == target_id).scalar_subquery()
    await session.execute(
        update(IdeaVote)
        .where(IdeaVote.idea_id == source_id, IdeaVote.voter_key.not_in(on_target))
        .values(idea_id=target_id)
        .execution_options(**_NO_SYNC)
    )
    await session.execute(delete(IdeaVote).where(IdeaVote.idea_id == source_id).execution_options(**_NO_SYNC))


async def move_dots(session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Within one challenge: a participant's dots on both ideas add up, so their budget is unchanged."""
    moved = (await session.scalars(select(DotAllocation).where(DotAllocation.idea_id == source_id))).all()
    if not moved:
        return
    keys = [allocation.participant_key for allocation in moved]
    existing = {
        allocation.participant_key: allocation
        for allocation in await session.scalars(
            select(DotAllocation).where(DotAllocation.idea_id == target_id, DotAllocation.participant_key.in_(keys))
        )
    }
    for allocation in moved:
        kept = existing.get(allocation.participant_key)
        if kept is None:
            session.add(
                DotAllocation(
                    idea_id=target_id,
                    participant_key=allocation.participant_key,
                    challenge_id=allocation.challenge_id,
                    organization_id=allocation.organization_id,
                    dots=allocation.dots,
                    updated_at=allocation.updated_at,
                )
            )
        else:
            kept.dots += allocation.dots
        await session.delete(allocation)
    await session.flush()


async def move_comments(session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Whole threads move: replies stay one level under their parent."""
    await session.execute(
        update(Comment).where(Comment.idea_id == source_id).values(idea_id=target_id).execution_options(**_NO_SYNC)
    )


async def move_evaluations(session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """One evaluation per reviewer and idea: a reviewer who judged both keeps the target's, and the
    source's stays with the merged idea, readable there."""
    on_target = select(Evaluation.reviewer_id).where(Evaluation.idea_id == target_id).scalar_subquery()
    await session.execute(
        update(Evaluation)
        .where(Evaluation.idea_id == source_id, Evaluation.reviewer_id.not_in(on_target))
        .values(idea_id=target_id)
        .execution_options(**_NO_SYNC)
    )
