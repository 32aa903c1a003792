"""All SQL for customers. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.customers.schemas import CustomerOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


async def get_customer(session: AsyncSession, *, organization_id: uuid.UUID, customer_id: uuid.UUID) -> Customer | None:
    return await session.scalar(
        select(Customer).where(Customer.organization_id == organization_id, Customer.id == customer_id)
    )


async def find_by_external_id(
    session: AsyncSession, *, organization_id: uuid.UUID, source: str, external_id: str
) -> Customer | None:
    return await session.scalar(
        select(Customer).where(
            Customer.organization_id == organization_id,
            Customer.source == source,
            Customer.external_id == external_id,
        )
    )


async def insert_or_find(session: AsyncSession, customer: Customer) -> tuple[Customer, bool]:
    """Insert `customer`, or find the one that already has its (source, external_id); True if inserted.

    The unique constraint decides, so of two concurrent first sightings exactly one inserts; the
    loser's insert is undone in a savepoint and it carries on with the winner's row.
    """
    try:
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
    except IntegrityError:
        assert customer.external_id is not None
        existing = await find_by_external_id(
            session, organization_id=customer.organization_id, source=customer.source, external_id=customer.external_id
        )
        if existing is None:
            raise
        return existing, False
    return customer, True


async def list_customers(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    source: str | None,
    segment: str | None,
    order: CustomerOrder,
    page: PageRequest,
) -> tuple[Sequence[Customer], str | None]:
    statement = select(Customer).where(Customer.organization_id == organization_id)
    if source is not None:
        statement = statement.where(Customer.source == source)
    if segment is not None:
        statement = statement.where(Customer.segment == segment)
    statement = paginate(
        statement,
        keys=[Customer.created_at, Customer.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda item: (item.created_at, item.id))
