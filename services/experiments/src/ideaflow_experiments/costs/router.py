"""HTTP endpoints under `/v1/experiments/{id}/costs`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.costs import service
from ideaflow_experiments.costs.models import ExperimentCost
from ideaflow_experiments.costs.schemas import CostCreate, CostPublic
from ideaflow_experiments.db import idempotency_keys
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])


def _public(cost: ExperimentCost) -> CostPublic:
    return CostPublic.model_validate(cost)


@router.post(
    "/{experiment_id}/costs",
    status_code=201,
    response_model=CostPublic,
    summary="Record a cost of an experiment",
    responses={
        201: {
            "headers": {
                **etag_header(description="The experiment's new version."),
                **location_header("cost entry"),
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def record_cost(
    experiment_id: uuid.UUID,
    payload: CostCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add what was spent to the experiment's budget (its owner or a manager).

    The cost must be in the experiment's `budget_currency` (409 otherwise, or when the experiment
    has none yet). The experiment's `budget_spent_amount` grows by the amount and
    `over_budget` turns true once spent exceeds planned. Send an `Idempotency-Key` to make retries safe.
    """

    async def create() -> Created:
        experiment, cost = await service.record_cost(
            session, identity=identity, experiment_id=experiment_id, data=payload
        )
        return Created(
            body=_public(cost),
            location=f"/v1/experiments/{experiment_id}/costs/{cost.id}",
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
    "/{experiment_id}/costs",
    response_model=Page[CostPublic],
    summary="List an experiment's costs",
    responses=problem_responses(400, 404, 422),
)
async def list_costs(
    experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep
) -> Page[CostPublic]:
    """The experiment's cost entries in the order they were recorded."""
    rows, token = await service.list_costs(session, identity=identity, experiment_id=experiment_id, page=page)
    return Page(items=[_public(row) for row in rows], next_page_token=token)


@router.get(
    "/{experiment_id}/costs/{cost_id}",
    response_model=CostPublic,
    summary="Get one cost entry",
    responses=problem_responses(404, 422),
)
async def get_cost(
    experiment_id: uuid.UUID, cost_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity
) -> CostPublic:
    return _public(await service.get_cost(session, identity=identity, experiment_id=experiment_id, cost_id=cost_id))
