"""What the gateway costs: `GET /v1/ideas/{id}` straight to the ideas service and through the gateway.

Starts the ideas service and the gateway with their production command lines (one worker each,
log level warning) on fresh PostgreSQL databases, creates an API key and one idea, then runs wrk
against both at concurrency 1 and 32, interleaved over several rounds, and prints the medians.
Every process it starts is stopped and both databases are dropped, whatever happens.

    .venv/bin/python bench/gateway_overhead.py [--rounds 5] [--duration 5] [--gateway-setting NAME=VALUE ...]

`--gateway-setting LOG_LEVEL=info` (say) runs the gateway with IDEAFLOW_GATEWAY_LOG_LEVEL=info, to
measure what a setting costs.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from ideaflow_shared.identity import Identity, mint_token
from ideaflow_shared.testing import free_port

BIN = Path(sys.executable).parent
WRK = "/usr/bin/wrk"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASES = {"ideas": "ideaflow_bench_ideas", "gateway": "ideaflow_bench_gateway"}
CONCURRENCIES = (1, 32)
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _recreate_databases() -> None:
    for name in DATABASES.values():
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))


def _drop_databases() -> None:
    for name in DATABASES.values():
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _environment(process: str, port: int, secret: str, ideas_url: str, overrides: dict[str, str]) -> dict[str, str]:
    prefix = f"IDEAFLOW_{process.upper()}_"
    settings = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASES[process]}",
        "INTERNAL_TOKEN_SECRET": secret,
        "PORT": str(port),
        "LOG_LEVEL": "warning",
    }
    if process == "gateway":
        settings["IDEAS_URL"] = ideas_url
        settings.update(overrides)
    return {**os.environ, **{prefix + key: value for key, value in settings.items()}}


def _wait_until_up(url: str, process: subprocess.Popen[bytes], deadline_seconds: float = 30) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@contextmanager
def _processes(gateway_settings: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The ideas service and the gateway, running; yields the URLs and the credentials."""
    secret = secrets.token_urlsafe(48)
    ports = {"ideas": free_port(), "gateway": free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    environments = {name: _environment(name, ports[name], secret, urls["ideas"], gateway_settings) for name in ports}
    running: list[subprocess.Popen[bytes]] = []
    _recreate_databases()
    try:
        subprocess.run([BIN / "ideaflow-ideas", "migrate"], env=environments["ideas"], check=True, timeout=120)
        organization_id = uuid.uuid4()
        key = subprocess.run(
            [
                BIN / "ideaflow-gateway",
                "create-api-key",
                f"--organization-id={organization_id}",
                "--name=bench",
                "--roles=admin",
            ],
            env=environments["gateway"],
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for name in ("ideas", "gateway"):
            running.append(subprocess.Popen([BIN / f"ideaflow-{name}", "serve"], env=environments[name]))
            _wait_until_up(urls[name], running[-1])
        identity = Identity(organization_id=organization_id, principal_id="bench", roles=frozenset({"admin"}))
        yield {
            **urls,
            "api_key": key,
            "token": mint_token(identity, secret, ttl_seconds=24 * 3600),
            "pids": {name: process.pid for name, process in zip(("ideas", "gateway"), running, strict=True)},
        }
    finally:
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        _drop_databases()


def _create_idea(gateway_url: str, api_key: str) -> str:
    body = json.dumps({"title": "Benchmark idea", "problem": "Measuring.", "proposal": "Measure."}).encode()
    request = urllib.request.Request(
        gateway_url + "/v1/ideas",
        data=body,
        method="POST",
        headers={"X-API-Key": api_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Location"])


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc, so Linux only)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, header: str, connections: int, seconds: int, pids: dict[str, int]) -> dict[str, float]:
    """One wrk run: requests/s, p50 and p99 in ms, and each process's CPU ms per request.

    CPU per request hardly depends on what else the shared machine runs, unlike throughput.
    """
    before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    command = [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-H", header, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    if requests == 0:
        raise RuntimeError(f"no request completed; is the machine overloaded?\n{output}")
    cpu = {f"{name}_cpu_ms": (_cpu_seconds(pid) - before[name]) * 1000 / requests for name, pid in pids.items()}
    return {
        **cpu,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        "p99": _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--gateway-setting", action="append", default=[], metavar="NAME=VALUE")
    arguments = parser.parse_args()
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    overrides = dict(setting.split("=", 1) for setting in arguments.gateway_setting)
    with _processes(overrides) as stack:
        path = _create_idea(stack["gateway"], stack["api_key"])
        targets = {
            "direct": (stack["ideas"] + path, f"X-Ideaflow-Token: {stack['token']}"),
            "gateway": (stack["gateway"] + path, f"X-API-Key: {stack['api_key']}"),
        }
        for url, header in targets.values():
            wrk(url, header, 32, 2, stack["pids"])  # warm up connections, caches and the JIT-less interpreter alike
        for round_number in range(arguments.rounds):
            # Alternate which side goes first, so that neither always meets the same neighbours.
            order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
            for connections in CONCURRENCIES:
                for name in order:
                    url, header = targets[name]
                    result = wrk(url, header, connections, arguments.duration, stack["pids"])
                    results.setdefault((name, connections), []).append(result)
                    shown = {metric: round(value, 3) for metric, value in result.items()}
                    print(f"round {round_number + 1} {name:8} c{connections:<3} {shown}", file=sys.stderr)
    _report(results, arguments.rounds, arguments.duration)


def _report(results: dict[tuple[str, int], list[dict[str, float]]], rounds: int, duration: int) -> None:
    def median(name: str, connections: int, metric: str) -> float:
        return statistics.median(run[metric] for run in results[(name, connections)])

    print(f"\nMedians over {rounds} interleaved rounds of {duration} s per run:\n")
    print("| target | connections | requests/s | p50 ms | p99 ms | ideas CPU ms/req | gateway CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for connections in CONCURRENCIES:
        for name in ("direct", "gateway"):
            figures = [median(name, connections, metric) for metric in ("rps", "p50", "p99")]
            cpu = [median(name, connections, f"{process}_cpu_ms") for process in ("ideas", "gateway")]
            print(
                f"| {name} | {connections} | {figures[0]:.0f} | {figures[1]:.2f} | {figures[2]:.2f} | "
                f"{cpu[0]:.2f} | {cpu[1]:.2f} |"
            )
    ratio = median("gateway", 32, "rps") / median("direct", 32, "rps")
    added = median("gateway", 1, "p50") - median("direct", 1, "p50")
    print(f"\ngateway / direct throughput at c32: {ratio:.2f} (target >= 0.70)")
    print(f"added p50 latency at c1: {added:.2f} ms (target <= 0.30 ms)")


if __name__ == "__main__":
    main()
