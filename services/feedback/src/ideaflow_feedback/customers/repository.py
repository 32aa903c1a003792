"""All SQL for customers. Every query is scoped to one organisation."""

import datetime as dt
import functools
import uuid
from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Insert, Result, Select, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.customers.schemas import CustomerOrder
from ideaflow_shared.db import dialect_of, insert_skipping_duplicates, one_of
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


CUSTOMERS = cast(Table, Customer.__table__)


@functools.cache
def _ids_of_statement(dialect: str) -> Select[uuid.UUID, str, str | None]:
    """Two plain lists of values, not a row-value IN: PostgreSQL answers them from the unique index,
    whereas it compares a list of (source, external_id) pairs with every row of the organisation.
    Built once, as every ingest runs it: building a statement costs more CPU than running it."""
    return select(CUSTOMERS.c.id, CUSTOMERS.c.source, CUSTOMERS.c.external_id).where(
        CUSTOMERS.c.organization_id == bindparam("organization_id"),
        one_of(CUSTOMERS.c.source, "sources", dialect),
        one_of(CUSTOMERS.c.external_id, "external_ids", dialect),
    )


@functools.cache
def _insert_new(dialect: str) -> Insert:
    """The customers' multi-row insert, skipping those a concurrent writer inserted meanwhile."""
    statement = insert_skipping_duplicates(dialect, CUSTOMERS, "organization_id", "source", "external_id")
    return statement.returning(CUSTOMERS.c.id, CUSTOMERS.c.source, CUSTOMERS.c.external_id)


async def ensure_customers(
    session: AsyncSession, *, organization_id: uuid.UUID, keys: Collection[tuple[str, str]], now: dt.datetime
) -> dict[tuple[str, str], uuid.UUID]:
    """The id of the customer behind every (source, external_id), inserting those not known yet.

    One read, then, for the customers it did not find, one multi-row insert that skips any a
    concurrent writer inserted meanwhile, and one more read for those. Rows go in sorted order, so
    two concurrent batches naming the same new customers wait for each other, never deadlock.
    """
    ids = await _ids_of(session, organization_id=organization_id, keys=keys)
    missing = sorted(key for key in keys if key not in ids)
    if missing:
        rows = [
            {
                "id": uuid.uuid4(),
                "organization_id": organization_id,
                "source": source,
                "external_id": external_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for source, external_id in missing
        ]
        inserted = await session.execute(_insert_new(dialect_of(session)), rows)
        ids.update(_by_key(inserted))
        raced = [key for key in missing if key not in ids]
        if raced:
            ids.update(await _ids_of(session, organization_id=organization_id, keys=raced))
    return ids


def _by_key(rows: Result[uuid.UUID, str, str | None]) -> dict[tuple[str, str], uuid.UUID]:
    # external_id is never NULL here: it is what the rows were found or inserted by.
    return {(source, external_id): id_ for id_, source, external_id in rows if external_id is not None}


async def _ids_of(
    session: AsyncSession, *, organization_id: uuid.UUID, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], uuid.UUID]:
    if not keys:
        return {}
    found = await session.execute(
        _ids_of_statement(dialect_of(session)),
        {
            "organization_id": organization_id,
            "sources": list({source for source, _ in keys}),
            "external_ids": list({external_id for _, external_id in keys}),
        },
    )
    wanted = set(keys)
    return {key: id_ for key, id_ in _by_key(found).items() if key in wanted}


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
