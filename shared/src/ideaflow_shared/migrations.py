"""Alembic, once for every service: env.py calls `run_env`, code calls `upgrade`/`drift`."""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


_FTS_SHADOW_SUFFIXES = ("data", "idx", "content", "docsize", "config")


def _unmanaged_tables(connection: Connection) -> set[str]:
    """SQLite virtual tables (e.g. FTS5 search indexes) and their shadow tables: migrations create
    them with raw SQL, models cannot declare them, so comparing them with the models is meaningless."""
    if connection.dialect.name != "sqlite":
        return set()
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).all()
    names = {str(row[0]) for row in rows}
    return names | {f"{name}_{suffix}" for name in names for suffix in _FTS_SHADOW_SUFFIXES}


def _is_expression_index(index: Any) -> bool:
    """An index on expressions (e.g. a GIN index on to_tsvector(...)), which models cannot declare portably."""
    return any(not isinstance(expression, Column) for expression in index.expressions)


def _include_object(connection: Connection) -> Any:
    unmanaged = _unmanaged_tables(connection)

    def include(item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return name not in unmanaged
        if type_ == "index" and reflected and compare_to is None:
            return not _is_expression_index(item)
        return True

    return include


def _configure(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object(connection),
    )


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        _configure(connection, metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


async def upgrade(script_location: Path, database_url: str) -> None:
    """Apply every migration (of every branch); safe to call from a running event loop."""
    await asyncio.to_thread(command.upgrade, alembic_config(script_location, database_url), "heads")


async def drift(script_location: Path, database_url: str, metadata: MetaData) -> list[Any]:
    """Upgrade `database_url` to head, then list how the models differ from it (empty: none)."""
    await upgrade(script_location, database_url)
    engine = create_async_engine(database_url, poolclass=pool.NullPool)

    def compare(connection: Connection) -> list[Any]:
        migration_context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _include_object(connection)}
        )
        return list(compare_metadata(migration_context, metadata))

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()
