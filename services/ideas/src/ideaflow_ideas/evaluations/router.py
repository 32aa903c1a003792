"""HTTP endpoints for evaluation: `/v1/evaluation-criteria`, `/v1/ideas/{id}/evaluation(s)`, `/v1/ideas/ranking`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_ideas.db import idempotency_keys
from ideaflow_ideas.evaluations import criteria, service
from ideaflow_ideas.evaluations.models import Evaluation
from ideaflow_ideas.evaluations.schemas import (
    AggregatePublic,
    BlindIdea,
    ContributionPublic,
    CriteriaPublic,
    CriteriaUpdate,
    EvaluationCreate,
    EvaluationPublic,
    EvaluationUpdate,
    EvaluationView,
    RankedIdea,
    Ranking,
)
from ideaflow_ideas.evaluations.scoring import Aggregate
from ideaflow_ideas.fixed_paths import refuse_other_methods
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

criteria_router = APIRouter(prefix="/v1/evaluation-criteria", tags=["evaluations"])
router = APIRouter(prefix="/v1/ideas", tags=["evaluations"])

_ETAG_HEADER = etag_header(description="Send it back as If-Match to change this.")


def _aggregate(result: Aggregate) -> AggregatePublic:
    return AggregatePublic(
        reviewers=result.reviewers,
        weighted_score=result.weighted_score,
        disagreement=result.disagreement,
        ice_score=result.ice_score,
        contributions=[
            ContributionPublic(key=c.key, mean=c.mean, weight=c.weight, points=c.points) for c in result.contributions
        ],
    )


def _public(evaluation: Evaluation) -> EvaluationPublic:
    return EvaluationPublic.model_validate(evaluation)


@criteria_router.get(
    "", response_model=CriteriaPublic, summary="Get the evaluation criteria", responses={200: {"headers": _ETAG_HEADER}}
)
async def get_evaluation_criteria(
    *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> CriteriaPublic:
    """The organisation's criteria, weights and scale (impact, feasibility, confidence and
    strategic fit, equally weighted on 1 to 5, until an admin changes them)."""
    scheme = await service.get_scheme(session, identity=identity)
    public = criteria.public(scheme)
    response.headers["ETag"] = etag_for(public.version)
    return public


@criteria_router.patch(
    "",
    response_model=CriteriaPublic,
    summary="Change the evaluation criteria",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 412, 422, 428)},
)
async def update_evaluation_criteria(
    payload: CriteriaUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> CriteriaPublic:
    """Replace the criteria or change the scale (admins). Requires `If-Match`."""
    scheme = await service.update_criteria(session, identity=identity, if_match=if_match, data=payload)
    response.headers["ETag"] = etag_for(scheme.version)
    return criteria.public(scheme)


@router.get(
    "/ranking",
    response_model=Ranking,
    summary="Rank evaluated ideas",
    responses=problem_responses(403, 404, 422),
)
async def rank_ideas(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    challenge_id: Annotated[
        uuid.UUID | None, Query(description="Rank this challenge's ideas; without it, the backlog.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1_000_000, description="How many (at most 100; larger is clamped).")] = 20,
) -> Ranking:
    """Evaluated ideas best first, each with why: its criteria's contributions, reviewers and votes."""
    ranked = await service.rank_ideas(session, identity=identity, challenge_id=challenge_id, limit=min(limit, 100))
    items = [
        RankedIdea(
            rank=position,
            idea_id=idea.id,
            title=idea.title,
            stage=idea.stage,
            challenge_id=idea.challenge_id,
            weighted_score=result.weighted_score,
            ice_score=result.ice_score,
            reviewers=result.reviewers,
            disagreement=result.disagreement,
            up_votes=idea.up_votes,
            dots=idea.dots,
            why=_aggregate(result).contributions,
        )
        for position, (idea, result) in enumerate(ranked, start=1)
    ]
    return Ranking(items=items)


refuse_other_methods(router, "/ranking", allowed="GET")


@router.get(
    "/{idea_id}/evaluation",
    response_model=EvaluationView,
    summary="Get an idea to evaluate, author-blind",
    responses=problem_responses(403, 404, 422),
)
async def get_evaluation_view(idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity) -> EvaluationView:
    """The idea without its author, the criteria, the caller's own evaluation and — once they have
    given it — the aggregate of all reviewers."""
    idea, scheme, mine, result = await service.evaluation_view(session, identity=identity, idea_id=idea_id)
    return EvaluationView(
        idea=BlindIdea.model_validate(idea),
        criteria=criteria.public(scheme),
        my_evaluation=None if mine is None else _public(mine),
        aggregate=None if result is None else _aggregate(result),
    )


@router.post(
    "/{idea_id}/evaluations",
    status_code=201,
    response_model=EvaluationPublic,
    summary="Evaluate an idea",
    responses={
        201: {"headers": {**_ETAG_HEADER, **location_header(description="The evaluation.")}},
        **problem_responses(403, 404, 409, 422),
    },
)
async def create_evaluation(
    idea_id: uuid.UUID,
    payload: EvaluationCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Score the idea on every criterion (reviewers and managers, once per idea; revise with PATCH).
    Refused (409) while the idea's challenge is in ideation: judgement is deferred."""

    async def create() -> Created:
        evaluation = await service.create_evaluation(session, identity=identity, idea_id=idea_id, data=payload)
        return Created(
            body=_public(evaluation),
            location=f"/v1/ideas/{idea_id}/evaluations/{evaluation.id}",
            etag=etag_for(evaluation.version),
        )

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.get(
    "/{idea_id}/evaluations/{evaluation_id}",
    response_model=EvaluationPublic,
    summary="Get an evaluation",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(404, 422)},
)
async def get_evaluation(
    idea_id: uuid.UUID, evaluation_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> EvaluationPublic:
    """One evaluation, for its reviewer and managers."""
    evaluation = await service.get_evaluation(session, identity=identity, idea_id=idea_id, evaluation_id=evaluation_id)
    response.headers["ETag"] = etag_for(evaluation.version)
    return _public(evaluation)


@router.patch(
    "/{idea_id}/evaluations/{evaluation_id}",
    response_model=EvaluationPublic,
    summary="Revise an evaluation",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_evaluation(
    idea_id: uuid.UUID,
    evaluation_id: uuid.UUID,
    payload: EvaluationUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> EvaluationPublic:
    """Change some scores of one's own evaluation. Requires `If-Match`."""
    evaluation = await service.update_evaluation(
        session, identity=identity, idea_id=idea_id, evaluation_id=evaluation_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(evaluation.version)
    return _public(evaluation)
