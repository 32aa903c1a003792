"""Feedback ingest through the gateway on PostgreSQL: batches of 1,000 items and single creates.

Starts the feedback service and the gateway with their production command lines (one worker each,
or `--workers` for the service; log level warning) on fresh PostgreSQL databases, creates an API key, then
- for each of `--batch-concurrency` (default 1,2): posts `--items` feedback items (default 100,000)
  as batches of `--batch-size` (default 1,000) over that many connections to
  `POST /v1/feedback/batches`, every item a new (source, external id) with a customer out of 5,000
  and a text drawn from a fixed vocabulary (seeded, nearly every text distinct), so sentiment, kind
  suggestion and theme assignment run on every item;
- for `--singles-seconds` (default 20) posts single items to `POST /v1/feedback` at concurrency 16 with
  wrk and `feedback_singles.lua` (each a new item with its own `Idempotency-Key`). wrk, not Python: a
  Python client spent 1.25 ms of CPU per request on these two cores, a fifth of the machine.
The service assigns themes in the background after answering, so each part then waits until every
stored item is assigned. Prints items/s (batches) and requests/s with the median and p99 latency
(singles), then how long the assignment lagged behind the last answer and the rate including it,
the answers by status (a 504 from the gateway's upstream timeout counts as a failure, not a crash),
each with the CPU time per item of the feedback service, the gateway and the PostgreSQL backends
serving the service (from /proc, up to the last assignment), and the load average. The processes
are stopped and the databases dropped, whatever happens. `--items 0` or `--singles-seconds 0` skips that
part.

    .venv/bin/python bench/feedback_ingest.py [--items 100000] [--batch-size 1000] [--singles-seconds 20] [--workers 1]
        [--batch-concurrency 1,2] [--database ideaflow_bench_feedback_ingest]
"""

import argparse
import asyncio
import os
import random
import re
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx

import harness

DATABASE = "ideaflow_bench_feedback_ingest"
SINGLES_SCRIPT = Path(__file__).with_name("feedback_singles.lua")
# fmt: off
WORDS = (
    "export", "invoice", "slow", "crashes", "love", "please", "add", "dark", "mode", "report", "weekly",
    "search", "filter", "mobile", "app", "login", "password", "reset", "great", "terrible", "support",
    "checkout", "coupon", "delivery", "late", "order", "repeat", "calendar", "sync", "team", "permissions",
)
# fmt: on


async def _per_item_ms(meter: harness.CpuMeter, items: int) -> str:
    spent = await meter.spent()
    return ", ".join(f"{name} {seconds * 1000 / items:.2f}" for name, seconds in spent.items()) + (
        f" CPU ms/item; load average {harness.load_average():.1f}"
    )


async def _assigned(database: str) -> str:
    """Wait until the theme assigner has assigned every stored item; the lag and the rate including it."""
    answered = time.perf_counter()
    connection = await asyncpg.connect(f"{harness.POSTGRES}/{database}")
    try:
        while True:
            if not await connection.fetchval("SELECT EXISTS (SELECT 1 FROM theme_pending)"):
                break
            await asyncio.sleep(0.05)
        assigned = time.perf_counter()
        unassigned = await connection.fetchval(
            "SELECT count(*) FROM feedback_items f"
            " WHERE NOT EXISTS (SELECT 1 FROM theme_assignments a WHERE a.feedback_id = f.id)"
        )
        stored = await connection.fetchval("SELECT count(*) FROM feedback_items")
    finally:
        await connection.close()
    assert unassigned == 0, f"{unassigned} stored items have no theme"
    return (
        f"every item assigned {(assigned - answered) * 1000:,.0f} ms after the last answer"
        f" ({stored:,} stored so far, {unassigned} without a theme)"
    )


def _item(rng: random.Random, source: str, number: int) -> dict[str, Any]:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))).capitalize() + "."
    return {
        "text": text,
        "channel": "crm",
        "source": source,
        "external_id": f"item-{number}",
        "customer_ref": f"customer-{number % 5_000}",
    }


