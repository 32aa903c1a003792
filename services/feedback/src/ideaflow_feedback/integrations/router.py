"""HTTP endpoints under `/v1/integrations`: managing integrations, their delivery log, and the webhook."""

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.integrations import receiving, service
from ideaflow_feedback.integrations.models import DeliveryOutcome, Integration
from ideaflow_feedback.integrations.schemas import (
    DeliveryOrder,
    DeliveryPublic,
    IntegrationCreate,
    IntegrationOrder,
    IntegrationPublic,
    IntegrationUpdate,
    WebhookReceipt,
)
from ideaflow_feedback.integrations.sealing import SecretBox
from ideaflow_feedback.integrations.vendors import generic, hubspot, intercom, zendesk
from ideaflow_feedback.integrations.vendors.base import SignedRequest
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import (
    Created,
    IdempotencyKey,
    create_idempotently,
    idempotency_conflict,
    location_header,
)
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_response, problem_responses

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])

_ETAG_HEADER = etag_header(description="The integration's version.")


def _secret_box(request: Request) -> SecretBox:
    box: SecretBox | None = getattr(request.app.state, "integration_secrets", None)
    if box is None:
        settings: FeedbackSettings = request.app.state.settings
        box = request.app.state.integration_secrets = SecretBox(settings.integration_secrets_key_material)
    return box


SecretBoxDep = Annotated[SecretBox, Depends(_secret_box)]


def _answer(response: Response, integration: Integration, secret: str | None = None) -> IntegrationPublic:
    response.headers["ETag"] = etag_for(integration.version)
    return service.public(integration, secret=secret)


