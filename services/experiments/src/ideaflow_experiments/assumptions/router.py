"""HTTP endpoints under `/v1/assumptions`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_experiments.assumptions import service
from ideaflow_experiments.assumptions.models import Assumption, AssumptionKind, AssumptionStatus
from ideaflow_experiments.assumptions.repository import AssumptionFilters
from ideaflow_experiments.assumptions.schemas import (
    AssumptionCreate,
    AssumptionOrder,
    AssumptionPublic,
    AssumptionUpdate,
)
from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.ideas_service import IdeasClientDep
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/assumptions", tags=["assumptions"])


def _public(assumption: Assumption) -> AssumptionPublic:
    return AssumptionPublic.model_validate(assumption)


@router.post(
    "",
    status_code=201,
    response_model=AssumptionPublic,
    summary="Record an assumption of an idea",
    responses={
        201: {
            "headers": {
                **etag_header("assumption"),
                **location_header("new assumption"),
            }
        },
        **problem_responses(409, 422, 503, 504),
    },
)
async def create_assumption(
    payload: AssumptionCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record what must be true for an idea to work, as `untested`.

    `idea_id` must name an idea of the caller's organisation (422 pointing at it otherwise),
    checked with the ideas service (503/504 when it is unavailable; nothing is written).
    """

    async def create() -> Created:
        assumption = await service.create_assumption(session, identity=identity, ideas=ideas, data=payload)
        return Created(
            body=_public(assumption),
            location=f"/v1/assumptions/{assumption.id}",
            etag=etag_for(assumption.version),
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
    response_model=Page[AssumptionPublic],
    summary="List assumptions, riskiest first with order_by=risk",
    responses=problem_responses(400, 422),
)
async def list_assumptions(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    idea_id: Annotated[uuid.UUID | None, Query(description="Only this idea's assumptions.")] = None,
    kind: AssumptionKind | None = None,
    status: AssumptionStatus | None = None,
    order_by: AssumptionOrder = AssumptionOrder.CREATED_AT_DESC,
) -> Page[AssumptionPublic]:
    """The organisation's assumptions. `order_by=risk` ranks them by `risk_score` = importance * (6 - evidence),
    highest first, so the riskiest assumption — important and unproven — is tested first."""
    filters = AssumptionFilters(idea_id=idea_id, kind=kind, status=status)
    rows, token = await service.list_assumptions(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(row) for row in rows], next_page_token=token)


@router.get(
    "/{assumption_id}",
    response_model=AssumptionPublic,
    summary="Get an assumption",
    responses={200: {"headers": etag_header("assumption")}, **problem_responses(404, 422)},
)
async def get_assumption(
    assumption_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> AssumptionPublic:
    assumption = await service.get_assumption(session, identity=identity, assumption_id=assumption_id)
    response.headers["ETag"] = etag_for(assumption.version)
    return _public(assumption)


@router.patch(
    "/{assumption_id}",
    response_model=AssumptionPublic,
    summary="Change an assumption",
    responses={200: {"headers": etag_header("assumption")}, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_assumption(
    assumption_id: uuid.UUID,
    payload: AssumptionUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> AssumptionPublic:
    """Change the statement, kind, importance or evidence (its author or a manager); requires `If-Match`.

    The status is not changed here: a decision on an experiment that tested it sets it, with the evidence.
    """
    assumption = await service.update_assumption(
        session, identity=identity, assumption_id=assumption_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(assumption.version)
    return _public(assumption)
