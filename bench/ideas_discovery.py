"""Idea lists, full-text search and the similarity check with 100,000 ideas in PostgreSQL or SQLite.

Starts the ideas service with its production command line (one worker, log level warning) on a
fresh database, bulk-loads 100,000 ideas of one organisation (two tags each) with COPY on
PostgreSQL or multi-row inserts in one transaction on SQLite (the search documents are made by the
migration's triggers as rows arrive; vocabulary drawn from a fixed word list, seeded), then times,
one request at a time over loopback HTTP: the first list page, filtered pages, a page at depth
50,000, searches for a rare, a common and a two-word query, and the similarity check for a typed
draft, printing the median, the p95 and the service process's CPU time per request, and the load
average. The process is stopped and the database dropped, whatever happens.

    .venv/bin/python bench/ideas_discovery.py [--engine postgresql|sqlite] [--rows 100000] [--requests 100]
"""

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, new_identity

import harness

DATABASE = "ideaflow_bench_ideas_discovery"
STAGES = ("submitted", "screening", "backlog", "parked")
CATEGORIES = ("product", "service", "process", "customer_experience", "cost", "workplace", "other")
RARE = "zeppelin"
# Every this-many-th idea is adopted: a stage few ideas reach, for a filtered list that finds few.
ADOPTED_EVERY = 2000
IDEA_COLUMNS = (
    "id",
    "organization_id",
    "title",
    "problem",
    "proposal",
    "expected_benefit",
    "category",
    "stage",
    "author_id",
    "attachments",
    "up_votes",
    "dots",
    "created_at",
    "updated_at",
    "version",
)


def _rows(organization_id: uuid.UUID, owner: str, rows: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(20261128)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    ideas: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    for number in range(rows):
        at = start + dt.timedelta(seconds=number)
        idea_id = uuid.uuid4()
        problem = harness.sentence(rng, 14) + (f" {RARE}" if number % 5000 == 0 else "")
        stage = "adopted" if number % ADOPTED_EVERY == 1 else STAGES[number % len(STAGES)]
        ideas.append(
            (
                idea_id,
                organization_id,
                harness.sentence(rng, 4),
                problem,
                harness.sentence(rng, 12),
                "",
                CATEGORIES[number % len(CATEGORIES)],
                stage,
                owner,
                "[]",
                0,
                0,
                at,
                at,
                1,
            )
        )
        tags += [(idea_id, tag) for tag in sorted(set(rng.sample(harness.SHOP_WORDS, 2)))]
    return ideas, tags


async def _load_postgres(organization_id: uuid.UUID, owner: str, rows: int) -> None:
    ideas, tags = _rows(organization_id, owner, rows)
    connection = await asyncpg.connect(f"{harness.POSTGRES}/{DATABASE}")
    try:
        await connection.copy_records_to_table("ideas", records=ideas, columns=IDEA_COLUMNS)
        await connection.copy_records_to_table("idea_tags", records=tags, columns=["idea_id", "tag"])
        # Each tag rewrote its idea's search document (trigger): clear the dead rows as autovacuum would.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def _load_sqlite(path: Path, organization_id: uuid.UUID, owner: str, rows: int) -> None:
    """As SQLAlchemy stores them: UUIDs as 32 hex digits, times as naive UTC ISO strings."""
    ideas, tags = _rows(organization_id, owner, rows)

    def stored(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    connection = sqlite3.connect(path)
    try:
        with connection:
            marks = ", ".join("?" * len(IDEA_COLUMNS))
            connection.executemany(
                f"INSERT INTO ideas ({', '.join(IDEA_COLUMNS)}) VALUES ({marks})",  # noqa: S608 (constants)
                ([stored(value) for value in idea] for idea in ideas),
            )
            connection.executemany(
                "INSERT INTO idea_tags (idea_id, tag) VALUES (?, ?)", ((stored(i), tag) for i, tag in tags)
            )
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def _measure(service: harness.Server, rows: int, requests: int, sqlite_path: Path | None) -> None:
    identity = new_identity("manager")
    started = time.perf_counter()
    if sqlite_path is None:
        await _load_postgres(identity.organization_id, identity.principal_id, rows)
    else:
        _load_sqlite(sqlite_path, identity.organization_id, identity.principal_id, rows)
    print(f"loaded {rows} ideas (with their search documents) in {time.perf_counter() - started:.1f} s")
    service.wait_until_up("/readyz")
    async with httpx.AsyncClient(
        base_url=service.url, headers={INTERNAL_TOKEN_HEADER: identity.token}, timeout=30
    ) as client:
        token = await harness.page_token_at(client, "/v1/ideas", rows // 2)  # a deep cursor
        draft = {"title": "Coupon for regular", "text": "customers of the bakery want a loyalty card"}
        long_draft = {
            "title": "Loyalty card instead of paper coupons",
            "text": "Regular customers of the bakery shop lose paper coupons; a loyalty card with a discount on "
            "every tenth lunch, a birthday reminder and weekend tasting samples would bring them back.",
        }
        cases: list[tuple[str, str, str, dict[str, Any]]] = [
            ("list, first page (20)", "GET", "/v1/ideas", {}),
            (f"list, depth {rows // 2} (20)", "GET", "/v1/ideas", {"params": {"page_token": str(token)}}),
            (
                "list filtered stage+category (20)",
                "GET",
                "/v1/ideas",
                {"params": {"stage": "backlog", "category": "cost"}},
            ),
            (f"list filtered stage, 1 in {ADOPTED_EVERY}", "GET", "/v1/ideas", {"params": {"stage": "adopted"}}),
            ("list filtered by tag (20)", "GET", "/v1/ideas", {"params": {"tag": "coupon"}}),
            ("search rare word", "GET", "/v1/ideas/search", {"params": {"q": RARE}}),
            ("search common word", "GET", "/v1/ideas/search", {"params": {"q": "coupon"}}),
            ("search two words", "GET", "/v1/ideas/search", {"params": {"q": "coupon delivery"}}),
            ("similar (draft of 10 words)", "POST", "/v1/ideas/similar", {"json": draft}),
            ("similar (draft of 40 words)", "POST", "/v1/ideas/similar", {"json": long_draft}),
        ]
        print(f"load average before timing: {harness.load_averages()}")
        for label, method, path, kwargs in cases:
            timed = await harness.time_requests(client, service.process.pid, method, path, requests, **kwargs)
            median, p95 = statistics.median(timed.milliseconds), harness.percentile(timed.milliseconds, 0.95)
            body = timed.warm_up_response.json()
            count = len(body.get("items", body.get("matches", [])))
            print(
                f"{label:36} median {median:7.2f} ms   p95 {p95:7.2f} ms   cpu {timed.cpu_ms_per_request:5.2f} ms"
                f"   ({count} items)"
            )
        print(f"load average after timing: {harness.load_averages()}")


def main(engine: str, rows: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        sqlite_path = Path(directory) / "ideas.db" if engine == "sqlite" else None
        database: AbstractContextManager[None]  # a PostgreSQL database made and dropped, or nothing to do
        if sqlite_path is None:
            url, database = harness.database_url(DATABASE), harness.fresh_databases(DATABASE)
        else:
            url, database = f"sqlite+aiosqlite:///{sqlite_path}", nullcontext()
        settings = {"DATABASE_URL": url, "INTERNAL_TOKEN_SECRET": TEST_TOKEN_SECRET}
        with database, harness.serving("ideas", settings) as service:
            asyncio.run(_measure(service, rows, requests, sqlite_path))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.engine, arguments.rows, arguments.requests)
