"""Feedback file imports through the gateway on PostgreSQL: a CSV of N rows, memory and throughput.

For each `--rows` size: writes a CSV of that many rows to a temporary file (streamed; `--texts`
says where the texts come from, `--customers` how many distinct customers the rows name;
sentiment, kind suggestion and theme assignment run on every row), starts the feedback service
and the gateway with their production command lines on fresh PostgreSQL databases, creates an
import through the gateway, uploads the file (streamed from disk), polls the job until it ends
and then the service's theme assigner until no row waits for a theme (it assigns in the
background, beside the import), printing the resident memory every `--sample-rows` rows, and
prints: upload time, import time, time until every row has its theme, rows/s, CPU ms per row of
the feedback process, and its resident memory at start and at its peak (VmHWM from
/proc/<pid>/status). Each size runs on a fresh process, so each peak is that size's own.

    .venv/bin/python bench/feedback_import.py [--rows 10000 100000 1000000] [--batch-size 1000]
        [--texts labelled|repeated|random] [--customers 5000] [--sample-rows 10000]
        [--database ideaflow_bench_feedback_import]
"""

import argparse
import asyncio
import csv
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx

import harness

DATABASE = "ideaflow_bench_feedback_import"
# fmt: off
WORDS = (
    "export", "invoice", "slow", "crashes", "love", "please", "add", "dark", "mode", "report", "weekly",
    "search", "filter", "mobile", "app", "login", "password", "reset", "great", "terrible", "support",
    "checkout", "coupon", "delivery", "late", "order", "repeat", "calendar", "sync", "team", "permissions",
)
# fmt: on
CHANNELS = ("crm", "email", "support_ticket", "survey")


def _write_csv(path: Path, rows: int, texts: str, customers: int) -> None:
    """`labelled`: the themes evaluation set's texts, cycled, each with its ticket number, so needs
    recur but no two rows say verbatim the same; `repeated`: the same without the number (every
    text an exact repeat of rows / 354 others); `random`: word salad from a small vocabulary,
    where every item resembles every theme.
    Row n names customer n mod `customers`, so each has rows / customers items at the end."""
    rng = random.Random(20261128)
    labelled = [] if texts == "random" else [row["text"] for row in harness.themes_evaluation_set()]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["Ticket", "Comment", "Channel", "Stars", "Labels", "Customer"])
        for number in range(rows):
            if labelled:
                text = labelled[number % len(labelled)]
                text = text if texts == "repeated" else f"{text} (ticket {number})"
            else:
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))).capitalize() + "."
            labels = ";".join(rng.sample(WORDS, 2))
            writer.writerow(
                [f"T-{number}", text, rng.choice(CHANNELS), rng.randint(1, 5), labels, f"C-{number % customers}"]
            )


def _memory_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(256 * 1024):
            yield chunk


async def _waiting_for_a_theme(database: str) -> int:
    connection = await asyncpg.connect(f"{harness.POSTGRES}/{database}")
    try:
        return int(await connection.fetchval("SELECT count(*) FROM theme_pending"))
    finally:
        await connection.close()


async def _import(
    stack: harness.Stack, database: str, path: Path, rows: int, size_mib: float, sample_rows: int
) -> None:
    headers = {"X-API-Key": stack.api_key}
    options = {
        "columns": {
            "external_id": "Ticket",
            "text": "Comment",
            "channel": "Channel",
            "rating": "Stars",
            "tags": "Labels",
            "customer_ref": "Customer",
        },
        "defaults": {"source": "bench"},
        "tag_separator": ";",
    }
    pid = stack.pids["feedback"]
    rss_at_start = _memory_mib(pid, "VmRSS")
    cpu_at_start = harness.cpu_seconds(pid)
    async with httpx.AsyncClient(base_url=stack.gateway_url, headers=headers, timeout=600) as client:
        created = await client.post("/v1/imports", json=options)
        assert created.status_code == 201, created.text
        import_id = created.json()["id"]
        started = time.perf_counter()
        uploaded = await client.put(
            f"/v1/imports/{import_id}/file", content=_chunks(path), headers={"Content-Type": "text/csv"}
        )
        assert uploaded.status_code == 202, uploaded.text
        upload_seconds = time.perf_counter() - started
        sampled = 0
        while True:
            job = (await client.get(f"/v1/imports/{import_id}")).json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            if job["processed"] >= sampled + sample_rows:
                sampled = job["processed"] // sample_rows * sample_rows
                print(
                    f"  … {job['processed']:,} of {rows:,} after {time.perf_counter() - started:.0f} s, "
                    f"RSS {_memory_mib(pid, 'VmRSS'):.0f} MiB, peak {_memory_mib(pid, 'VmHWM'):.0f} MiB, "
                    f"{await _waiting_for_a_theme(database):,} waiting for a theme, load {harness.load_average():.2f}",
                    flush=True,
                )
            await asyncio.sleep(1)
    imported = time.perf_counter() - started
    while waiting := await _waiting_for_a_theme(database):
        print(f"  … {waiting:,} rows still waiting for a theme, RSS {_memory_mib(pid, 'VmRSS'):.0f} MiB", flush=True)
        await asyncio.sleep(10)
    elapsed = time.perf_counter() - started
    cpu = harness.cpu_seconds(pid) - cpu_at_start
    assert job["status"] == "succeeded", job
    assert (job["processed"], job["created"], job["failed"]) == (rows, rows, 0), job
    print(
        f"{rows:>9,} rows ({size_mib:,.0f} MiB): upload {upload_seconds:.1f} s, imported after {imported:.0f} s, "
        f"all in themes after {elapsed:.0f} s = {rows / elapsed:,.0f} rows/s; "
        f"feedback CPU {cpu * 1000 / rows:.2f} ms/row; "
        f"RSS at start {rss_at_start:.0f} MiB, peak (VmHWM) {_memory_mib(pid, 'VmHWM'):.0f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--texts", choices=("labelled", "repeated", "random"), default="labelled")
    parser.add_argument("--customers", type=int, default=5_000, help="distinct customers the rows cycle through")
    parser.add_argument("--sample-rows", type=int, default=10_000, help="print the memory every so many rows")
    parser.add_argument(
        "--database", default=DATABASE, help="the service's database name; the gateway's gets `_gateway` added"
    )
    arguments = parser.parse_args()
    print(
        f"texts: {arguments.texts}, {arguments.customers:,} customers; load average at start: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    for rows in arguments.rows:
        with tempfile.TemporaryDirectory(prefix="ideaflow-import-bench-") as directory:
            path = Path(directory) / "feedback.csv"
            _write_csv(path, rows, arguments.texts, arguments.customers)
            spool = {"IMPORT_DIR": f"{directory}/spool", "IMPORT_BATCH_SIZE": str(arguments.batch_size)}
            settings = {"feedback": spool}
            databases = {"feedback": arguments.database, "gateway": f"{arguments.database}_gateway"}
            with harness.service_behind_gateway("feedback", databases, roles="member", settings=settings) as stack:
                size_mib = path.stat().st_size / 2**20
                asyncio.run(_import(stack, arguments.database, path, rows, size_mib, arguments.sample_rows))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