async def _batches(client: httpx.AsyncClient, items: int, size: int, concurrency: int) -> tuple[float, Counter[int]]:
    """Items stored per second, and the answers by status (a failed batch counts, it is not retried)."""
    rng = random.Random(20261128 + concurrency)
    source = f"bench-batch-{concurrency}"
    bodies = [[_item(rng, source, start + n) for n in range(size)] for start in range(0, items, size)]
    queue = list(reversed(bodies))
    statuses: Counter[int] = Counter()
    stored = 0

    async def worker() -> None:
        nonlocal stored
        while queue:
            response = await client.post("/v1/feedback/batches", json=queue.pop())
            statuses[response.status_code] += 1
            if response.status_code == 200:
                assert response.json()["created"] == size, response.text[:300]
                stored += size

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stored / (time.perf_counter() - started), statuses


def _singles(stack: harness.Stack, seconds: int, connections: int = 16) -> tuple[harness.WrkRun, Counter[int]]:
    """wrk posting single creates for `seconds`: its figures, and the answers by status."""
    environment = {**os.environ, "IDEAFLOW_BENCH_WORDS": " ".join(WORDS), "IDEAFLOW_BENCH_RUN": uuid.uuid4().hex}
    command = [harness.WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(SINGLES_SCRIPT), "-H", f"X-API-Key: {stack.api_key}", stack.gateway_url + "/v1/feedback"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=environment).stdout
    statuses = Counter({int(status): int(count) for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.M)})
    return harness.parse_wrk(output), statuses


async def _run(
    stack: harness.Stack, database: str, items: int, size: int, singles_seconds: int, batch_concurrency: list[int]
) -> None:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    headers = {"X-API-Key": stack.api_key}
    meter = harness.CpuMeter(stack.pids, database)
    async with httpx.AsyncClient(base_url=stack.gateway_url, headers=headers, timeout=300, limits=limits) as client:
        for concurrency in batch_concurrency if items else []:
            await meter.begin()
            started = time.perf_counter()
            rate, statuses = await _batches(client, items, size, concurrency)
            print(f"batches: {items} items in batches of {size}, concurrency {concurrency}: {rate:,.0f} items/s")
            lag = await _assigned(database)
            print(f"  {lag}; {items / (time.perf_counter() - started):,.0f} items/s including theme assignment")
            print(f"  answers by status {dict(statuses)}; {await _per_item_ms(meter, items)}", flush=True)
    if not singles_seconds:
        return
    await meter.begin()
    started = time.perf_counter()
    run, statuses = _singles(stack, singles_seconds)
    created = statuses[201]
    print(
        f"singles: {run.requests} creates in {singles_seconds} s at concurrency 16 (wrk): "
        f"{run.requests_per_second:,.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms"
    )
    lag = await _assigned(database)
    print(f"  {lag}; {created / (time.perf_counter() - started):,.0f} req/s including theme assignment")
    print(f"  answers by status {dict(statuses)}; {await _per_item_ms(meter, created)}", flush=True)
    if created != run.requests:
        raise SystemExit(f"only {created} of {run.requests} answers were 201 Created")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--singles-seconds", type=int, default=20, help="how long wrk posts single creates")
    parser.add_argument("--batch-concurrency", default="1,2", help="comma-separated; one run per value")
    parser.add_argument(
        "--database", default=DATABASE, help="the service's database name; the gateway's gets `_gateway` added"
    )
    parser.add_argument("--workers", type=int, default=1, help="the feedback service's WORKERS")
    arguments = parser.parse_args()
    print(harness.machine_speed_line(), flush=True)
    databases = {"feedback": arguments.database, "gateway": f"{arguments.database}_gateway"}
    settings = {"feedback": {"WORKERS": str(arguments.workers)}}
    with harness.service_behind_gateway("feedback", databases, roles="member", settings=settings) as stack:
        concurrencies = [int(value) for value in arguments.batch_concurrency.split(",")]
        asyncio.run(
            _run(
                stack,
                arguments.database,
                arguments.items,
                arguments.batch_size,
                arguments.singles_seconds,
                concurrencies,
            )
        )


if __name__ == "__main__":
    main()
