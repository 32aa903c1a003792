"""Idempotency-Key for creating POSTs, stored in the service's own database.

The key row is written in the same transaction as the object it creates, so a retry either
sees both or neither. A concurrent duplicate waits for the first to finish and replays its
answer; one that finds the key claimed but unanswered gets 409.
"""

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Delete,
    Insert,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    Update,
    Uuid,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_shared.db import UTCDateTime, dialect_of, insert_skipping_duplicates, sweep_due, utcnow
from ideaflow_shared.jsonutil import dumps
from ideaflow_shared.problems import Conflict, UnprocessableContent, problem_responses

KEY_RETENTION = dt.timedelta(hours=24)
REPLAY_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "Any unique string (a UUID is ideal). A retry with the same key and body replays the first "
            "response; the same key with another body is refused (422). Keys are kept for 24 hours."
        ),
    ),
]


def location_header(subject: str | None = None, *, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI `headers` entry of a response that carries a `Location`.

    Name its `subject` for the usual sentence (`"new idea"`: "The new idea's URL."), or give the
    whole `description` where that sentence would not fit.
    """
    text = description or f"The {subject}'s URL."
    return {"Location": {"description": text, "schema": {"type": "string"}}}


def idempotency_conflict() -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses=` entry of the 409 a retry gets while the first request is still running."""
    description = "A request with the same Idempotency-Key is still in progress."
    return {409: {**problem_responses(409)[409], "description": description}}


def idempotency_table(metadata: MetaData) -> Table:
    """The `idempotency_keys` table, declared in a service's own metadata."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("organization_id", Uuid, primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", LargeBinary(32), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("location", String(512), nullable=True),
        Column("etag", String(64), nullable=True),
        Column("body", Text, nullable=True),
        Column("created_at", UTCDateTime, nullable=False, index=True),
    )


@dataclass(frozen=True, slots=True)
class Created:
    """What a create operation answers: the object, where it lives and its ETag.

    `status` is 201 unless the operation found the object already there (an upsert answers 200).
    """

    body: BaseModel
    location: str
    etag: str | None = None
    status: int = 201


def _created_response(status: int, body: bytes | str, location: str | None, etag: str | None) -> Response:
    headers = {}
    if location:
        headers["Location"] = location
    if etag:
        headers["ETag"] = etag
    return Response(content=body, status_code=status, media_type="application/json", headers=headers)


@dataclass(frozen=True, slots=True)
class _Statements:
    """A key table's statements, built once: a statement built per call costs more CPU than running it."""

    claim: Insert
    find: Select[Any]
    reclaim: Update
    answer: Update
    sweep: Delete


@functools.cache
def _statements(table: Table, dialect: str) -> _Statements:
    columns = table.c
    scope = (columns.organization_id == bindparam("scope_organization_id")) & (columns.key == bindparam("scope_key"))
    return _Statements(
        claim=insert_skipping_duplicates(dialect, table, "organization_id", "key")
        .values(
            organization_id=bindparam("scope_organization_id"),
            key=bindparam("scope_key"),
            fingerprint=bindparam("fingerprint"),
            created_at=bindparam("now"),
        )
        .returning(columns.key),
        find=select(table).where(scope),
        reclaim=update(table)
        .where(scope)
        .values(
            fingerprint=bindparam("fingerprint"),
            created_at=bindparam("now"),
            status_code=None,
            location=None,
            etag=None,
            body=None,
        ),
        answer=update(table).where(scope),
        sweep=delete(table).where(columns.created_at < bindparam("expired_before")),
    )


async def _sweep_expired(session: AsyncSession, statements: _Statements, table: Table) -> None:
    """Delete every expired key, at most once a minute per table and process (an indexed range)."""
    if sweep_due(table.name):
        await session.execute(statements.sweep, {"expired_before": utcnow() - KEY_RETENTION})


async def create_idempotently(
    session: AsyncSession,
    *,
    table: Table,
    organization_id: uuid.UUID,
    key: str | None,
    request: BaseModel,
    create: Callable[[], Awaitable[Created]],
) -> Response:
    """Run `create` once per (organisation, key) and answer every retry with the first response."""
    if key is None:
        created = await create()
        return _created_response(created.status, created.body.model_dump_json(), created.location, created.etag)

    fingerprint = hashlib.sha256(dumps(request.model_dump(mode="json"))).digest()
    statements = _statements(table, dialect_of(session))
    scope = {"scope_organization_id": organization_id, "scope_key": key}
    # Claim the key in one statement. On PostgreSQL a concurrent claim of the same key waits here
    # until the first transaction ends, then finds its row (and replays its response).
    claimed = await session.execute(statements.claim, {**scope, "fingerprint": fingerprint, "now": utcnow()})
    if claimed.first() is None:
        stored = (await session.execute(statements.find, scope)).one()
        if stored.created_at >= utcnow() - KEY_RETENTION:
            if stored.fingerprint != fingerprint:
                raise UnprocessableContent.at(
                    "/header/Idempotency-Key", "This key was already used with a different request body."
                )
            if stored.status_code is None:
                raise Conflict("A request with this Idempotency-Key is still in progress; retry shortly.")
            response = _created_response(stored.status_code, stored.body, stored.location, stored.etag)
            response.headers[REPLAY_HEADER] = "true"
            return response
        # Expired but not swept yet: the key is free again.
        await session.execute(statements.reclaim, {**scope, "fingerprint": fingerprint, "now": utcnow()})
    await _sweep_expired(session, statements, table)
    created = await create()
    body = created.body.model_dump_json()
    answer = {"status_code": created.status, "location": created.location, "etag": created.etag, "body": body}
    await session.execute(statements.answer, {**scope, **answer})
    return _created_response(created.status, body, created.location, created.etag)
