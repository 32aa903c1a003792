"""All SQL for feedback items. Every query is scoped to one organisation."""

import datetime as dt
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Insert, Select, Table, Text, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel, FeedbackKind, FeedbackStatus
from ideaflow_feedback.feedback.schemas import FeedbackOrder
from ideaflow_shared.db import dialect_of, one_of
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class FeedbackFilters:
    channel: FeedbackChannel | None = None
    kind: FeedbackKind | None = None
    status: FeedbackStatus | None = None
    source: str | None = None
    customer_ref: str | None = None
    customer_id: uuid.UUID | None = None
    product_area: str | None = None
    received_after: dt.datetime | None = None
    received_before: dt.datetime | None = None
    merged_into_id: uuid.UUID | None = None


FEEDBACK = cast(Table, Feedback.__table__)


def _unnest_insert(table: Table, names: tuple[str, ...]) -> postgresql.Insert:
    """`INSERT INTO table (names) SELECT * FROM unnest(<one array per column>)` (PostgreSQL).

    A thousand rows are one statement of one parameter per column, so SQLAlchemy compiles it once,
    asyncpg encodes the arrays in C and PostgreSQL parses and plans it like one row; a multi-row
    VALUES list has a parameter per value, each processed in Python and parsed by the server. JSON
    columns travel as text (`_json_text`) and are cast back.
    """
    arrays = (
        func.unnest(
            *(
                bindparam(
                    name, type_=postgresql.ARRAY(postgresql.TEXT() if _is_json(table, name) else table.c[name].type)
                )
                for name in names
            )
        )
        .table_valued(*names)
        .render_derived(name="new_rows")
    )
    values = [arrays.c[name].cast(table.c[name].type) if _is_json(table, name) else arrays.c[name] for name in names]
    return postgresql.insert(table).from_select(list(names), select(*values))


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)


def _json_text(value: object) -> str | None:
    """orjson: several times faster than the json module on vectors; integer keys become strings, as there."""
    return None if value is None else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(frozen=True, slots=True)
class _RowsInsert:
    statement: Insert
    json_columns: frozenset[str]  # sent as text on PostgreSQL


