"""What the gateway costs: `GET /v1/ideas/{id}` straight to the ideas service and through the gateway.

Starts the ideas service and the gateway with their production command lines (one worker each,
log level warning) on fresh PostgreSQL databases, creates an API key and one idea, then runs wrk
against both at concurrency 1 and 32, interleaved over several rounds, and prints the medians; the
targets are judged on each round paired with its direct run (the median of the rounds' ratios and
differences), so that the machine's drift between rounds cancels out.
Every process it starts is stopped and both databases are dropped, whatever happens.

    .venv/bin/python bench/gateway_overhead.py [--rounds 5] [--duration 5] [--gateway-setting NAME=VALUE ...]

`--gateway-setting LOG_LEVEL=info` (say) runs the gateway with IDEAFLOW_GATEWAY_LOG_LEVEL=info, to
measure what a setting costs. `--nginx` adds nginx (Debian's package) as a third target: a plain
reverse proxy with keep-alive upstream connections in front of the same service, showing what any
extra hop costs on this machine.
"""

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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


NGINX_CONFIG = """
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory};
    proxy_temp_path {directory};
    upstream service {{ server {upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_in_front_of(service_url: str) -> Iterator[tuple[str, int]]:
    """nginx proxying to `service_url`: its URL and its worker's pid."""
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    port = harness.free_port()
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "nginx.conf"
        upstream = service_url.removeprefix("http://")
        config.write_text(NGINX_CONFIG.format(directory=directory, upstream=upstream, port=port))
        master = subprocess.Popen([executable, "-c", str(config), "-p", directory])
        try:
            server = harness.Server(url=f"http://127.0.0.1:{port}", process=master, env={})
            server.wait_until_up()
            workers = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
            yield server.url, int(workers[0])
        finally:
            master.terminate()
            master.wait(timeout=10)


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
    parser.add_argument("--nginx", action="store_true", help="add nginx as a reference proxy")
    arguments = parser.parse_args()
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    overrides = dict(setting.split("=", 1) for setting in arguments.gateway_setting)
    with (
        harness.service_behind_gateway("ideas", DATABASES, roles="admin", settings={"gateway": overrides}) as stack,
        contextlib.ExitStack() as extras,
    ):
        path = _create_idea(stack.gateway_url, stack.api_key)
        token_header = f"X-Ideaflow-Token: {stack.internal_token()}"
        targets = {
            "direct": (stack.service_url + path, token_header),
            "gateway": (stack.gateway_url + path, f"X-API-Key: {stack.api_key}"),
        }
        pids = dict(stack.pids)
        if arguments.nginx:
            nginx_url, pids["nginx"] = extras.enter_context(nginx_in_front_of(stack.service_url))
            targets["nginx"] = (nginx_url + path, token_header)
        for url, header in targets.values():
            wrk(url, header, 32, 2, pids)  # warm up connections, caches and the JIT-less interpreter alike
        for round_number in range(arguments.rounds):
            # Alternate which side goes first, so that neither always meets the same neighbours.
            order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
            for connections in CONCURRENCIES:
                for name in order:
                    url, header = targets[name]
                    result = wrk(url, header, connections, arguments.duration, pids)
                    results.setdefault((name, connections), []).append(result)
                    shown = {metric: round(value, 3) for metric, value in result.items()}
                    print(f"round {round_number + 1} {name:8} c{connections:<3} {shown}", file=sys.stderr)
    _report(results, arguments.rounds, arguments.duration)


def _report(results: dict[tuple[str, int], list[dict[str, float]]], rounds: int, duration: int) -> None:
    def median(name: str, connections: int, metric: str) -> float:
        return statistics.median(run[metric] for run in results[(name, connections)])

    print(f"\nMedians over {rounds} interleaved rounds of {duration} s per run:\n")
    print(f"{harness.machine_speed_line()}\n")
    names = [name for name in ("direct", "gateway", "nginx") if (name, 1) in results]
    measured = results[("direct", 1)][0]
    processes = [process for process in ("ideas", "gateway", "nginx") if f"{process}_cpu_ms" in measured]
    print(
        "| target | connections | requests/s | p50 ms | p99 ms | "
        + " | ".join(f"{process} CPU ms/req" for process in processes)
        + " |"
    )
    print("|---|---:|---:|---:|---:|" + "---:|" * len(processes))
    for connections in CONCURRENCIES:
        for name in names:
            figures = [median(name, connections, metric) for metric in ("rps", "p50", "p99")]
            cpu = " | ".join(f"{median(name, connections, f'{process}_cpu_ms'):.2f}" for process in processes)
            print(f"| {name} | {connections} | {figures[0]:.0f} | {figures[1]:.2f} | {figures[2]:.2f} | {cpu} |")
    for name in names[1:]:
        # Paired by round: each proxy's run against the direct run next to it, so that the machine's
        # drift between rounds (its speed changes within minutes) cancels out of the comparison.
        ratios = [proxied["rps"] / direct["rps"] for proxied, direct in _paired(results, name, 32)]
        added = [proxied["p50"] - direct["p50"] for proxied, direct in _paired(results, name, 1)]
        targets = (" (target >= 0.70)", " (target <= 0.30 ms)") if name == "gateway" else ("", "")
        print(f"\n{name} / direct throughput at c32, median of the rounds' ratios: ", end="")
        print(f"{statistics.median(ratios):.2f}{targets[0]} (rounds: {_listed(ratios)})")
        print(f"{name}: added p50 latency at c1, median of the rounds' differences: ", end="")
        print(f"{statistics.median(added):.2f} ms{targets[1]} (rounds: {_listed(added)})")


def _paired(
    results: dict[tuple[str, int], list[dict[str, float]]], name: str, connections: int
) -> list[tuple[dict[str, float], dict[str, float]]]:
    return list(zip(results[(name, connections)], results[("direct", connections)], strict=True))


def _listed(values: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()
