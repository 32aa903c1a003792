"""Which assumptions an experiment tests: `PUT|DELETE /v1/experiments/{id}/assumptions/{assumption_id}`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.experiments import service
from ideaflow_experiments.experiments.schemas import ExperimentPublic
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])

_ETAG_HEADER = etag_header(description="The experiment's new version; send it back as If-Match.")


@router.put(
    "/{experiment_id}/assumptions/{assumption_id}",
    response_model=ExperimentPublic,
    summary="Name an assumption the experiment tests",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 412, 422)},
)
async def link_assumption(
    experiment_id: uuid.UUID,
    assumption_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    """Add an assumption of the experiment's idea to `assumption_ids` (owner or manager); repeating it is harmless.

    An assumption of another idea or organisation is 404. `If-Match` is optional; when sent it must be current.
    """
    experiment = await service.link_assumption(
        session, identity=identity, experiment_id=experiment_id, assumption_id=assumption_id, if_match=if_match
    )
    response.headers["ETag"] = etag_for(experiment.version)
    return ExperimentPublic.model_validate(experiment)


@router.delete(
    "/{experiment_id}/assumptions/{assumption_id}",
    response_model=ExperimentPublic,
    summary="Stop naming an assumption as tested",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 412, 422, 428)},
)
async def unlink_assumption(
    experiment_id: uuid.UUID,
    assumption_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> ExperimentPublic:
    """Remove the assumption from `assumption_ids` (owner or manager); requires the experiment's `If-Match`."""
    experiment = await service.unlink_assumption(
        session, identity=identity, experiment_id=experiment_id, assumption_id=assumption_id, if_match=if_match
    )
    response.headers["ETag"] = etag_for(experiment.version)
    return ExperimentPublic.model_validate(experiment)
