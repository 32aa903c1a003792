"""HTTP endpoints under `/v1/experiments`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.experiments import service
from ideaflow_experiments.experiments.models import Experiment, ExperimentStatus, ExperimentType
from ideaflow_experiments.experiments.repository import ExperimentFilters
from ideaflow_experiments.experiments.schemas import (
    ExperimentCreate,
    ExperimentOrder,
    ExperimentPublic,
    ExperimentUpdate,
)
from ideaflow_experiments.ideas_service import IdeasClientDep
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Timestamp

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])


def _public(experiment: Experiment) -> ExperimentPublic:
    return ExperimentPublic.model_validate(experiment)


@router.post(
    "",
    status_code=201,
    response_model=ExperimentPublic,
    summary="Plan an experiment for an idea",
    responses={
        201: {
            "headers": {
                **etag_header("experiment"),
                **location_header("new experiment"),
            }
        },
        **problem_responses(409, 422, 503, 504),
    },
)
async def create_experiment(
    payload: ExperimentCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a new experiment in the `draft` status, owned by the caller.

    `idea_id` must name an idea of the caller's organisation (422 pointing at it otherwise); it is
    checked with the ideas service, and when that service is unavailable (503) or slow (504)
    nothing is created. Send an `Idempotency-Key` to make retries safe.
    """

    async def create() -> Created:
        experiment = await service.create_experiment(session, identity=identity, ideas=ideas, data=payload)
        return Created(
            body=_public(experiment),
            location=f"/v1/experiments/{experiment.id}",
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
    "", response_model=Page[ExperimentPublic], summary="List experiments", responses=problem_responses(400, 422)
)
async def list_experiments(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    idea_id: Annotated[uuid.UUID | None, Query(description="Only experiments testing this idea.")] = None,
    status: ExperimentStatus | None = None,
    experiment_type: Annotated[ExperimentType | None, Query(alias="type")] = None,
    created_after: Annotated[
        Timestamp | None, Query(description="Created at or after this instant (RFC 3339).")
    ] = None,
    created_before: Annotated[Timestamp | None, Query(description="Created before this instant (RFC 3339).")] = None,
    overdue: Annotated[
        bool | None, Query(description="Only experiments whose time box has (true) or has not (false) overrun.")
    ] = None,
    over_budget: Annotated[
        bool | None, Query(description="Only experiments that spent more (true) or not more (false) than planned.")
    ] = None,
    order_by: ExperimentOrder = ExperimentOrder.CREATED_AT_DESC,
) -> Page[ExperimentPublic]:
    """The organisation's experiments, newest first unless `order_by` says otherwise."""
    filters = ExperimentFilters(
        idea_id=idea_id,
        status=status,
        type=experiment_type,
        created_after=created_after,
        created_before=created_before,
        overdue=overdue,
        over_budget=over_budget,
    )
    experiments, token = await service.list_experiments(
        session, identity=identity, filters=filters, order=order_by, page=page
    )
    return Page(items=[_public(experiment) for experiment in experiments], next_page_token=token)


@router.get(
    "/{experiment_id}",
    response_model=ExperimentPublic,
    summary="Get an experiment",
    responses={200: {"headers": etag_header("experiment")}, **problem_responses(404, 422)},
)
async def get_experiment(
    experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ExperimentPublic:
    experiment = await service.get_experiment(session, identity=identity, experiment_id=experiment_id)
    response.headers["ETag"] = etag_for(experiment.version)
    return _public(experiment)


@router.patch(
    "/{experiment_id}",
    response_model=ExperimentPublic,
    summary="Change an experiment",
    responses={200: {"headers": etag_header("experiment")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_experiment(
    experiment_id: uuid.UUID,
    payload: ExperimentUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    """Change some fields of an experiment (its owner or a manager). Requires `If-Match`.

    The idea and the status cannot be changed here; a time box that would end before it starts
    is refused (422 pointing at the field you sent). Once started, the hypothesis and the test
    are locked (409): amend them with `POST /v1/experiments/{id}/amendments`.
    """
    experiment = await service.update_experiment(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(experiment.version)
    return _public(experiment)


@router.delete(
    "/{experiment_id}",
    status_code=204,
    summary="Delete a draft experiment",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_experiment(
    experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Delete a draft for good (its owner or a manager). Requires `If-Match`.

    An experiment that has started is kept as the organisation's memory: cancel it instead (409).
    """
    await service.delete_experiment(session, identity=identity, experiment_id=experiment_id, if_match=if_match)
    return Response(status_code=204)
