"""What a verdict costs at the service: `GET /v1/experiments/{id}/verdict` for 10 variants x 5 metrics.

Starts the experiments service with its production command line (one worker, log level warning) on a
fresh PostgreSQL database, plants two running A/B experiments with 5 proportion metrics of 10
variants each and one result per variant, then times the verdict over loopback HTTP, one request at
a time, and prints the median and p95, and the service process's CPU time per request (from
/proc, Linux only). "Large" has ~1,000 successes per variant (the Bayesian
probability takes its normal shortcut), "small" 40-50 (the exact sum runs, the slowest case). The
process is stopped and the database dropped, whatever happens.

    .venv/bin/python bench/experiments_verdict.py [--requests 300]
"""

import argparse
import asyncio
import os
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
DATABASE = "ideaflow_bench_experiments_verdict"
VARIANTS = 10
METRICS = 5


async def _administer(*statements: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _plant_experiment(organization_id: uuid.UUID, owner: str) -> str:
    """A draft experiment, written directly: the bench has no ideas service to check its idea."""
    experiment_id = uuid.uuid4()
    connection = await asyncpg.connect(f"{POSTGRES}/{DATABASE}")
    try:
        await connection.execute(
            "INSERT INTO experiments (id, organization_id, idea_id, title, hypothesis, test_description, type, "
            "status, owner_id, created_at, updated_at, version) "
            "VALUES ($1, $2, $3, 'Bench', 'We believe the bench is fast.', '', 'ab_test', 'draft', $4, "
            "now(), now(), 1)",
            experiment_id,
            organization_id,
            uuid.uuid4(),
            owner,
        )
    finally:
        await connection.close()
    return str(experiment_id)


async def _prepare(client: httpx.AsyncClient, experiment_id: str, successes: int, trials: int) -> None:
    variants = [{"name": f"v{index}", "planned_split": 10} for index in range(VARIANTS)]
    metric_ids = []
    for number in range(METRICS):
        metric = {
            "name": f"Conversion {number}",
            "kind": "proportion",
            "direction": "increase",
            "success_threshold": 0.01,
            "failure_threshold": 0.0,
            "variants": variants,
        }
        response = await client.post(f"/v1/experiments/{experiment_id}/metrics", json=metric)
        response.raise_for_status()
        metric_ids.append(response.json()["id"])
    (await client.post(f"/v1/experiments/{experiment_id}/start")).raise_for_status()
    for metric_id in metric_ids:
        for index in range(VARIANTS):
            result = {"metric_id": metric_id, "variant": f"v{index}", "successes": successes + index, "trials": trials}
            (await client.post(f"/v1/experiments/{experiment_id}/results", json=result)).raise_for_status()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _time(client: httpx.AsyncClient, experiment_id: str, requests: int, pid: int) -> tuple[list[float], float]:
    """Latencies in ms, and the service's CPU ms per request."""
    for _ in range(20):  # warm-up
        (await client.get(f"/v1/experiments/{experiment_id}/verdict")).raise_for_status()
    timings = []
    cpu_before = _cpu_seconds(pid)
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(f"/v1/experiments/{experiment_id}/verdict")
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings, (_cpu_seconds(pid) - cpu_before) * 1000 / requests


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


async def _measure(url: str, process: subprocess.Popen[bytes], requests: int) -> None:
    await _wait_until_ready(url, process)
    identity = new_identity("manager")
    headers = {INTERNAL_TOKEN_HEADER: identity.token}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for label, successes, trials in (("large", 1_000, 10_000), ("small", 40, 400)):
            experiment_id = await _plant_experiment(identity.organization_id, identity.principal_id)
            await _prepare(client, experiment_id, successes, trials)
            timings, cpu_ms = await _time(client, experiment_id, requests, process.pid)
            timings.sort()
            p95 = timings[int(0.95 * len(timings)) - 1]
            print(
                f"verdict {label:5} ({VARIANTS} variants x {METRICS} metrics, ~{successes} successes/variant): "
                f"min {timings[0]:.2f} ms, median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
                f"service CPU {cpu_ms:.2f} ms/request over {requests} requests; load average {os.getloadavg()[0]:.1f}"
            )


def main(requests: int) -> None:
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
            asyncio.run(_measure(f"http://127.0.0.1:{port}", process, requests))
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        asyncio.run(_administer(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    main(parser.parse_args().requests)
