"""Receiving a webhook: verify the sender, drop replays, map each event, store it, log the delivery.

The sender is authenticated by its signature only (the gateway vouches for nothing more), and the
organisation is the integration's. A refused request is logged as a rejected delivery (size and
hash of the body, never the body) and answered with a problem; nothing else is stored.
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers import repository as customers_repository
from ideaflow_feedback.customers import service as customers
from ideaflow_feedback.customers.schemas import CustomerDetails
from ideaflow_feedback.feedback import service as feedback
from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.integrations import repository
from ideaflow_feedback.integrations.models import Delivery, DeliveryOutcome, Integration
from ideaflow_feedback.integrations.sealing import SecretBox
from ideaflow_feedback.integrations.service import previous_secret_expiry
from ideaflow_feedback.integrations.vendors import VENDORS
from ideaflow_feedback.integrations.vendors.base import (
    InvalidPayload,
    MappedCustomer,
    MappedFeedback,
    Rejected,
    SignedRequest,
    Vendor,
    VendorEvent,
)
from ideaflow_shared.db import sweep_due, utcnow
from ideaflow_shared.identity import WEBHOOK_SENDER_ROLE, Identity
from ideaflow_shared.problems import Conflict, Forbidden, NotFound, ProblemError, Unauthorized, UnprocessableContent

_MAX_EVENT_ID = 200
_CUSTOMER_FIELDS = ("name", "company", "segment", "value", "email", "phone")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused request: the problem to answer, and the rejected delivery logged for people to see."""

    problem: ProblemError
    delivery: Delivery


async def receive_webhook(
    session: AsyncSession,
    *,
    identity: Identity,
    box: SecretBox,
    integration_id: uuid.UUID,
    request: SignedRequest,
    retention: dt.timedelta,
) -> list[Delivery] | Refusal:
    """One delivery per event the request carries, or the refusal when the request is not authentic.

    Deliveries and seen event ids older than `retention` are deleted on the way (see `_sweep_old_log`).
    """
    if WEBHOOK_SENDER_ROLE not in identity.roles:
        raise Forbidden("Webhooks are posted by their senders through the gateway, not by API callers.")
    integration = await repository.find_webhook_target(session, integration_id=integration_id)
    if integration is None:
        raise NotFound(f"No integration with id {integration_id} exists.")
    if not integration.enabled:
        raise Conflict("The integration is disabled; an admin can enable it again.")
    await _sweep_old_log(session, retention=retention)
    vendor = VENDORS[integration.type]
    log = _DeliveryLog(integration, request.body)
    try:
        payload, log.signed_with_previous_secret = _verified(vendor, request, integration, box, log.received_at)
        events = vendor.events(payload, request)
    except Rejected as refusal:
        rejected = log.new(outcome=DeliveryOutcome.REJECTED, status_code=401, signature_valid=refusal.signature_valid)
        rejected.reason = refusal.reason[:500]
        session.add(rejected)
        return Refusal(Unauthorized(refusal.reason), rejected)
    except InvalidPayload as invalid:
        rejected = log.new(outcome=DeliveryOutcome.REJECTED, status_code=422, signature_valid=True)
        rejected.reason = invalid.reason[:500]
        session.add(rejected)
        return Refusal(UnprocessableContent(invalid.reason, errors=invalid.errors), rejected)
    return [await _deliver(session, integration=integration, event=event, log=log) for event in events]


def _verified(
    vendor: Vendor, request: SignedRequest, integration: Integration, box: SecretBox, now: dt.datetime
) -> tuple[Any, bool]:
    """The payload, and whether it was signed with the secret a rotation replaced (in its grace period).

    The replaced secret is tried only when the current one's signature does not match: a stale or
    malformed request is refused as it is. When neither matches, the current secret's refusal is the answer.
    """
    try:
        return vendor.verify(request, box.open(integration.sealed_secret, integration_id=integration.id), now), False
    except Rejected as refusal:
        sealed = integration.previous_sealed_secret
        if refusal.signature_valid is not False or sealed is None or previous_secret_expiry(integration, now) is None:
            raise
        try:
            return vendor.verify(request, box.open(sealed, integration_id=integration.id), now), True
        except Rejected as with_previous:
            raise (refusal if with_previous.signature_valid is False else with_previous) from None


SWEEP_BATCH = 1_000


async def _sweep_old_log(session: AsyncSession, *, retention: dt.timedelta) -> None:
    """Delete deliveries and seen event ids older than `retention`: at most once a minute per process, and
    at most SWEEP_BATCH rows of each, oldest first, so a webhook never waits on a large backlog (it goes a
    batch a minute: 1.4 million rows a day)."""
    if sweep_due("integration_deliveries"):
        await repository.delete_log_before(session, before=utcnow() - retention, limit=SWEEP_BATCH)


