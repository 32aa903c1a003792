"""HTTP endpoints under `/v1/experiments/{id}/results`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.metrics import results
from ideaflow_experiments.metrics.repository import ResultFilters
from ideaflow_experiments.metrics.result_schemas import ResultCreate, ResultOrder, ResultPublic
from ideaflow_shared.db import SessionDep
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments/{experiment_id}/results", tags=["metrics"])


@router.post(
    "",
    status_code=201,
    response_model=ResultPublic,
    summary="Record a result",
    description="Record what a metric showed (for one variant when it has variants), while the experiment runs "
    "or when it has ended (409 otherwise, listing the statuses that allow it); only its owner or a manager (403). "
    "Proportions are recorded as successes out of trials, other kinds as a value. A result is a cumulative "
    "snapshot: the verdict uses the latest of each metric and variant. Results are never changed; record a "
    "newer one instead. Send an `Idempotency-Key` to make retries safe.",
    responses={
        201: {"headers": location_header(description="Where the results are listed.")},
        **problem_responses(403, 404, 409, 422),
    },
)
async def record_result(
    experiment_id: uuid.UUID,
    payload: ResultCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create() -> Created:
        result = await results.record_result(session, identity=identity, experiment_id=experiment_id, data=payload)
        return Created(
            body=ResultPublic.model_validate(result),
            location=f"/v1/experiments/{experiment_id}/results?metric_id={result.metric_id}",
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
    "",
    response_model=Page[ResultPublic],
    summary="List an experiment's results",
    responses=problem_responses(400, 404, 422),
)
async def list_results(
    experiment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    metric_id: Annotated[uuid.UUID | None, Query(description="Only results of this metric.")] = None,
    variant: Annotated[str | None, Query(min_length=1, max_length=40, description="Only this variant.")] = None,
    order_by: ResultOrder = ResultOrder.OBSERVED_AT_DESC,
) -> Page[ResultPublic]:
    """The experiment's results, latest observation first unless `order_by` says otherwise."""
    rows, token = await results.list_results(
        session,
        identity=identity,
        experiment_id=experiment_id,
        filters=ResultFilters(metric_id=metric_id, variant=variant),
        order=order_by,
        page=page,
    )
    return Page(items=[ResultPublic.model_validate(row) for row in rows], next_page_token=token)
