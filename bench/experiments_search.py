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
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, free_port, new_identity

BIN = Path(sys.executable).parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "ideaflow_bench_experiments_search"
# fmt: off
WORDS = (
    "customer", "order", "delivery", "price", "coupon", "subscription", "phone", "regular", "bakery", "shop",
    "newsletter", "loyalty", "card", "discount", "bundle", "lunch", "catering", "invoice", "payment",
    "reminder", "review", "booking", "appointment", "repair", "spare", "part", "warranty", "training",
    "onboarding", "checklist", "supplier", "packaging", "recycling", "pickup", "evening", "weekend", "sample",
    "tasting",
)
# fmt: on
RARE = "zeppelin"


def _sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length))


async def _load(organization_id: uuid.UUID, owner: str, rows: int) -> None:
    rng = random.Random(20261128)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    experiments, learnings = [], []
    for number in range(rows):
        at = start + dt.timedelta(seconds=number)
        hypothesis = "We believe that " + _sentence(rng, 14) + (f" {RARE}" if number % 5000 == 0 else "")
        experiments.append(
            (
                uuid.uuid4(),
                organization_id,
                uuid.uuid4(),
                _sentence(rng, 4),
                hypothesis,
                _sentence(rng, 10),
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
                _sentence(rng, 4),
                _sentence(rng, 12),
                _sentence(rng, 12),
                _sentence(rng, 12) + (f" {RARE}" if number % 5000 == 1 else ""),
                _sentence(rng, 10),
                "confirmed",
                "[]",
                at,
                at,
                1,
            )
        )
    connection = await asyncpg.connect(f"{POSTGRES}/{DATABASE}")
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _time(
    client: httpx.AsyncClient, pid: int, path: str, params: dict[str, str], requests: int
) -> tuple[float, float, float, int]:
    """Median and p95 in ms, the service's CPU ms per request, and the number of items answered."""
    response = await client.get(path, params=params)
    response.raise_for_status()
    timings = []
    cpu = _cpu_seconds(pid)
    for _ in range(requests):
        started = time.perf_counter()
        (await client.get(path, params=params)).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    cpu_per_request = (_cpu_seconds(pid) - cpu) * 1000 / requests
    timings.sort()
    return (
        statistics.median(timings),
        timings[int(0.95 * len(timings)) - 1],
        cpu_per_request,
        len(response.json()["items"]),
    )


async def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError("the experiments service stopped during start-up")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the experiments service did not become ready")


async def _measure(url: str, process: subprocess.Popen[bytes], rows: int, requests: int) -> None:
    identity = new_identity("manager")
    started = time.perf_counter()
    await _load(identity.organization_id, identity.principal_id, rows)
    print(f"loaded {rows} experiments and {rows} learnings in {time.perf_counter() - started:.1f} s")
    await _wait_until_ready(url, process)
    async with httpx.AsyncClient(base_url=url, headers={INTERNAL_TOKEN_HEADER: identity.token}, timeout=30) as client:
        token = None
        for _ in range(rows // 200):  # walk to depth rows/2 in pages of 100 for a deep cursor
            params = {"page_size": "100", **({"page_token": token} if token else {})}
            token = (await client.get("/v1/learnings", params=params)).json()["next_page_token"]
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
        print(f"load average before timing: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        for label, path, params in cases:
            median, p95, cpu, count = await _time(client, process.pid, path, params, requests)
            print(f"{label:34} median {median:7.2f} ms   p95 {p95:7.2f} ms   cpu {cpu:5.2f} ms   ({count} items)")
        print(f"load average after timing: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def main(rows: int, requests: int) -> None:
    asyncio.run(_administer(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{DATABASE}"'))
    port = free_port()
    environment = {
        **os.environ,
        "IDEAFLOW_EXPERIMENTS_ENVIRONMENT": "production",
        "IDEAFLOW_EXPERIMENTS_INTERNAL_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "IDEAFLOW_EXPERIMENTS_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}",
        "IDEAFLOW_EXPERIMENTS_PORT": str(port),
        "IDEAFLOW_EXPERIMENTS_LOG_LEVEL": "warning",
    }
    try:
        subprocess.run([str(BIN / "ideaflow-experiments"), "migrate"], env=environment, check=True)
        process = subprocess.Popen([str(BIN / "ideaflow-experiments"), "serve"], env=environment)
        try:
            asyncio.run(_measure(f"http://127.0.0.1:{port}", process, rows, requests))
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        asyncio.run(_administer(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


async def _administer(*statements: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.rows, arguments.requests)
