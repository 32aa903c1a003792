"""HTTP endpoints under `/v1/customers`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from ideaflow_feedback.customers import service
from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.customers.schemas import CustomerDetails, CustomerExternalId, CustomerOrder, CustomerPublic
from ideaflow_feedback.feedback.schemas import SourceName
from ideaflow_feedback.themes.assigner import caught_up
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Label

router = APIRouter(prefix="/v1/customers", tags=["customers"])

_ETAG_HEADER = etag_header(description="The customer's version.")


def _answer(response: Response, customer: Customer) -> CustomerPublic:
    response.headers["ETag"] = etag_for(customer.version)
    return service.public(customer)


@router.put(
    "/{source}/{external_id}",
    response_model=CustomerPublic,
    summary="Create or replace a customer by their source system's id",
    responses={
        200: {"description": "The customer existed; their record is replaced.", "headers": _ETAG_HEADER},
        201: {
            "description": "A new customer.",
            "model": CustomerPublic,
            "headers": {**_ETAG_HEADER, **location_header("customer")},
        },
        **problem_responses(412, 422),
    },
)
async def upsert_customer(
    source: Annotated[SourceName, Path(description="The system that knows the customer, e.g. `hubspot`.")],
    external_id: Annotated[CustomerExternalId, Path(description="The customer's id in that system.")],
    payload: CustomerDetails,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> CustomerPublic:
    """Upsert: a CRM sends the whole record each time; a new key creates (201), a known one replaces (200).

    PUT replaces: fields left out become null. Sending the same record again changes nothing (the
    version stays). `If-Match` is optional here, since syncs are blind; when sent it must match.
    """
    upserted = await service.upsert_customer(
        session,
        organization_id=identity.organization_id,
        source=source,
        external_id=external_id,
        details=payload,
        if_match=if_match,
    )
    if upserted.created:
        response.status_code = 201
        response.headers["Location"] = service.customer_url(upserted.customer.id)
    return _answer(response, upserted.customer)


@router.get("", response_model=Page[CustomerPublic], summary="List customers", responses=problem_responses(400, 422))
async def list_customers(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    source: Annotated[SourceName | None, Query(description="Only customers of this source system.")] = None,
    segment: Annotated[Label | None, Query(description="Only customers of this segment.")] = None,
    order_by: CustomerOrder = CustomerOrder.CREATED_AT_DESC,
) -> Page[CustomerPublic]:
    """The organisation's customers, newest first unless `order_by` says otherwise."""
    items, token = await service.list_customers(
        session, identity=identity, source=source, segment=segment, order=order_by, page=page
    )
    return Page(items=[service.public(item) for item in items], next_page_token=token)


@router.get(
    "/{customer_id}",
    response_model=CustomerPublic,
    summary="Get a customer",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(404, 422)},
)
async def get_customer(
    customer_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> CustomerPublic:
    return _answer(response, await service.get_customer(session, identity=identity, customer_id=customer_id))


@router.post(
    "/{customer_id}/erase",
    response_model=CustomerPublic,
    summary="Erase a customer's personal data",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 422)},
    # Items waiting for a theme are assigned from the words the customer wrote, as on arrival.
    dependencies=[Depends(caught_up)],
)
async def erase_customer(
    customer_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> CustomerPublic:
    """Right to erasure (role `manager`): name, company, contact details and the CRM reference go,
    from the customer record and from every feedback item that copied them (masked in the text),
    from theme labels and idea-link notes (masked), and from the items' theme vectors and
    fingerprints (computed again from the masked text).

    The customer's opaque `id`, segment and value stay, so counts of distinct customers and demand
    weights stay right without identifying anyone. Repeating it is harmless.
    """
    return _answer(response, await service.erase_customer(session, identity=identity, customer_id=customer_id))
