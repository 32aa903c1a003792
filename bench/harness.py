"""What the benchmarks in bench/ share: databases, processes, credentials and measurements.

The scripts run as `.venv/bin/python bench/<script>.py`, so this directory is first on sys.path
and they `import harness`. Everything here talks to our own processes and the local PostgreSQL
(127.0.0.1:5432, user postgres, trust auth), and reads CPU times from /proc (Linux).

- Databases: `fresh_databases(...)` creates empty PostgreSQL databases and drops them at the end.
- Data: `sentence(...)` of SHOP_WORDS, and `themes_evaluation_set()` (labelled feedback).
- Processes: `serving(...)` runs a process with its production command lines (`Server.wait_until_up`
  waits for it); `service_behind_gateway(...)` runs a service and the gateway in front of it, with
  an API key made by `ideaflow-gateway create-api-key`.
- Measurements: `cpu_seconds`, `CpuMeter` (processes and PostgreSQL backends), `time_requests`
  (one request at a time), `percentile`, `run_wrk`, `load_average` / `load_averages`.
"""

import asyncio
import contextlib
import csv
import math
import os
import random
import re
import secrets
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ideaflow_shared.identity import Identity, mint_token
from ideaflow_shared.testing import free_port

BIN = Path(sys.executable).parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
WRK = "/usr/bin/wrk"
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


# Databases


def database_url(name: str) -> str:
    """The SQLAlchemy URL the processes are configured with for a PostgreSQL database."""
    return f"{POSTGRES.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def administer(*statements: str) -> None:
    """Run statements on the server's `postgres` database (CREATE and DROP DATABASE)."""
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_databases(*names: str) -> Iterator[None]:
    """Empty PostgreSQL databases (dropped first if a crashed run left them), dropped at the end."""
    for name in names:
        asyncio.run(administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    try:
        yield
    finally:
        for name in names:
            asyncio.run(administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Data

# The vocabulary of the synthetic ideas, experiments and learnings: a small shop's business.
# fmt: off
SHOP_WORDS = (
    "customer", "order", "delivery", "price", "coupon", "subscription", "phone", "regular", "bakery", "shop",
    "newsletter", "loyalty", "card", "discount", "bundle", "lunch", "catering", "invoice", "payment",
    "reminder", "review", "booking", "appointment", "repair", "spare", "part", "warranty", "training",
    "onboarding", "checklist", "supplier", "packaging", "recycling", "pickup", "evening", "weekend", "sample",
    "tasting",
)
# fmt: on


def sentence(generator: random.Random, length: int) -> str:
    """`length` words of SHOP_WORDS drawn at random."""
    return " ".join(generator.choice(SHOP_WORDS) for _ in range(length))


THEMES_EVALUATION_SET = Path(__file__).resolve().parents[1] / "services/feedback/tests/data/themes_eval.tsv"


def themes_evaluation_set() -> list[dict[str, str]]:
    """The labelled feedback themes are evaluated on: rows of "need", "customer" and "text"."""
    with THEMES_EVALUATION_SET.open(encoding="utf-8") as file:
        return list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))


# Processes