@router.post(
    "",
    status_code=201,
    response_model=IntegrationPublic,
    summary="Register an integration",
    responses={
        201: {"description": "Registered.", "headers": {**_ETAG_HEADER, **location_header("integration")}},
        **idempotency_conflict(),
        **problem_responses(403, 422),
    },
)
async def create_integration(
    payload: IntegrationCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    box: SecretBoxDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a CRM or helpdesk that posts feedback to its `webhook_path` (role `admin`).

    Give the secret the vendor signs with (Zendesk's webhook signing secret, HubSpot's or
    Intercom's app client secret), or omit it to have one generated: a generated secret is in
    this answer only, never again. The secret is stored sealed and never returned afterwards.
    """
    first: list[service.WithSecret] = []

    async def create() -> Created:
        created = await service.create_integration(session, identity=identity, box=box, data=payload)
        first.append(created)
        return _created(created.integration)

    response = await create_idempotently(
        session, table=idempotency_keys, organization_id=identity.organization_id, key=idempotency_key,
        request=payload, create=create,
    )  # fmt: skip
    if not first or first[0].generated_secret is None:
        return response
    # Only this first answer shows a generated secret: the body kept for replays never holds it.
    created = _created(first[0].integration, secret=first[0].generated_secret)
    headers = {"Location": created.location, "ETag": etag_for(first[0].integration.version)}
    return Response(created.body.model_dump_json(), status_code=201, headers=headers, media_type="application/json")


def _created(integration: Integration, *, secret: str | None = None) -> Created:
    return Created(
        body=service.public(integration, secret=secret),
        location=service.integration_url(integration.id),
        etag=etag_for(integration.version),
    )


@router.get(
    "", response_model=Page[IntegrationPublic], summary="List integrations", responses=problem_responses(400, 403, 422)
)
async def list_integrations(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    order_by: IntegrationOrder = IntegrationOrder.CREATED_AT_DESC,
) -> Page[IntegrationPublic]:
    """The organisation's integrations, newest first unless `order_by` says otherwise (role `admin`)."""
    items, token = await service.list_integrations(session, identity=identity, order=order_by, page=page)
    return Page(items=[service.public(item) for item in items], next_page_token=token)


@router.get(
    "/{integration_id}",
    response_model=IntegrationPublic,
    summary="Get an integration",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 422)},
)
async def get_integration(
    integration_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> IntegrationPublic:
    """The integration, without its secret (role `admin`)."""
    return _answer(response, await service.get_integration(session, identity=identity, integration_id=integration_id))


@router.patch(
    "/{integration_id}",
    response_model=IntegrationPublic,
    summary="Change an integration or rotate its secret",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_integration(
    integration_id: uuid.UUID,
    payload: IntegrationUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    box: SecretBoxDep,
    response: Response,
    if_match: IfMatch = None,
) -> IntegrationPublic:
    """Rename, enable or disable, or rotate the secret (role `admin`). Requires `If-Match`.

    A rotated secret takes effect at once. To switch without losing deliveries, rotate with
    `previous_secret_grace_seconds`: the old secret is still accepted that long, while you change it
    at the vendor, and each delivery's `signed_with_previous_secret` shows whether the vendor has
    switched. `{"previous_secret_grace_seconds": 0}` alone ends that period early. With
    `generate_secret` the new secret is in this answer only.
    """
    updated = await service.update_integration(
        session, identity=identity, box=box, integration_id=integration_id, if_match=if_match, data=payload
    )
    return _answer(response, updated.integration, updated.generated_secret)


@router.delete(
    "/{integration_id}",
    status_code=204,
    summary="Delete an integration",
    responses=problem_responses(403, 404, 412, 422, 428),
)
async def delete_integration(
    integration_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Delete the integration and its delivery log (role `admin`); its feedback stays. Requires `If-Match`."""
    await service.delete_integration(session, identity=identity, integration_id=integration_id, if_match=if_match)
    return Response(status_code=204)


@router.get(
    "/{integration_id}/deliveries",
    response_model=Page[DeliveryPublic],
    summary="List an integration's deliveries",
    responses=problem_responses(400, 403, 404, 422),
)
async def list_deliveries(
    integration_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    outcome: Annotated[DeliveryOutcome | None, Query(description="Only deliveries with this outcome.")] = None,
    order_by: DeliveryOrder = DeliveryOrder.RECEIVED_AT_DESC,
) -> Page[DeliveryPublic]:
    """What the sender delivered, newest first: each event's outcome, and each refused request (role `admin`).

    Deliveries are kept for the service's `WEBHOOK_LOG_RETENTION_DAYS` (30 by default).
    """
    items, token = await service.list_deliveries(
        session, identity=identity, integration_id=integration_id, outcome=outcome, order=order_by, page=page
    )
    return Page(items=[DeliveryPublic.model_validate(item) for item in items], next_page_token=token)


@router.get(
    "/{integration_id}/deliveries/{delivery_id}",
    response_model=DeliveryPublic,
    summary="Get a delivery",
    responses=problem_responses(403, 404, 422),
)
async def get_delivery(
    integration_id: uuid.UUID, delivery_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity
) -> DeliveryPublic:
    delivery = await service.get_delivery(
        session, identity=identity, integration_id=integration_id, delivery_id=delivery_id
    )
    return DeliveryPublic.model_validate(delivery)


def _optional_header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description, "schema": {"type": "string"}}


_WEBHOOK_DOCUMENTATION: dict[str, Any] = {
    "parameters": [
        _optional_header("webhook-id", "Generic (Standard Webhooks): the message id, repeated by retries."),
        _optional_header("webhook-timestamp", "Generic: Unix seconds when it was signed."),
        _optional_header("webhook-signature", "Generic: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."),
        _optional_header(zendesk.SIGNATURE, "Zendesk: base64 HMAC-SHA256 of timestamp + body."),
        _optional_header(zendesk.TIMESTAMP, "Zendesk: ISO 8601 instant of signing."),
        _optional_header(intercom.SIGNATURE, "Intercom: `sha1=<hex HMAC-SHA1 of the body>`."),
        _optional_header(hubspot.SIGNATURE, "HubSpot: base64 HMAC-SHA256 of method + full URL + body + timestamp."),
        _optional_header(hubspot.TIMESTAMP, "HubSpot: Unix milliseconds of signing."),
    ],
    "requestBody": {
        "required": True,
        "description": "The sender's payload, exactly as signed.",
        "content": {
            "application/json": {
                "schema": {"type": ["object", "array"]},
                "examples": {
                    "generic": {"summary": "Generic: one feedback item", "value": generic.EXAMPLE},
                    "zendesk": {"summary": "Zendesk: ticket created", "value": zendesk.EXAMPLE},
                    "intercom": {"summary": "Intercom: conversation started", "value": intercom.EXAMPLE},
                    "hubspot": {
                        "summary": "HubSpot: ticket content changed, contact created",
                        "value": hubspot.EXAMPLE,
                    },
                },
            }
        },
    },
}


@router.post(
    "/{integration_id}/webhook",
    response_model=WebhookReceipt,
    summary="Receive a signed webhook from the integration's sender",
    responses={
        401: {
            **problem_responses(401)[401],
            "description": "The signature is missing or wrong, or the request is stale; logged as a rejected "
            "delivery (`delivery_id`), nothing else stored.",
        },
        409: {**problem_responses(409)[409], "description": "The integration is disabled."},
        422: {
            **problem_responses(422)[422],
            "description": "Correctly signed, but not the payload the vendor documents; logged as rejected.",
        },
        **problem_responses(403, 404),
    },
    openapi_extra=_WEBHOOK_DOCUMENTATION,
)
async def receive_webhook(
    integration_id: uuid.UUID, request: Request, *, session: SessionDep, identity: CurrentIdentity, box: SecretBoxDep
) -> Response | WebhookReceipt:
    """The integration's sender posts here through the gateway, without an API key: the signature
    (Standard Webhooks for generic, each vendor's own scheme otherwise) authenticates it.

    Each event is stored as feedback (and its customer) through the same upsert as every other
    ingest path, so a resent ticket updates its item. An event delivered before is answered 200
    with outcome `duplicate`; requests signed more than 5 minutes ago are refused. HubSpot signs the
    full URL it called: set the service's `PUBLIC_BASE_URL` to the gateway's public URL.
    """
    signed = SignedRequest(
        method=request.method, url=_called_url(request), headers=dict(request.headers), body=await request.body()
    )
    settings: FeedbackSettings = request.app.state.settings
    received = await receiving.receive_webhook(
        session,
        identity=identity,
        box=box,
        integration_id=integration_id,
        request=signed,
        retention=dt.timedelta(days=settings.webhook_log_retention_days),
    )
    if isinstance(received, receiving.Refusal):
        problem = received.problem
        return problem_response(
            problem.status,
            slug=problem.slug,
            detail=problem.detail,
            instance=request.url.path,
            request_id=getattr(request.state, "request_id", None),
            errors=problem.errors,
            extra={"delivery_id": str(received.delivery.id)},
        )
    return WebhookReceipt(deliveries=[DeliveryPublic.model_validate(delivery) for delivery in received])


def _called_url(request: Request) -> str:
    """The URL as the sender called it: the configured public base, else the one the request arrived with."""
    settings: FeedbackSettings = request.app.state.settings
    if settings.public_base_url is None:
        return str(request.url)
    query = request.url.query
    return str(settings.public_base_url).rstrip("/") + request.url.path + (f"?{query}" if query else "")
