"""The rules for voting: one up-vote per person per idea, and dot budgets within a challenge.

Every vote is a secret ballot: rows carry voter keys (see `ideaflow_ideas.anonymity`), so a
named and an anonymous vote by one person are the same vote, and nobody reading the tables can
tell whose it is.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.anonymity import VoterKeys
from ideaflow_ideas.challenges import service as challenges
from ideaflow_ideas.challenges.models import Challenge
from ideaflow_ideas.ideas import service as ideas
from ideaflow_ideas.ideas.models import Idea
from ideaflow_ideas.roles import ensure_participant
from ideaflow_ideas.votes import repository
from ideaflow_ideas.votes.models import DotAllocation, IdeaVote
from ideaflow_ideas.votes.schemas import DotAllocationPublic, DotBudget, VoteState
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict

# Up-votes are keyed per organisation, not per idea, so that a merge keeps one vote per person.
_UP_VOTE = "up-vote"
_DOTS = "dots"


async def refresh_totals(session: AsyncSession, *, idea: Idea) -> None:
    """Recount the idea's up-votes and dots (after a vote, or after votes moved in a merge)."""
    idea.up_votes = await repository.count_votes(session, idea_id=idea.id)
    idea.dots = await repository.sum_dots_on_idea(session, idea_id=idea.id)
    await session.flush()


async def _votable_idea(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID) -> Idea:
    ensure_participant(identity, action="vote")
    # Locked, so that concurrent votes on one idea count right and stay one per person.
    idea = await ideas.get_idea(session, identity=identity, idea_id=idea_id, for_update=True)
    await ideas.ensure_idea_writable(session, identity=identity, idea=idea)
    return idea


async def vote_state(session: AsyncSession, *, identity: Identity, keys: VoterKeys, idea_id: uuid.UUID) -> VoteState:
    idea = await ideas.get_idea(session, identity=identity, idea_id=idea_id)
    key = keys.key_for(identity, purpose=_UP_VOTE, scope_id=identity.organization_id)
    voted = await repository.has_vote(session, idea_id=idea.id, voter_key=key)
    return VoteState(idea_id=idea.id, voted=voted, up_votes=idea.up_votes)


async def up_vote(session: AsyncSession, *, identity: Identity, keys: VoterKeys, idea_id: uuid.UUID) -> VoteState:
    """Up-vote the idea; voting again changes nothing."""
    idea = await _votable_idea(session, identity=identity, idea_id=idea_id)
    key = keys.key_for(identity, purpose=_UP_VOTE, scope_id=identity.organization_id)
    if not await repository.has_vote(session, idea_id=idea.id, voter_key=key):
        repository.add_vote(
            session,
            IdeaVote(idea_id=idea.id, voter_key=key, organization_id=identity.organization_id, created_at=utcnow()),
        )
        await session.flush()
        await refresh_totals(session, idea=idea)
    return VoteState(idea_id=idea.id, voted=True, up_votes=idea.up_votes)


async def revoke_vote(session: AsyncSession, *, identity: Identity, keys: VoterKeys, idea_id: uuid.UUID) -> None:
    """Take the caller's up-vote back; without one, nothing changes."""
    idea = await _votable_idea(session, identity=identity, idea_id=idea_id)
    key = keys.key_for(identity, purpose=_UP_VOTE, scope_id=identity.organization_id)
    await repository.remove_vote(session, idea_id=idea.id, voter_key=key)
    await refresh_totals(session, idea=idea)


async def _budget(session: AsyncSession, *, challenge: Challenge, key: bytes) -> DotBudget:
    allocations = await repository.participant_allocations(session, challenge_id=challenge.id, participant_key=key)
    used = sum(allocation.dots for allocation in allocations)
    return DotBudget(
        challenge_id=challenge.id,
        budget=challenge.dot_budget,
        dots_per_idea_cap=challenge.dots_per_idea_cap,
        used=used,
        remaining=max(challenge.dot_budget - used, 0),
        allocations=[DotAllocationPublic(idea_id=row.idea_id, dots=row.dots) for row in allocations],
    )


async def dot_budget(
    session: AsyncSession, *, identity: Identity, keys: VoterKeys, challenge_id: uuid.UUID
) -> DotBudget:
    """The caller's dots in a challenge: budget, used, remaining and where they are."""
    challenge = await challenges.get_challenge(session, identity=identity, challenge_id=challenge_id)
    key = keys.key_for(identity, purpose=_DOTS, scope_id=challenge.id)
    return await _budget(session, challenge=challenge, key=key)


async def place_dots(
    session: AsyncSession, *, identity: Identity, keys: VoterKeys, idea_id: uuid.UUID, dots: int
) -> DotBudget:
    """Give the idea `dots` of the caller's challenge budget (replacing what it had from them)."""
    idea = await _votable_idea(session, identity=identity, idea_id=idea_id)
    if idea.challenge_id is None:
        raise Conflict("Dot voting happens within a challenge; this idea is in no challenge. Up-vote it instead.")
    # The challenge row is locked too: one participant's budget is checked against all their dots.
    challenge = await challenges.get_challenge(
        session, identity=identity, challenge_id=idea.challenge_id, for_update=True
    )
    challenges.ensure_not_draft(challenge)
    if dots > challenge.dots_per_idea_cap:
        raise Conflict(
            f"One idea can get at most {challenge.dots_per_idea_cap} of your dots in this challenge.",
            extra={"dots_per_idea_cap": challenge.dots_per_idea_cap},
        )
    key = keys.key_for(identity, purpose=_DOTS, scope_id=challenge.id)
    allocations = await repository.participant_allocations(session, challenge_id=challenge.id, participant_key=key)
    current = next((row for row in allocations if row.idea_id == idea.id), None)
    used_elsewhere = sum(row.dots for row in allocations if row.idea_id != idea.id)
    if used_elsewhere + dots > challenge.dot_budget:
        remaining = challenge.dot_budget - used_elsewhere
        raise Conflict(
            f"That is over your budget of {challenge.dot_budget} dots: {remaining} are left for this idea. "
            "Take dots back from another idea first.",
            extra={"budget": challenge.dot_budget, "used": used_elsewhere, "remaining": remaining},
        )
    if current is not None and dots == 0:
        await repository.delete_allocation(session, current)
    elif current is not None:
        current.dots, current.updated_at = dots, utcnow()
    elif dots > 0:
        repository.add_allocation(
            session,
            DotAllocation(
                idea_id=idea.id,
                participant_key=key,
                challenge_id=challenge.id,
                organization_id=identity.organization_id,
                dots=dots,
                updated_at=utcnow(),
            ),
        )
    await session.flush()
    await refresh_totals(session, idea=idea)
    return await _budget(session, challenge=challenge, key=key)
