"""Feedback ingest through the gateway on PostgreSQL: batches of 1,000 items and single creates.

Starts the feedback service and the gateway with their production command lines (one worker each,
log level warning) on fresh PostgreSQL databases, creates an API key, then
- for each of `--batch-concurrency` (default 1,2): posts `--items` feedback items (default 100,000)
  as batches of `--batch-size` (default 1,000) over that many connections to
  `POST /v1/feedback/batches`, every item a new (source, external id) with a customer out of 5,000
  and a text drawn from a fixed vocabulary (seeded, nearly every text distinct), so sentiment, kind
  suggestion and theme assignment run on every item;
- posts `--singles` items (default 4,000) one per `POST /v1/feedback` at concurrency 16.
Prints items/s (batches) and requests/s with the median and p95 latency (singles), the answers by
status (a 504 from the gateway's upstream timeout counts as a failure, not a crash), each with the
CPU time per item of the feedback service, the gateway and the PostgreSQL backends serving the
service (from /proc), and the load average. The processes are stopped and the databases dropped,
whatever happens. `--items 0` or `--singles 0` skips that part.

    .venv/bin/python bench/feedback_ingest.py [--items 100000] [--batch-size 1000] [--singles 4000]
        [--batch-concurrency 1,2]
"""

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ideaflow_shared.testing import free_port

BIN = Path(sys.executable).parent
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASES = {"feedback": "ideaflow_bench_feedback_ingest", "gateway": "ideaflow_bench_feedback_ingest_gateway"}
# fmt: off
WORDS = (
    "export", "invoice", "slow", "crashes", "love", "please", "add", "dark", "mode", "report", "weekly",
    "search", "filter", "mobile", "app", "login", "password", "reset", "great", "terrible", "support",
    "checkout", "coupon", "delivery", "late", "order", "repeat", "calendar", "sync", "team", "permissions",
)
# fmt: on


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _environment(process: str, port: int, secret: str, feedback_url: str) -> dict[str, str]:
    settings = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASES[process]}",
        "INTERNAL_TOKEN_SECRET": secret,
        "PORT": str(port),
        "LOG_LEVEL": "warning",
    }
    if process == "gateway":
        settings["FEEDBACK_URL"] = feedback_url
    prefix = f"IDEAFLOW_{process.upper()}_"
    return {**os.environ, **{prefix + key: value for key, value in settings.items()}}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


async def _postgres_backends() -> list[int]:
    """The PostgreSQL server processes connected to the feedback service's database."""
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", DATABASES["feedback"])
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


class CpuMeter:
    """CPU seconds spent by the feedback service, the gateway and the service's PostgreSQL backends."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start: dict[str, float] = {}
        self.backends: dict[int, float] = {}

    async def begin(self) -> None:
        self.start = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        self.backends = {pid: _cpu_seconds(pid) for pid in await _postgres_backends()}

    async def per_item_ms(self, items: int) -> str:
        spent = {name: _cpu_seconds(pid) - self.start[name] for name, pid in self.pids.items()}
        spent["postgres"] = sum(_cpu_seconds(pid) - self.backends.get(pid, 0.0) for pid in await _postgres_backends())
        load = os.getloadavg()[0]
        return ", ".join(f"{name} {seconds * 1000 / items:.2f}" for name, seconds in spent.items()) + (
            f" CPU ms/item; load average {load:.1f}"
        )


def _wait_until_up(url: str, process: subprocess.Popen[bytes], deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up")


@contextmanager
def _stack() -> Iterator[dict[str, Any]]:
    """The feedback service and the gateway, running on fresh databases; yields the URL and an API key."""
    secret = secrets.token_urlsafe(48)
    ports = {"feedback": free_port(), "gateway": free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    environments = {name: _environment(name, ports[name], secret, urls["feedback"]) for name in ports}
    running: list[subprocess.Popen[bytes]] = []
    for name in DATABASES.values():
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    try:
        for name in ("feedback", "gateway"):
            subprocess.run([BIN / f"ideaflow-{name}", "migrate"], env=environments[name], check=True, timeout=120)
        key = subprocess.run(
            [
                BIN / "ideaflow-gateway",
                "create-api-key",
                f"--organization-id={uuid.uuid4()}",
                "--name=bench",
                "--roles=member",
            ],
            env=environments["gateway"],
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for name in ("feedback", "gateway"):
            running.append(subprocess.Popen([BIN / f"ideaflow-{name}", "serve"], env=environments[name]))
            _wait_until_up(urls[name], running[-1])
        pids = {name: process.pid for name, process in zip(("feedback", "gateway"), running, strict=True)}
        yield {"gateway": urls["gateway"], "api_key": key, "pids": pids}
    finally:
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for name in DATABASES.values():
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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


async def _singles(
    client: httpx.AsyncClient, count: int, concurrency: int = 16
) -> tuple[float, list[float], Counter[int]]:
    rng = random.Random(7)
    bodies = [_item(rng, "bench-single", n) for n in range(count)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def worker() -> None:
        while bodies:
            body = bodies.pop()
            started = time.perf_counter()
            response = await client.post("/v1/feedback", json=body)
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses[201] / (time.perf_counter() - started), latencies, statuses


async def _run(stack: dict[str, Any], items: int, size: int, singles: int, batch_concurrency: list[int]) -> None:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    headers = {"X-API-Key": stack["api_key"]}
    meter = CpuMeter(stack["pids"])
    async with httpx.AsyncClient(base_url=stack["gateway"], headers=headers, timeout=300, limits=limits) as client:
        for concurrency in batch_concurrency if items else []:
            await meter.begin()
            rate, statuses = await _batches(client, items, size, concurrency)
            print(f"batches: {items} items in batches of {size}, concurrency {concurrency}: {rate:,.0f} items/s")
            print(f"  answers by status {dict(statuses)}; {await meter.per_item_ms(items)}", flush=True)
        if not singles:
            return
        await meter.begin()
        per_second, latencies, statuses = await _singles(client, singles)
        latencies.sort()
        p50, p95 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000
        print(
            f"singles: {singles} creates at concurrency 16: {per_second:,.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        print(f"  answers by status {dict(statuses)}; {await meter.per_item_ms(singles)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--singles", type=int, default=4_000)
    parser.add_argument("--batch-concurrency", default="1,2", help="comma-separated; one run per value")
    arguments = parser.parse_args()
    with _stack() as stack:
        concurrencies = [int(value) for value in arguments.batch_concurrency.split(",")]
        asyncio.run(_run(stack, arguments.items, arguments.batch_size, arguments.singles, concurrencies))


if __name__ == "__main__":
    main()
