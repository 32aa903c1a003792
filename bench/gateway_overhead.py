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
import json
import statistics
import sys
import urllib.request

import harness

DATABASES = {"ideas": "ideaflow_bench_ideas", "gateway": "ideaflow_bench_gateway"}
CONCURRENCIES = (1, 32)


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


def wrk(url: str, header: str, connections: int, seconds: int, pids: dict[str, int]) -> dict[str, float]:
    """One wrk run: requests/s, p50 and p99 in ms, and each process's CPU ms per request.

    CPU per request hardly depends on what else the shared machine runs, unlike throughput.
    """
    before = {name: harness.cpu_seconds(pid) for name, pid in pids.items()}
    run = harness.run_wrk(url, header, connections, seconds)
    cpu = {
        f"{name}_cpu_ms": (harness.cpu_seconds(pid) - before[name]) * 1000 / run.requests for name, pid in pids.items()
    }
    return {**cpu, "rps": run.requests_per_second, "p50": run.p50_ms, "p99": run.p99_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--gateway-setting", action="append", default=[], metavar="NAME=VALUE")
    arguments = parser.parse_args()
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    overrides = dict(setting.split("=", 1) for setting in arguments.gateway_setting)
    with harness.service_behind_gateway("ideas", DATABASES, roles="admin", settings={"gateway": overrides}) as stack:
        path = _create_idea(stack.gateway_url, stack.api_key)
        targets = {
            "direct": (stack.service_url + path, f"X-Ideaflow-Token: {stack.internal_token()}"),
            "gateway": (stack.gateway_url + path, f"X-API-Key: {stack.api_key}"),
        }
        for url, header in targets.values():
            wrk(url, header, 32, 2, stack.pids)  # warm up connections, caches and the JIT-less interpreter alike
        for round_number in range(arguments.rounds):
            # Alternate which side goes first, so that neither always meets the same neighbours.
            order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
            for connections in CONCURRENCIES:
                for name in order:
                    url, header = targets[name]
                    result = wrk(url, header, connections, arguments.duration, stack.pids)
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
