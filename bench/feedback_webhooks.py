"""Inbound webhooks through the gateway on PostgreSQL: how fast a signed delivery is answered.

Starts the feedback service and the gateway with their production command lines (one worker each,
log level warning) on fresh PostgreSQL databases, registers a generic (Standard Webhooks)
integration with an admin API key, then, side by side in one run and in rounds that alternate so
that machine noise hits every kind alike, posts through the gateway WITHOUT an API key:
- `new`: signed deliveries, each a new message and a new feedback item (verify, map, upsert the
  customer and the item with sentiment and theme assignment, log the delivery);
- `replay`: a delivery of an already delivered message (answered `duplicate`, nothing stored);
- `forged`: a wrong signature (answered 401, only the rejection logged);
and, for reference, `create`: the same item (and customer reference) as a plain `POST /v1/feedback`
with the API key.
Each kind runs at concurrency 1 (latency) and concurrency 8 (throughput). Prints per kind the
median and p95 latency, requests/s, and the CPU time per request of the feedback service, the
gateway and the PostgreSQL backends serving the service (from /proc), with the load average.

    .venv/bin/python bench/feedback_webhooks.py [--requests 400] [--rounds 3]
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx

import harness

DATABASES = {"feedback": "ideaflow_bench_feedback_webhooks", "gateway": "ideaflow_bench_feedback_webhooks_gateway"}
KINDS = ("new", "replay", "forged", "create")


def _signed(secret: str, message_id: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature.decode()}",
    }


def _item(number: int) -> dict[str, Any]:
    return {
        "id": f"ticket-{number}",
        "text": f"Exporting report {number} to PDF cuts off the last column; please fix the layout.",
        "channel": "email",
        "customer": {"id": f"acct-{number % 500}", "name": "Grace Hopper", "email": "grace@example.com"},
    }


class Requests:
    """Builds the n-th request of each kind (method, path, headers, body, expected status)."""

    def __init__(self, integration: dict[str, Any], api_key: str) -> None:
        self.path = integration["webhook_path"]
        self.secret = integration["secret"]
        self.api_key = api_key
        self.counter = 0
        self.replayed = json.dumps({"type": "feedback.created", "data": _item(-1)}).encode()

    def next(self, kind: str) -> tuple[str, dict[str, str], bytes, int]:
        self.counter += 1
        if kind == "create":
            item = _item(self.counter)
            plain = {"text": item["text"], "channel": "email", "source": "bench", "external_id": item["id"]}
            plain["customer_ref"] = item["customer"]["id"]
            headers = {"X-API-Key": self.api_key, "Content-Type": "application/json"}
            return "/v1/feedback", headers, json.dumps(plain).encode(), 201
        if kind == "replay":  # signed afresh, as a sender's retry is: only the message id repeats
            return self.path, _signed(self.secret, "msg_replayed", self.replayed), self.replayed, 200
        body = json.dumps({"type": "feedback.created", "data": _item(self.counter)}).encode()
        headers = _signed(self.secret, f"msg_{self.counter}", body)
        if kind == "forged":
            headers["webhook-signature"] = "v1," + base64.b64encode(b"\0" * 32).decode()
            return self.path, headers, body, 401
        return self.path, headers, body, 200


async def _measure(
    client: httpx.AsyncClient, build: Callable[[], tuple[str, dict[str, str], bytes, int]], count: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    remaining = [count]

    async def worker() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            path, headers, body, expected = build()
            started = time.perf_counter()
            response = await client.post(path, content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            assert response.status_code == expected, response.text[:300]

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, count / (time.perf_counter() - started)


async def _run(stack: harness.Stack, count: int, rounds: int) -> None:
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    meter = harness.CpuMeter(stack.pids, DATABASES["feedback"])
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60, limits=limits) as client:
        registered = await client.post(
            "/v1/integrations",
            json={"type": "generic", "name": "bench"},
            headers={"X-API-Key": stack.api_key},
        )
        assert registered.status_code == 201, registered.text
        requests = Requests(registered.json(), stack.api_key)
        replayed = requests.replayed
        first = await client.post(
            requests.path, content=replayed, headers=_signed(requests.secret, "msg_replayed", replayed)
        )
        assert first.status_code == 200, first.text
        await _measure(client, lambda: requests.next("new"), 50, 4)  # warm-up: pools, caches, lexicon
        for concurrency in (1, 8):
            latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
            rates: dict[str, list[float]] = {kind: [] for kind in KINDS}
            cpu: dict[str, dict[str, float]] = {kind: {} for kind in KINDS}
            for _ in range(rounds):
                for kind in KINDS:
                    await meter.begin()
                    measured, rate = await _measure(client, partial(requests.next, kind), count, concurrency)
                    latencies[kind] += measured
                    rates[kind].append(rate)
                    for name, seconds in (await meter.spent()).items():
                        cpu[kind][name] = cpu[kind].get(name, 0.0) + seconds
            print(f"concurrency {concurrency}, {rounds} rounds of {count} requests per kind:")
            for kind in KINDS:
                p50 = statistics.median(latencies[kind]) * 1000
                p95 = harness.percentile(latencies[kind], 0.95) * 1000
                per_request = ", ".join(
                    f"{name} {seconds * 1000 / (count * rounds):.2f}" for name, seconds in cpu[kind].items()
                )
                print(
                    f"  {kind:7} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {statistics.median(rates[kind]):7.0f} req/s"
                    f"  CPU ms/request: {per_request}"
                )
            print(f"  load average {harness.load_average():.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per kind, per round")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with harness.service_behind_gateway("feedback", DATABASES, roles="admin") as stack:
        asyncio.run(_run(stack, arguments.requests, arguments.rounds))


if __name__ == "__main__":
    main()
