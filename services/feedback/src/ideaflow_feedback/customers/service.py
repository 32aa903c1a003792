"""The rules for customers: upsert by the source's id, and erasure of their personal data."""

import decimal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers import repository
from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.customers.schemas import CustomerDetails, CustomerOrder, CustomerPublic, CustomerValue
from ideaflow_feedback.feedback import erasure
from ideaflow_feedback.themes import service as themes_service
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound

ERASER_ROLE = "manager"
_CENTS = decimal.Decimal(100)


def customer_url(customer_id: uuid.UUID) -> str:
    return f"/v1/customers/{customer_id}"


def public(customer: Customer) -> CustomerPublic:
    value = None
    if customer.value_minor is not None and customer.value_currency is not None:
        amount = (decimal.Decimal(customer.value_minor) / _CENTS).quantize(decimal.Decimal("0.01"))
        value = CustomerValue(amount=str(amount), currency=customer.value_currency)
    return CustomerPublic(
        id=customer.id,
        source=customer.source,
        external_id=customer.external_id,
        name=customer.name,
        company=customer.company,
        segment=customer.segment,
        value=value,
        email=customer.email,
        phone=customer.phone,
        erased_at=customer.erased_at,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        version=customer.version,
    )


def _fields(details: CustomerDetails) -> dict[str, object]:
    value = details.value
    return {
        "name": details.name,
        "company": details.company,
        "segment": details.segment,
        "value_minor": None if value is None else int(decimal.Decimal(value.amount) * _CENTS),
        "value_currency": None if value is None else value.currency,
        "email": details.email,
        "phone": details.phone,
    }


@dataclass(frozen=True, slots=True)
class Upserted:
    customer: Customer
    created: bool


async def upsert_customer(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    source: str,
    external_id: str,
    details: CustomerDetails | None,
    if_match: str | None = None,
) -> Upserted:
    """Create the customer, or replace their record; `details=None` only makes sure they exist.

    A CRM syncs blindly, so If-Match is optional here; when sent it must match (412 otherwise).
    """
    now = utcnow()
    fields = _fields(details) if details is not None else {}
    candidate = Customer(
        id=uuid.uuid4(),
        organization_id=organization_id,
        source=source,
        external_id=external_id,
        created_at=now,
        updated_at=now,
        version=1,
        **fields,
    )
    customer, created = await repository.insert_or_find(session, candidate)
    if created:
        return Upserted(customer, True)
    if if_match is not None:
        check_if_match(if_match, customer.version)
    if details is not None and any(getattr(customer, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.updated_at = now
        customer.version += 1
        await session.flush()
    return Upserted(customer, False)


async def get_customer(session: AsyncSession, *, identity: Identity, customer_id: uuid.UUID) -> Customer:
    customer = await repository.get_customer(session, organization_id=identity.organization_id, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"No customer with id {customer_id} exists.")
    return customer


async def list_customers(
    session: AsyncSession,
    *,
    identity: Identity,
    source: str | None,
    segment: str | None,
    order: CustomerOrder,
    page: PageRequest,
) -> tuple[Sequence[Customer], str | None]:
    return await repository.list_customers(
        session, organization_id=identity.organization_id, source=source, segment=segment, order=order, page=page
    )


async def erase_customer(session: AsyncSession, *, identity: Identity, customer_id: uuid.UUID) -> Customer:
    """Remove the customer's personal data everywhere it was copied; keep the opaque id and counts.

    Their feedback stays (it is the organisation's evidence) but loses the CRM reference, and the
    customer's name, e-mail and phone are masked wherever they appear in its text, in theme labels
    and in the notes on idea links. The items' theme vectors and fingerprints are computed again
    from the masked text, so no hash of the erased words stays behind. Erasing twice changes
    nothing the second time.
    """
    if not identity.has_role(ERASER_ROLE):
        raise Forbidden(f"Erasing a customer needs the '{ERASER_ROLE}' role.")
    customer = await get_customer(session, identity=identity, customer_id=customer_id)
    if customer.erased_at is not None:
        return customer
    personal = [value for value in (customer.name, customer.email, customer.phone) if value]
    items = await erasure.scrub_customer_feedback(
        session, organization_id=customer.organization_id, customer_id=customer.id, personal=personal
    )
    await themes_service.reembed(session, organization_id=customer.organization_id, items=items)
    await erasure.scrub_copies(session, organization_id=customer.organization_id, personal=personal)
    for name in ("external_id", "name", "company", "email", "phone"):
        setattr(customer, name, None)
    customer.erased_at = customer.updated_at = utcnow()
    customer.version += 1
    await session.flush()
    return customer
