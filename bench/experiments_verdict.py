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
import statistics
import uuid

import asyncpg
import httpx

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, new_identity

import harness

DATABASE = "ideaflow_bench_experiments_verdict"
VARIANTS = 10
METRICS = 5


async def _plant_experiment(organization_id: uuid.UUID, owner: str) -> str:
    """A draft experiment, written directly: the bench has no ideas service to check its idea."""
    experiment_id = uuid.uuid4()
    connection = await asyncpg.connect(f"{harness.POSTGRES}/{DATABASE}")
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


async def _measure(service: harness.Server, requests: int) -> None:
    service.wait_until_up("/readyz")
    identity = new_identity("manager")
    headers = {INTERNAL_TOKEN_HEADER: identity.token}
    async with httpx.AsyncClient(base_url=service.url, headers=headers, timeout=30) as client:
        for label, successes, trials in (("large", 1_000, 10_000), ("small", 40, 400)):
            experiment_id = await _plant_experiment(identity.organization_id, identity.principal_id)
            await _prepare(client, experiment_id, successes, trials)
            path = f"/v1/experiments/{experiment_id}/verdict"
            timed = await harness.time_requests(client, service.process.pid, "GET", path, requests, warm_up=20)
            timings, cpu_ms = timed.milliseconds, timed.cpu_ms_per_request
            print(
                f"verdict {label:5} ({VARIANTS} variants x {METRICS} metrics, ~{successes} successes/variant): "
                f"min {timings[0]:.2f} ms, median {statistics.median(timings):.2f} ms, "
                f"p95 {harness.percentile(timings, 0.95):.2f} ms, service CPU {cpu_ms:.2f} ms/request "
                f"over {requests} requests; load average {harness.load_average():.1f}"
            )


def main(requests: int) -> None:
    settings = {"DATABASE_URL": harness.database_url(DATABASE), "INTERNAL_TOKEN_SECRET": TEST_TOKEN_SECRET}
    with harness.fresh_databases(DATABASE), harness.serving("experiments", settings) as service:
        asyncio.run(_measure(service, requests))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    main(parser.parse_args().requests)
