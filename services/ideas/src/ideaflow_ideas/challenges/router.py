"""HTTP endpoints under `/v1/challenges`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_ideas.challenges import service
from ideaflow_ideas.challenges.models import Challenge, ChallengePhase
from ideaflow_ideas.challenges.schemas import (
    ChallengeCreate,
    ChallengeOrder,
    ChallengePublic,
    ChallengeSummary,
    ChallengeUpdate,
    PhaseMove,
)
from ideaflow_ideas.db import idempotency_keys
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/challenges", tags=["challenges"])


def _public(challenge: Challenge) -> ChallengePublic:
    return ChallengePublic.model_validate(challenge)


@router.post(
    "",
    status_code=201,
    response_model=ChallengePublic,
    summary="Create a challenge",
    responses={
        201: {
            "headers": {
                **etag_header("challenge"),
                **location_header("new challenge"),
            }
        },
        **problem_responses(403, 409, 422),
    },
)
async def create_challenge(
    payload: ChallengeCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Create a brainstorm challenge in its `draft` phase (managers).

    Rules across fields (the window closes after it opens, departments named exactly when the
    audience is `departments`, the per-idea cap within the budget) are refused with a 400 whose
    `errors` point at each field.
    """

    async def create() -> Created:
        challenge = await service.create_challenge(session, identity=identity, data=payload)
        return Created(
            body=_public(challenge), location=f"/v1/challenges/{challenge.id}", etag=etag_for(challenge.version)
        )

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.get("", response_model=Page[ChallengePublic], summary="List challenges", responses=problem_responses(422))
async def list_challenges(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    phase: ChallengePhase | None = None,
    order_by: ChallengeOrder = ChallengeOrder.CREATED_AT_DESC,
) -> Page[ChallengePublic]:
    """The organisation's challenges, newest first unless `order_by` says otherwise."""
    challenges, token = await service.list_challenges(
        session, identity=identity, phase=phase, order=order_by, page=page
    )
    return Page(items=[_public(challenge) for challenge in challenges], next_page_token=token)


@router.get(
    "/{challenge_id}",
    response_model=ChallengePublic,
    summary="Get a challenge",
    responses={200: {"headers": etag_header("challenge")}, **problem_responses(404, 422)},
)
async def get_challenge(
    challenge_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ChallengePublic:
    challenge = await service.get_challenge(session, identity=identity, challenge_id=challenge_id)
    response.headers["ETag"] = etag_for(challenge.version)
    return _public(challenge)


@router.patch(
    "/{challenge_id}",
    response_model=ChallengePublic,
    summary="Change a challenge",
    responses={200: {"headers": etag_header("challenge")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_challenge(
    challenge_id: uuid.UUID,
    payload: ChallengeUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ChallengePublic:
    """Change some fields of a challenge that is not closed (managers). Requires `If-Match`.

    The result must keep the rules across fields (400 pointing at each field otherwise).
    """
    challenge = await service.update_challenge(
        session, identity=identity, challenge_id=challenge_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(challenge.version)
    return _public(challenge)


@router.post(
    "/{challenge_id}/phase",
    response_model=ChallengePublic,
    summary="Move a challenge to its next phase",
    responses={200: {"headers": etag_header("challenge")}, **problem_responses(403, 404, 409, 412, 422)},
)
async def move_challenge_phase(
    challenge_id: uuid.UUID,
    payload: PhaseMove,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ChallengePublic:
    """Move `draft → ideation → evaluation → closed` (managers); the move is kept in `phase_history`.

    An illegal move is a 409 whose `allowed` lists the legal ones. `If-Match` is checked when sent.
    """
    challenge = await service.move_phase(
        session, identity=identity, challenge_id=challenge_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(challenge.version)
    return _public(challenge)


@router.get(
    "/{challenge_id}/summary",
    response_model=ChallengeSummary,
    summary="Summarise a challenge",
    responses=problem_responses(404, 422),
)
async def summarise_challenge(
    challenge_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity
) -> ChallengeSummary:
    """Ideas, contributors, departments represented, votes and comments of one challenge."""
    return await service.summarise_challenge(session, identity=identity, challenge_id=challenge_id)
