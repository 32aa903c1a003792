"""HTTP endpoints for collaborations: under `/v1/partners/{id}/collaborations`, listed by experiment too."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.partners import collaborations as service
from ideaflow_experiments.partners.collaboration_schemas import (
    CollaborationCreate,
    CollaborationPublic,
    CollaborationUpdate,
)
from ideaflow_experiments.partners.models import Collaboration, CollaborationStatus
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(tags=["partners"])


def _public(collaboration: Collaboration) -> CollaborationPublic:
    return CollaborationPublic.model_validate(collaboration)


def _location(collaboration: Collaboration) -> str:
    return f"/v1/partners/{collaboration.partner_id}/collaborations/{collaboration.id}"


@router.post(
    "/v1/partners/{partner_id}/collaborations",
    status_code=201,
    response_model=CollaborationPublic,
    summary="Propose a partner's collaboration on an experiment",
    responses={
        201: {
            "headers": {
                **etag_header("collaboration"),
                **location_header("new collaboration"),
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def create_collaboration(
    partner_id: uuid.UUID,
    payload: CollaborationCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Tie the partner to an experiment (its owner or a manager) with agreed goals, each side's
    responsibilities, success criteria and the information-sharing boundary; it starts as `proposed`.

    `experiment_id` must name an experiment of the caller's organisation (422 otherwise). 409 when
    the experiment was cancelled or the partner already collaborates on it. Sharing `personal_data`
    or `customer_data` needs confidentiality `confidential` or stricter (422). Send an
    `Idempotency-Key` to make retries safe.
    """

    async def create() -> Created:
        collaboration = await service.create_collaboration(
            session, identity=identity, partner_id=partner_id, data=payload
        )
        return Created(
            body=_public(collaboration), location=_location(collaboration), etag=etag_for(collaboration.version)
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
    "/v1/partners/{partner_id}/collaborations",
    response_model=Page[CollaborationPublic],
    summary="List a partner's collaborations",
    responses=problem_responses(400, 404, 422),
)
async def list_partner_collaborations(
    partner_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    status: CollaborationStatus | None = None,
) -> Page[CollaborationPublic]:
    """Every experiment the partner takes part in, oldest collaboration first."""
    rows, token = await service.list_partner_collaborations(
        session, identity=identity, partner_id=partner_id, status=status, page=page
    )
    return Page(items=[_public(row) for row in rows], next_page_token=token)


@router.get(
    "/v1/experiments/{experiment_id}/collaborations",
    response_model=Page[CollaborationPublic],
    summary="List an experiment's partner collaborations",
    responses=problem_responses(400, 404, 422),
)
async def list_experiment_collaborations(
    experiment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    status: CollaborationStatus | None = None,
) -> Page[CollaborationPublic]:
    """Every partner taking part in the experiment, oldest collaboration first."""
    rows, token = await service.list_experiment_collaborations(
        session, identity=identity, experiment_id=experiment_id, status=status, page=page
    )
    return Page(items=[_public(row) for row in rows], next_page_token=token)


@router.get(
    "/v1/partners/{partner_id}/collaborations/{collaboration_id}",
    response_model=CollaborationPublic,
    summary="Get a collaboration",
    responses={200: {"headers": etag_header("collaboration")}, **problem_responses(404, 422)},
)
async def get_collaboration(
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
) -> CollaborationPublic:
    collaboration = await service.get_collaboration(
        session, identity=identity, partner_id=partner_id, collaboration_id=collaboration_id
    )
    response.headers["ETag"] = etag_for(collaboration.version)
    return _public(collaboration)


@router.patch(
    "/v1/partners/{partner_id}/collaborations/{collaboration_id}",
    response_model=CollaborationPublic,
    summary="Change a collaboration or move its status",
    responses={200: {"headers": etag_header("collaboration")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_collaboration(
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    payload: CollaborationUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> CollaborationPublic:
    """Change the agreement (the experiment's owner or a manager). Requires `If-Match`.

    `status` moves proposed → active | ended and active → completed | ended; anything else is 409
    listing the allowed statuses, as is activating one on a cancelled experiment. The boundary rule
    and the dates are checked on the result of the change (422).
    """
    collaboration = await service.update_collaboration(
        session,
        identity=identity,
        partner_id=partner_id,
        collaboration_id=collaboration_id,
        if_match=if_match,
        data=payload,
    )
    response.headers["ETag"] = etag_for(collaboration.version)
    return _public(collaboration)


@router.delete(
    "/v1/partners/{partner_id}/collaborations/{collaboration_id}",
    status_code=204,
    summary="Delete a proposed collaboration",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_collaboration(
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
) -> Response:
    """Delete a collaboration that is still `proposed` (409 otherwise: end it instead). Requires `If-Match`."""
    await service.delete_collaboration(
        session, identity=identity, partner_id=partner_id, collaboration_id=collaboration_id, if_match=if_match
    )
    return Response(status_code=204)
