"""The engine's connection pool: a fixed set of connections, reused, never more."""

import asyncio
from pathlib import Path

from ideaflow_shared.db import create_engine
from ideaflow_shared.testing import fresh_database_url


async def test_the_pool_reuses_its_connections_and_opens_no_more_than_its_size(tmp_path: Path) -> None:
    engine = create_engine(await fresh_database_url("ideaflow_test_pool", tmp_path), pool_size=2)
    busiest = 0

    async def use_a_connection() -> int:
        nonlocal busiest
        async with engine.connect() as connection:
            busiest = max(busiest, engine.pool.checkedout())  # type: ignore[attr-defined]
            raw = await connection.get_raw_connection()
            await asyncio.sleep(0.02)
            return id(raw.driver_connection)

    try:
        first = {await task for task in [asyncio.ensure_future(use_a_connection()) for _ in range(6)]}
        second = set(await asyncio.gather(*(use_a_connection() for _ in range(6))))
    finally:
        await engine.dispose()

    assert busiest == 2
    assert len(first) == 2
    assert second == first  # the same two connections: none closed and opened again