@functools.cache
def _rows_insert(
    dialect: str,
    table: Table,
    names: tuple[str, ...],
    skip_duplicates_of: tuple[str, ...],
    returning: str | None,
    *,
    arrays: bool,
) -> _RowsInsert:
    """Built once per shape: building the statement and its cache key costs more CPU than running it.

    On PostgreSQL, `arrays` inserts one array per column (`_unnest_insert`), else one row's VALUES,
    which costs both sides less for a single row; JSON columns are sent as text either way and cast
    back, so both store the same JSON text. On SQLite, a multi-row VALUES list.
    """
    json_columns = (
        frozenset(name for name in names if _is_json(table, name)) if dialect == "postgresql" else frozenset()
    )
    statement: postgresql.Insert | sqlite.Insert
    if arrays:
        statement = _unnest_insert(table, names)
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(
            {
                name: bindparam(name, type_=Text()).cast(table.c[name].type)
                if name in json_columns
                else bindparam(name, type_=table.c[name].type)
                for name in names
            }
        )
    else:
        statement = sqlite.insert(table)
    if skip_duplicates_of:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_duplicates_of))
    if returning is None:
        return _RowsInsert(statement, json_columns)
    return _RowsInsert(statement.returning(table.c[returning]), json_columns)


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_duplicates_of: tuple[str, ...] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (dicts with the same keys) as one statement; with `skip_duplicates_of` (a unique
    constraint's columns) rows that would break it are left out. Answers the `returning` column of
    the rows inserted, if asked.

    On PostgreSQL one array per column (`_unnest_insert`), or one row's VALUES; on SQLite a
    multi-row VALUES list.
    """
    if not rows:
        return []
    dialect = dialect_of(session)
    arrays = dialect == "postgresql" and len(rows) > 1
    insert_ = _rows_insert(dialect, table, tuple(rows[0]), skip_duplicates_of, returning, arrays=arrays)
    json_columns = insert_.json_columns
    parameters: Any
    if arrays:
        parameters = {
            name: [_json_text(row[name]) for row in rows] if name in json_columns else [row[name] for row in rows]
            for name in rows[0]
        }
    elif json_columns:
        parameters = {name: _json_text(value) if name in json_columns else value for name, value in rows[0].items()}
    else:
        parameters = list(rows)
    if returning is None:
        await session.execute(insert_.statement, parameters)
        return []
    return list((await session.scalars(insert_.statement, parameters)).all())


async def get_feedback(session: AsyncSession, *, organization_id: uuid.UUID, feedback_id: uuid.UUID) -> Feedback | None:
    return await session.scalar(
        select(Feedback).where(Feedback.organization_id == organization_id, Feedback.id == feedback_id)
    )


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows whose (source, external_id) is not stored yet, and answer the ids inserted.

    The unique constraint decides, not a read before the write: of two concurrent posts of one item
    exactly one inserts it (on PostgreSQL the other waits for its commit), and the caller updates
    what it did not insert. Rows go in the order given: callers sort them, so writers never deadlock.
    No ORM objects: a batch needs only which rows went in.
    """
    inserted = await insert_rows(
        session, FEEDBACK, rows, skip_duplicates_of=("organization_id", "source", "external_id"), returning="id"
    )
    return set(inserted)


@functools.cache
def _by_external_ids(dialect: str) -> Select[Feedback]:
    """Two plain lists of values, not a row-value IN, so PostgreSQL uses the unique index (see customers)."""
    return select(Feedback).where(
        Feedback.organization_id == bindparam("organization_id"),
        one_of(Feedback.source, "sources", dialect),
        one_of(Feedback.external_id, "external_ids", dialect),
    )


async def find_by_external_ids(
    session: AsyncSession, *, organization_id: uuid.UUID, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Feedback]:
    if not keys:
        return {}
    parameters = {
        "organization_id": organization_id,
        "sources": list({source for source, _ in keys}),
        "external_ids": list({external_id for _, external_id in keys}),
    }
    found = await session.scalars(_by_external_ids(dialect_of(session)), parameters)
    wanted = set(keys)
    return {key: item for item in found if (key := (item.source, item.external_id or "")) in wanted}


async def list_feedback(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: FeedbackFilters,
    order: FeedbackOrder,
    page: PageRequest,
) -> tuple[Sequence[Feedback], str | None]:
    statement = select(Feedback).where(Feedback.organization_id == organization_id)
    if filters.channel is not None:
        statement = statement.where(Feedback.channel == filters.channel)
    if filters.source is not None:
        statement = statement.where(Feedback.source == filters.source)
    if filters.kind is not None:
        statement = statement.where(Feedback.kind == filters.kind)
    if filters.status is not None:
        statement = statement.where(Feedback.status == filters.status)
    if filters.customer_ref is not None:
        statement = statement.where(Feedback.customer_ref == filters.customer_ref)
    if filters.customer_id is not None:
        statement = statement.where(Feedback.customer_id == filters.customer_id)
    if filters.product_area is not None:
        statement = statement.where(Feedback.product_area == filters.product_area)
    if filters.received_after is not None:
        statement = statement.where(Feedback.received_at >= filters.received_after)
    if filters.received_before is not None:
        statement = statement.where(Feedback.received_at < filters.received_before)
    if filters.merged_into_id is not None:
        statement = statement.where(Feedback.merged_into_id == filters.merged_into_id)
    sort_column = Feedback.created_at if order.value.endswith("created_at") else Feedback.received_at
    statement = paginate(
        statement,
        keys=[sort_column, Feedback.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda item: (getattr(item, sort_column.key), item.id)
    )