class _DeliveryLog:
    """Builds the delivery rows of one request: the body only as its size and hash."""

    def __init__(self, integration: Integration, body: bytes) -> None:
        self.integration = integration
        self.body_bytes = len(body)
        self.body_sha256 = hashlib.sha256(body).hexdigest()
        self.received_at = utcnow()
        self.signed_with_previous_secret = False

    def new(self, *, outcome: DeliveryOutcome, status_code: int, signature_valid: bool | None) -> Delivery:
        return Delivery(
            id=uuid.uuid4(),
            organization_id=self.integration.organization_id,
            integration_id=self.integration.id,
            received_at=self.received_at,
            outcome=outcome,
            signature_valid=signature_valid,
            status_code=status_code,
            body_bytes=self.body_bytes,
            body_sha256=self.body_sha256,
            signed_with_previous_secret=self.signed_with_previous_secret,
        )


def _event_key(event_id: str) -> str:
    """The event id as stored; an absurdly long one by its hash, so it still deduplicates."""
    if len(event_id) <= _MAX_EVENT_ID:
        return event_id
    return "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


async def _deliver(
    session: AsyncSession, *, integration: Integration, event: VendorEvent, log: _DeliveryLog
) -> Delivery:
    delivery = log.new(outcome=DeliveryOutcome.ACCEPTED, status_code=200, signature_valid=True)
    delivery.event_type = event.event_type
    session.add(delivery)
    if event.event_id is not None:
        delivery.event_id = _event_key(event.event_id)
        earlier = await repository.claim_event(
            session,
            integration_id=integration.id,
            event_id=delivery.event_id,
            delivery_id=delivery.id,
            now=log.received_at,
        )
        if earlier is not None:
            delivery.outcome, delivery.duplicate_of = DeliveryOutcome.DUPLICATE, earlier
            delivery.reason = "This event was delivered before; nothing new was stored."
            return delivery
    if event.ignored is not None:
        delivery.outcome, delivery.reason = DeliveryOutcome.IGNORED, event.ignored
        return delivery
    if event.customer is not None:
        delivery.customer_id = await _remember_customer(session, integration=integration, customer=event.customer)
    if event.feedback is not None:
        await _store_feedback(session, integration=integration, mapped=event.feedback, delivery=delivery)
    return delivery


async def _store_feedback(
    session: AsyncSession, *, integration: Integration, mapped: MappedFeedback, delivery: Delivery
) -> None:
    """Through the same upsert as every other ingest path, so a resent ticket updates its item."""
    try:
        data = FeedbackCreate(
            text=mapped.text,
            title=mapped.title,
            channel=mapped.channel,
            tags=mapped.tags,
            received_at=mapped.received_at,
            source=integration.source,
            external_id=mapped.external_id,
            customer_ref=None if mapped.customer is None else mapped.customer.external_id,
        )
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field = "/".join(str(part) for part in error["loc"])
        delivery.outcome, delivery.reason = (
            DeliveryOutcome.IGNORED,
            f"Not storable as feedback: {field}: {error['msg']}",
        )
        return
    if mapped.customer is not None:
        delivery.customer_id = await _remember_customer(session, integration=integration, customer=mapped.customer)
    stored = await feedback.store_feedback(
        session, organization_id=integration.organization_id, submitted_by=f"integration:{integration.id}", data=data
    )
    delivery.feedback_id, delivery.feedback_outcome = stored.id, stored.outcome.value


async def _remember_customer(session: AsyncSession, *, integration: Integration, customer: MappedCustomer) -> uuid.UUID:
    """Upsert the customer, adding what the sender told (name, e-mail, company) to what is known.

    Unlike a CRM sync's PUT, a webhook tells only part of the record: segment, value and phone
    that someone set stay, and a field the sender got wrong (an e-mail that is no address) is skipped.
    """
    organization_id, source = integration.organization_id, integration.source
    told = {name: value for name, value in _valid_details(customer).items() if value is not None}
    existing = await customers_repository.find_by_external_id(
        session, organization_id=organization_id, source=source, external_id=customer.external_id
    )
    if existing is not None and all(getattr(existing, name) == value for name, value in told.items()):
        return existing.id
    known = {} if existing is None else customers.public(existing).model_dump(include=set(_CUSTOMER_FIELDS))
    details = CustomerDetails.model_validate({**known, **told}) if told else None
    upserted = await customers.upsert_customer(
        session, organization_id=organization_id, source=source, external_id=customer.external_id, details=details
    )
    return upserted.customer.id


def _valid_details(customer: MappedCustomer) -> dict[str, str | None]:
    valid: dict[str, str | None] = {}
    for name, value in (("name", customer.name), ("email", customer.email), ("company", customer.company)):
        try:
            valid[name] = getattr(CustomerDetails.model_validate({name: value}), name)
        except ValidationError:
            valid[name] = None
    return valid
