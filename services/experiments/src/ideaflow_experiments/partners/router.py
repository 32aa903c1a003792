"""HTTP endpoints under `/v1/partners`: partner organisations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.partners import service
from ideaflow_experiments.partners.models import Partner, PartnerType
from ideaflow_experiments.partners.repository import PartnerFilters
from ideaflow_experiments.partners.schemas import PartnerCreate, PartnerOrder, PartnerPublic, PartnerUpdate
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/partners", tags=["partners"])


def _public(partner: Partner) -> PartnerPublic:
    return PartnerPublic.model_validate(partner)


@router.post(
    "",
    status_code=201,
    response_model=PartnerPublic,
    summary="Record a partner organisation",
    responses={
        201: {
            "headers": {
                **etag_header("partner"),
                **location_header("new partner"),
            }
        },
        **problem_responses(409, 422),
    },
)
async def create_partner(
    payload: PartnerCreate, *, session: SessionDep, identity: CurrentIdentity, idempotency_key: IdempotencyKey = None
) -> Response:
    """An external organisation (university, supplier, customer, startup, network…) with its contacts.

    Any member may record one. Send an `Idempotency-Key` to make retries safe.
    """

    async def create() -> Created:
        partner = await service.create_partner(session, identity=identity, data=payload)
        return Created(body=_public(partner), location=f"/v1/partners/{partner.id}", etag=etag_for(partner.version))

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
    response_model=Page[PartnerPublic],
    summary="List partner organisations",
    responses=problem_responses(400, 422),
)
async def list_partners(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    type: PartnerType | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Only partners whose name contains this text (any case)."),
    ] = None,
    order_by: PartnerOrder = PartnerOrder.NAME,
) -> Page[PartnerPublic]:
    """The organisation's partners, by name unless `order_by` says otherwise."""
    filters = PartnerFilters(type=type, name_contains=q)
    rows, token = await service.list_partners(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(row) for row in rows], next_page_token=token)


@router.get(
    "/{partner_id}",
    response_model=PartnerPublic,
    summary="Get a partner organisation",
    responses={200: {"headers": etag_header("partner")}, **problem_responses(404, 422)},
)
async def get_partner(
    partner_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> PartnerPublic:
    partner = await service.get_partner(session, identity=identity, partner_id=partner_id)
    response.headers["ETag"] = etag_for(partner.version)
    return _public(partner)


@router.patch(
    "/{partner_id}",
    response_model=PartnerPublic,
    summary="Change a partner organisation",
    responses={200: {"headers": etag_header("partner")}, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_partner(
    partner_id: uuid.UUID,
    payload: PartnerUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> PartnerPublic:
    """Change some fields (the partner's author or a manager; 403 otherwise). Requires `If-Match`."""
    partner = await service.update_partner(
        session, identity=identity, partner_id=partner_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(partner.version)
    return _public(partner)


@router.delete(
    "/{partner_id}",
    status_code=204,
    summary="Delete a partner organisation",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_partner(
    partner_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Delete a partner that has no collaborations (its author or a manager). Requires `If-Match`.

    A partner with collaborations is kept, since they belong to the experiments' record: 409 with
    their number in `collaborations`. Delete the proposed ones first; ones that ran are kept.
    """
    await service.delete_partner(session, identity=identity, partner_id=partner_id, if_match=if_match)
    return Response(status_code=204)
