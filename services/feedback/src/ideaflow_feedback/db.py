"""The feedback service's own tables live in this metadata."""

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert

from ideaflow_shared.db import new_metadata
from ideaflow_shared.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = new_metadata()


idempotency_keys = idempotency_table(Base.metadata)


def insert_skipping_duplicates(session: AsyncSession, entity: type[Base], *unique: str) -> Insert:
    """`INSERT … ON CONFLICT (unique…) DO NOTHING` in the session's dialect (PostgreSQL or SQLite).

    The unique constraint decides which of two concurrent writers inserts a row, without a savepoint
    per row; the caller finds the rows it did not insert (the RETURNING clause leaves them out).
    """
    dialect = session.get_bind().dialect.name
    statement = postgresql.insert(entity) if dialect == "postgresql" else sqlite.insert(entity)
    return statement.on_conflict_do_nothing(index_elements=list(unique))


async def plan_for_these_values(session: AsyncSession) -> None:
    """Have PostgreSQL plan each statement of this transaction for its actual values.

    asyncpg prepares every statement, and after five runs PostgreSQL may switch to a generic plan
    that searches a long `IN (...)` list linearly for every row: a batch's lookup of 1,000 keys
    took 100-200 ms instead of 5-10 ms. `SET LOCAL` ends with the transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
