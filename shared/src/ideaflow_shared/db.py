"""Async database access: engines, one transaction per request, portable column types."""

import datetime as dt
import functools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, DateTime, MetaData, any_, bindparam, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator

WRITE_TRANSACTION = "ideaflow_write_transaction"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A service's own MetaData, with the constraint naming convention Alembic relies on."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def create_engine(url: str, *, pool_size: int = 20, **options: Any) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    The pool keeps up to `pool_size` connections and opens no more (no overflow). On PostgreSQL
    that matters:
    overflow connections are closed as soon as they are returned, so under steady concurrency
    above the pool they were opened again and again, each with its TLS attempt, its settings and an
    empty prepared-statement cache. At 16 concurrent feedback creates that churn cost 2-8 % of the
    throughput and 15-30 % of the p99 (docs/performance.md).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=0, **options)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A writing transaction takes the write lock up front: a deferred one that reads
            # first fails at once with SQLITE_BUSY when another writer got there in between.
            immediate = connection.get_execution_options().get(WRITE_TRANSACTION, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # No pre-ping: it costs every request a round trip. A connection the server has closed is
    # found on use instead; SQLAlchemy then empties the pool and that one request answers 503
    # (see problems.py), so after a database restart each process fails one request, not all.
    #
    # Every statement is planned for its actual values: asyncpg prepares statements, and after five
    # runs PostgreSQL may switch to a generic plan that misjudges how many rows a value matches (a
    # common search word read 57,000 rows instead of 1,000; a 1,000-key IN list was searched
    # linearly per row). Planning costs tens of microseconds; a bad plan costs hundreds of ms.
    #
    # No JIT: our statements are short, and a batch's statement estimated above jit_above_cost
    # (a LATERAL lookup per item, say) spent ~275 ms compiling to run for ~100 ms.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan", "jit": "off"}},
        **options,
    )


@functools.cache
def insert_skipping_duplicates(dialect: str, table: Any, *unique: str) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (unique…) DO NOTHING` in `dialect` (`dialect_of(session)`: PostgreSQL or SQLite).

    The unique constraint decides which of two concurrent writers inserts a row, without a savepoint;
    the caller finds the rows it did not insert (a RETURNING clause leaves them out). `table` is a
    Table or a mapped class. Built once per table: keep what you build from it too, as a statement
    built per call costs more CPU than running it.
    """
    statement = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return statement.on_conflict_do_nothing(index_elements=list(unique))


def one_of(column: ColumnElement[Any] | QueryableAttribute[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` equals one of the values of the list bound as `name`, in `dialect`.

    On PostgreSQL one array parameter (`= ANY(:name)`): the statement's text, and so asyncpg's
    prepared statement, stay the same whatever the list's length, and nothing is rendered per value.
    A 1,000-value expanding IN cost 6.8 ms of Python and 3.6 ms of PostgreSQL CPU against 2.0 and 1.9
    (docs/performance.md). SQLite gets an expanding IN.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


SWEEP_INTERVAL_SECONDS = 60
_last_sweeps: dict[str, float] = {}


def sweep_due(name: str) -> bool:
    """Whether the sweep `name` (expired rows deleted on the way through a request) should run now: true at
    most once a minute per name and process, so a busy endpoint does not pay for it on every call."""
    now = time.monotonic()
    if _last_sweeps.get(name, -SWEEP_INTERVAL_SECONDS) > now - SWEEP_INTERVAL_SECONDS:
        return False
    _last_sweeps[name] = now
    return True


def dialect_of(session: AsyncSession) -> str:
    """`postgresql` or `sqlite`."""
    return session.get_bind().dialect.name


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def writing(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A write transaction outside a request (background jobs), committed when the block ends.

    Begun as a writer, so SQLite takes its write lock first instead of failing to upgrade a reader.
    """
    async with sessionmaker() as session:
        await session.connection(execution_options={WRITE_TRANSACTION: True})
        yield session
        await session.commit()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed once after the handler, rolled back on any error.

    `scope="function"` makes the commit happen before the response is sent, so a client
    never sees a success for a transaction that then fails to commit.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        if request.method not in _READ_METHODS:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
