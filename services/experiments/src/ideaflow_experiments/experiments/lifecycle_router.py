"""Lifecycle actions and amendments: `POST /v1/experiments/{id}/start|conclude|cancel|amendments`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.experiments import amendments, lifecycle
from ideaflow_experiments.experiments.models import Experiment, ExperimentAmendment
from ideaflow_experiments.experiments.schemas import (
    AmendmentCreate,
    AmendmentPublic,
    ExperimentCancellation,
    ExperimentPublic,
)
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])

_ETAG_HEADER = etag_header(description="The experiment's new version; send it back as If-Match.")
_ACTION_RESPONSES = {200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 409, 412, 422)}
_ACTION_NOTE = (
    "Only the owner or a manager may do this (403). `If-Match` is optional here; when sent it must name the "
    "current version (412). An illegal move is a 409 whose `allowed` lists the statuses the experiment may reach."
)


def _answer(experiment: Experiment, response: Response) -> ExperimentPublic:
    response.headers["ETag"] = etag_for(experiment.version)
    return ExperimentPublic.model_validate(experiment)


def _amendment_public(amendment: ExperimentAmendment) -> AmendmentPublic:
    return AmendmentPublic.model_validate(amendment)


@router.post(
    "/{experiment_id}/start",
    response_model=ExperimentPublic,
    summary="Start an experiment",
    description=f"Move a draft to `running`; its hypothesis, test, metrics and criteria are locked from now on. "
    f"{_ACTION_NOTE}",
    responses=_ACTION_RESPONSES,
)
async def start_experiment(
    experiment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    experiment = await lifecycle.start_experiment(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match
    )
    return _answer(experiment, response)


@router.post(
    "/{experiment_id}/conclude",
    response_model=ExperimentPublic,
    summary="Conclude an experiment",
    description=f"Move a running experiment to `concluded`: data collection ends, a decision follows. {_ACTION_NOTE}",
    responses=_ACTION_RESPONSES,
)
async def conclude_experiment(
    experiment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    experiment = await lifecycle.conclude_experiment(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match
    )
    return _answer(experiment, response)


@router.post(
    "/{experiment_id}/cancel",
    response_model=ExperimentPublic,
    summary="Cancel an experiment",
    description=f"Stop a draft or running experiment for good, with the reason. {_ACTION_NOTE}",
    responses=_ACTION_RESPONSES,
)
async def cancel_experiment(
    experiment_id: uuid.UUID,
    payload: ExperimentCancellation,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    experiment = await lifecycle.cancel_experiment(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match, reason=payload.reason
    )
    return _answer(experiment, response)


@router.post(
    "/{experiment_id}/amendments",
    status_code=201,
    response_model=AmendmentPublic,
    summary="Amend a started experiment's hypothesis or test",
    responses={
        201: {
            "headers": {
                **_ETAG_HEADER,
                **location_header("amendment"),
            }
        },
        **problem_responses(403, 404, 409, 412, 422, 428),
    },
)
async def create_amendment(
    experiment_id: uuid.UUID,
    payload: AmendmentCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Change the pre-registered hypothesis and/or test of a running or concluded experiment.

    The change is kept as an amendment (what, why, who, when) and the experiment reads
    `amended_after_start: true` from then on. Requires `If-Match` with the experiment's ETag;
    the answer's ETag is the experiment's new one. Before the start, PATCH the experiment instead (409).
    """

    async def create() -> Created:
        experiment, amendment = await amendments.amend_experiment(
            session, identity=identity, experiment_id=experiment_id, if_match=if_match, data=payload
        )
        return Created(
            body=_amendment_public(amendment),
            location=f"/v1/experiments/{experiment_id}/amendments/{amendment.id}",
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
    "/{experiment_id}/amendments",
    response_model=Page[AmendmentPublic],
    summary="List an experiment's amendments",
    responses=problem_responses(400, 404, 422),
)
async def list_amendments(
    experiment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep
) -> Page[AmendmentPublic]:
    """Every change to the pre-registered plan after the start, oldest first."""
    rows, token = await amendments.list_amendments(session, identity=identity, experiment_id=experiment_id, page=page)
    return Page(items=[_amendment_public(row) for row in rows], next_page_token=token)


@router.get(
    "/{experiment_id}/amendments/{amendment_id}",
    response_model=AmendmentPublic,
    summary="Get one amendment",
    responses=problem_responses(404, 422),
)
async def get_amendment(
    experiment_id: uuid.UUID, amendment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity
) -> AmendmentPublic:
    amendment = await amendments.get_amendment(
        session, identity=identity, experiment_id=experiment_id, amendment_id=amendment_id
    )
    return _amendment_public(amendment)
