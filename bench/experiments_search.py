"""List pages and full-text search with 100,000 experiments and 100,000 learnings in PostgreSQL.

Starts the experiments service with its production command line (one worker, log level warning)
on a fresh PostgreSQL database, bulk-loads 100,000 experiments and 100,000 learnings of one
organisation with COPY (vocabulary drawn from a fixed word list, seeded), then times, one request
at a time over loopback HTTP: the first and a deep (rows/2) list page of learnings, and searches for a rare,
a common and a two-word query (learnings and experiments together), printing the median, the p95
and the service process's CPU time per request, and the load average.
The process is stopped and the database dropped, whatever happens.

    .venv/bin/python bench/experiments_search.py [--rows 100000] [--requests 100]
"""

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid

import asyncpg
import httpx

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, new_identity

import harness

DATABASE = "ideaflow_bench_experiments_search"
RARE = "zeppelin"


async def _load(organization_id: uuid.UUID, owner: str, rows: int) -> None:
    rng = random.Random(20261128)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    experiments, learnings = [], []
    for number in range(rows):
        at = start + dt.timedelta(seconds=number)
        hypothesis = "We believe that " + harness.sentence(rng, 14) + (f" {RARE}" if number % 5000 == 0 else "")
        experiments.append(
            (
                uuid.uuid4(),
                organization_id,
                uuid.uuid4(),
                harness.sentence(rng, 4),
                hypothesis,
                harness.sentence(rng, 10),
                "ab_test",
                "draft",
                owner,
                at,
                at,
                1,
            )
        )
        learnings.append(
            (
                uuid.uuid4(),
                organization_id,
                harness.sentence(rng, 4),
                harness.sentence(rng, 12),
                harness.sentence(rng, 12),
                harness.sentence(rng, 12) + (f" {RARE}" if number % 5000 == 1 else ""),
                harness.sentence(rng, 10),
                "confirmed",
                "[]",
                at,
                at,
                1,
            )
        )
    connection = await asyncpg.connect(f"{harness.POSTGRES}/{DATABASE}")
    try:
        await connection.copy_records_to_table(
            "experiments",
            records=experiments,
            columns=[
                "id",
                "organization_id",
                "idea_id",
                "title",
                "hypothesis",
                "test_description",
                "type",
                "status",
                "owner_id",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await connection.copy_records_to_table(
            "learnings",
            records=learnings,
            columns=[
                "id",
                "organization_id",
                "title",
                "we_believed",
                "we_observed",
                "we_learned",
                "therefore_we_will",
                "kind",
                "tags",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        # As autovacuum would after a bulk load (visibility map, statistics).
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def _measure(service: harness.Server, rows: int, requests: int) -> None:
    identity = new_identity("manager")
    started = time.perf_counter()
    await _load(identity.organization_id, identity.principal_id, rows)
    print(f"loaded {rows} experiments and {rows} learnings in {time.perf_counter() - started:.1f} s")
    service.wait_until_up("/readyz")
    async with httpx.AsyncClient(
        base_url=service.url, headers={INTERNAL_TOKEN_HEADER: identity.token}, timeout=30
    ) as client:
        token = await harness.page_token_at(client, "/v1/learnings", rows // 2)  # a deep cursor
        cases = [
            ("learnings list, first page (20)", "/v1/learnings", {}),
            (f"learnings list, depth {rows // 2} (20)", "/v1/learnings", {"page_token": str(token)}),
            ("experiments list, first page (20)", "/v1/experiments", {}),
            ("search rare word (all)", "/v1/learnings/search", {"q": RARE}),
            ("search common word (all)", "/v1/learnings/search", {"q": "coupon"}),
            ("search two words (all)", "/v1/learnings/search", {"q": "coupon delivery"}),
            ("search common word (learnings)", "/v1/learnings/search", {"q": "coupon", "scope": "learnings"}),
            ("search common word (experiments)", "/v1/learnings/search", {"q": "coupon", "scope": "experiments"}),
        ]
        print(f"load average before timing: {harness.load_averages()}")
        for label, path, params in cases:
            timed = await harness.time_requests(client, service.process.pid, "GET", path, requests, params=params)
            median, p95 = statistics.median(timed.milliseconds), harness.percentile(timed.milliseconds, 0.95)
            count = len(timed.warm_up_response.json()["items"])
            print(
                f"{label:34} median {median:7.2f} ms   p95 {p95:7.2f} ms   cpu {timed.cpu_ms_per_request:5.2f} ms"
                f"   ({count} items)"
            )
        print(f"load average after timing: {harness.load_averages()}")


def main(rows: int, requests: int) -> None:
    settings = {"DATABASE_URL": harness.database_url(DATABASE), "INTERNAL_TOKEN_SECRET": TEST_TOKEN_SECRET}
    with harness.fresh_databases(DATABASE), harness.serving("experiments", settings) as service:
        asyncio.run(_measure(service, rows, requests))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.rows, arguments.requests)