@dataclass(frozen=True, slots=True)
class Server:
    """A process started by `serving`: its URL, the process, and the environment it runs with."""

    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    def wait_until_up(self, probe: str = "/healthz", timeout: float = 60) -> None:
        """Return once `probe` answers 2xx; raise if the process exits or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.process.args!r} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=1):
                    return
            except OSError:  # refused, timed out, or an error status: not up yet
                time.sleep(0.1)
        raise TimeoutError(f"{self.url}{probe} did not answer within {timeout} s")


@contextmanager
def serving(process: str, settings: dict[str, str]) -> Iterator[Server]:
    """`ideaflow-<process>` with its production command lines on a free port: `migrate`, then `serve`
    (one worker, its output going to ours), stopped at the end (SIGTERM, SIGKILL after 10 s).
    It is not waited for: see `Server.wait_until_up`.

    `settings` become IDEAFLOW_<PROCESS>_<NAME> variables on top of ENVIRONMENT=production and
    LOG_LEVEL=warning; they must name DATABASE_URL and INTERNAL_TOKEN_SECRET."""
    port = free_port()
    merged = {"ENVIRONMENT": "production", "LOG_LEVEL": "warning", **settings, "PORT": str(port)}
    prefix = f"IDEAFLOW_{process.upper()}_"
    env = {**os.environ, **{prefix + key: value for key, value in merged.items()}}
    subprocess.run([BIN / f"ideaflow-{process}", "migrate"], env=env, check=True, timeout=120)
    running = subprocess.Popen([BIN / f"ideaflow-{process}", "serve"], env=env)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", process=running, env=env)
    finally:
        running.terminate()
        try:
            running.wait(timeout=10)
        except subprocess.TimeoutExpired:
            running.kill()
            running.wait()


def create_api_key(gateway: Server, *, organization_id: uuid.UUID, roles: str) -> str:
    """A new API key named "bench" for the organisation, made with the gateway's command line."""
    return subprocess.run(
        [
            BIN / "ideaflow-gateway",
            "create-api-key",
            f"--organization-id={organization_id}",
            "--name=bench",
            f"--roles={roles}",
        ],
        env=gateway.env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout.strip()


@dataclass(frozen=True, slots=True)
class Stack:
    """A service and the gateway in front of it, running."""

    service_url: str
    gateway_url: str
    api_key: str
    organization_id: uuid.UUID
    roles: str  # the API key's, comma-separated
    secret: str  # the internal token secret both processes share
    pids: dict[str, int]

    def internal_token(self) -> str:
        """A token for calling the service directly, as the gateway would for the API key's holder."""
        roles = frozenset(self.roles.split(","))
        identity = Identity(organization_id=self.organization_id, principal_id="bench", roles=roles)
        return str(mint_token(identity, self.secret, ttl_seconds=24 * 3600))


@contextmanager
def service_behind_gateway(
    service: str,
    databases: dict[str, str],
    *,
    roles: str,
    settings: dict[str, dict[str, str]] | None = None,
) -> Iterator[Stack]:
    """`service` and the gateway in front of it (see `serving`) on fresh PostgreSQL databases
    (`databases` maps both process names to a database name), both up, with an API key of `roles`
    for a new organisation. `settings` adds to or overrides a process's settings. Both processes
    are stopped and both databases dropped, whatever happens."""
    secret = secrets.token_urlsafe(48)

    def settings_of(process: str) -> dict[str, str]:
        own = {"DATABASE_URL": database_url(databases[process]), "INTERNAL_TOKEN_SECRET": secret}
        return {**own, **(settings or {}).get(process, {})}

    with fresh_databases(*databases.values()), serving(service, settings_of(service)) as upstream:
        upstream.wait_until_up()
        with serving("gateway", {f"{service.upper()}_URL": upstream.url, **settings_of("gateway")}) as gateway:
            gateway.wait_until_up()
            organization_id = uuid.uuid4()
            yield Stack(
                service_url=upstream.url,
                gateway_url=gateway.url,
                api_key=create_api_key(gateway, organization_id=organization_id, roles=roles),
                organization_id=organization_id,
                roles=roles,
                secret=secret,
                pids={service: upstream.process.pid, "gateway": gateway.process.pid},
            )


# Measurements


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its running child processes (a server's workers) have
    used so far (raises OSError once the process is gone)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND + sum(cpu_seconds(int(child)) for child in children)


async def postgres_backends_cpu_seconds(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process connected to `database`."""
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await connection.close()
    spent: dict[int, float] = {}
    for row in rows:
        with contextlib.suppress(OSError):  # the connection closed meanwhile
            spent[row["pid"]] = cpu_seconds(row["pid"])
    return spent


class CpuMeter:
    """CPU seconds spent by some processes, and by the PostgreSQL backends serving a database, between
    `begin()` and `spent()`. A backend is counted from `begin()`, or from its start if it is newer."""

    def __init__(self, pids: dict[str, int], database: str) -> None:
        self.pids = pids
        self.database = database
        self.start: dict[str, float] = {}
        self.backends: dict[int, float] = {}

    async def begin(self) -> None:
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.backends = await postgres_backends_cpu_seconds(self.database)

    async def spent(self) -> dict[str, float]:
        """Seconds per process name, and "postgres" for the backends together."""
        spent = {name: cpu_seconds(pid) - self.start[name] for name, pid in self.pids.items()}
        backends = await postgres_backends_cpu_seconds(self.database)
        spent["postgres"] = sum(seconds - self.backends.get(pid, 0.0) for pid, seconds in backends.items())
        return spent


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value that at least `fraction` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Timed:
    """Requests timed one at a time: latencies in ms (sorted), the service's CPU ms per request,
    and the last warm-up response (to count what was answered)."""

    milliseconds: list[float]
    cpu_ms_per_request: float
    warm_up_response: httpx.Response


async def time_requests(
    client: httpx.AsyncClient, pid: int, method: str, path: str, requests: int, *, warm_up: int = 1, **kwargs: Any
) -> Timed:
    """`warm_up` (at least one) untimed requests, then `requests` timed ones, one at a time; each must succeed."""
    if warm_up < 1:
        raise ValueError("time_requests needs at least one warm-up request, to answer its response")
    for _ in range(warm_up):
        response = await client.request(method, path, **kwargs)
        response.raise_for_status()
    timings = []
    cpu = cpu_seconds(pid)
    for _ in range(requests):
        started = time.perf_counter()
        (await client.request(method, path, **kwargs)).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return Timed(sorted(timings), (cpu_seconds(pid) - cpu) * 1000 / requests, response)


async def page_token_at(client: httpx.AsyncClient, path: str, depth: int) -> str | None:
    """The page token of a list `depth` items deep, walked in pages of 100."""
    token = None
    for _ in range(depth // 100):
        params = {"page_size": "100", **({"page_token": token} if token else {})}
        token = (await client.get(path, params=params)).json()["next_page_token"]
    return token


@dataclass(frozen=True, slots=True)
class WrkRun:
    """What one wrk run measured: requests completed, requests/s, and the p50 and p99 latency in ms."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk_figure(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"wrk's output has no {pattern!r}:\n{output}")
    return found.group(1)


def _wrk_milliseconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if found is None:
        raise RuntimeError(f"not a wrk latency: {text!r}")
    return float(found.group(1)) * _WRK_UNITS[found.group(2)]


def parse_wrk(output: str) -> WrkRun:
    """The figures of `wrk --latency` output; raises if wrk saw non-2xx answers or completed nothing."""
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    requests = int(_wrk_figure(r"(\d+) requests in", output))
    if requests == 0:
        raise RuntimeError(f"no request completed; is the machine overloaded?\n{output}")
    return WrkRun(
        requests=requests,
        requests_per_second=float(_wrk_figure(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_wrk_milliseconds(_wrk_figure(r"\s50%\s+(\S+)", output)),
        p99_ms=_wrk_milliseconds(_wrk_figure(r"\s99%\s+(\S+)", output)),
    )


def run_wrk(url: str, header: str, connections: int, seconds: int) -> WrkRun:
    """One wrk run (one thread, `connections` connections, 10 s timeout) with one request header."""
    command = [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-H", header, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    return parse_wrk(output)


def machine_speed() -> float:
    """CPU seconds for three million additions in a Python loop: how fast this machine is today.

    The shared VM's speed changes from day to day (0.08 s on the fastest day, 0.30-0.53 s on a slow
    one, 2026-11-29); CPU ms per request from runs on different days compare only through this figure."""
    started = time.process_time()
    total = 0
    for number in range(3_000_000):
        total += number
    return time.process_time() - started


def machine_speed_line() -> str:
    return f"machine speed: {machine_speed():.2f} s of CPU for 3,000,000 Python additions"


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def load_averages() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. "1.52 2.03 2.40"."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())
