"""HTTP endpoints under `/v1/experiments/{id}/decision`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.decisions import service
from ideaflow_experiments.decisions.schemas import DecisionCreate, DecisionPublic
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])


@router.post(
    "/{experiment_id}/decision",
    status_code=201,
    response_model=DecisionPublic,
    summary="Decide on a concluded experiment",
    responses={
        201: {
            "headers": {
                **etag_header(description="The experiment's new version."),
                **location_header("decision"),
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def record_decision(
    experiment_id: uuid.UUID,
    payload: DecisionCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Persevere, pivot, scale or kill, with the rationale and next steps; the caller is the decider.

    Needs the `manager` role (403) and a `concluded` experiment (409 listing the allowed moves
    otherwise). The experiment becomes `decided`; each assumption it tests becomes supported,
    refuted or unclear (from the verdict unless `assumption_outcomes` says otherwise) with the
    experiment as its evidence. A pivot may open a follow-up draft linked to this experiment.
    """

    async def create() -> Created:
        experiment, decision = await service.record_decision(
            session, identity=identity, experiment_id=experiment_id, data=payload
        )
        return Created(
            body=DecisionPublic.model_validate(decision),
            location=f"/v1/experiments/{experiment_id}/decision",
            etag=etag_for(experiment.version),
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
    "/{experiment_id}/decision",
    response_model=DecisionPublic,
    summary="Get the decision on an experiment",
    responses=problem_responses(404, 422),
)
async def get_decision(experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity) -> DecisionPublic:
    """The decision, or 404 while the experiment is undecided."""
    return DecisionPublic.model_validate(
        await service.get_decision(session, identity=identity, experiment_id=experiment_id)
    )
