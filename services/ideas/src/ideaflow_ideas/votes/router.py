"""HTTP endpoints for up-votes (`/v1/ideas/{idea_id}/vote`) and dots (`…/dots`, `/v1/challenges/{id}/dots`)."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_ideas.anonymity import VoterKeysDep
from ideaflow_ideas.votes import service
from ideaflow_ideas.votes.schemas import DotBudget, DotsPlacement, VoteState
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

router = APIRouter(tags=["votes"])


@router.get(
    "/v1/ideas/{idea_id}/vote",
    response_model=VoteState,
    summary="Whether you up-vote an idea",
    responses=problem_responses(404, 422),
)
async def get_vote(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, keys: VoterKeysDep
) -> VoteState:
    return await service.vote_state(session, identity=identity, keys=keys, idea_id=idea_id)


@router.put(
    "/v1/ideas/{idea_id}/vote",
    response_model=VoteState,
    summary="Up-vote an idea",
    responses=problem_responses(403, 404, 409, 422),
)
async def up_vote_idea(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, keys: VoterKeysDep
) -> VoteState:
    """One up-vote per person; repeating it changes nothing. Votes are secret ballots."""
    return await service.up_vote(session, identity=identity, keys=keys, idea_id=idea_id)


@router.delete(
    "/v1/ideas/{idea_id}/vote",
    status_code=204,
    summary="Take back your up-vote",
    responses=problem_responses(403, 404, 409, 422),
)
async def revoke_vote(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, keys: VoterKeysDep
) -> Response:
    await service.revoke_vote(session, identity=identity, keys=keys, idea_id=idea_id)
    return Response(status_code=204)


@router.put(
    "/v1/ideas/{idea_id}/dots",
    response_model=DotBudget,
    summary="Place your dots on an idea",
    responses=problem_responses(403, 404, 409, 422),
)
async def place_dots(
    idea_id: uuid.UUID,
    payload: DotsPlacement,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    keys: VoterKeysDep,
) -> DotBudget:
    """Set how many of your challenge dots this idea gets; over the budget or the cap is a 409."""
    return await service.place_dots(session, identity=identity, keys=keys, idea_id=idea_id, dots=payload.dots)


@router.get(
    "/v1/challenges/{challenge_id}/dots",
    response_model=DotBudget,
    summary="Your dots in a challenge",
    responses=problem_responses(404, 422),
)
async def get_dot_budget(
    challenge_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, keys: VoterKeysDep
) -> DotBudget:
    return await service.dot_budget(session, identity=identity, keys=keys, challenge_id=challenge_id)
