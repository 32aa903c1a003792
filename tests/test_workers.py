"""`WORKERS`: one service served by several processes sharing its port, started and stopped as one."""

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from deploy.local_stack import LocalStack
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER, mint_token
from ideaflow_shared.settings import DEVELOPMENT_TOKEN_SECRET
from ideaflow_shared.testing import free_port, fresh_database_url, new_identity


def _workers(pid: int) -> list[int]:
    """The supervisor's worker processes (its other child is multiprocessing's resource tracker)."""
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def test_two_workers_share_the_port_and_the_database_and_stop_together(tmp_path: Path) -> None:
    stack = LocalStack(
        data_dir=tmp_path,
        ports={"ideas": free_port()},
        # Development mode: the migrations run once, before the workers start (not twice at once).
        database_urls={"ideas": await fresh_database_url("ideaflow_e2e_workers_ideas", tmp_path)},
        log_level="warning",
        extra_env={"IDEAFLOW_IDEAS_WORKERS": "2"},
    )
    stack.start(("ideas",))
    try:
        supervisor = stack.process("ideas").pid
        workers = _workers(supervisor)
        token = mint_token(new_identity("employee"), DEVELOPMENT_TOKEN_SECRET)
        idea = {"title": "Shared port", "problem": "One process per core.", "proposal": "Two workers."}

        async def create() -> int:
            # A new connection each time, so the kernel hands them to either worker.
            async with httpx.AsyncClient(base_url=stack.url("ideas"), headers={INTERNAL_TOKEN_HEADER: token}) as client:
                return (await client.post("/v1/ideas", json=idea)).status_code

        statuses = await asyncio.gather(*(create() for _ in range(40)))
        async with httpx.AsyncClient(base_url=stack.url("ideas"), headers={INTERNAL_TOKEN_HEADER: token}) as client:
            listed = await client.get("/v1/ideas", params={"page_size": 100})

        assert len(workers) == 2
        assert statuses == [201] * 40
        assert len(listed.json()["items"]) == 40
    finally:
        stack.stop()

    deadline = time.monotonic() + 10
    while any(_alive(worker) for worker in workers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not any(_alive(worker) for worker in workers)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_to_the_supervisor_stops_every_worker(tmp_path: Path, stop: signal.Signals) -> None:
    stack = LocalStack(
        data_dir=tmp_path,
        ports={"ideas": free_port()},
        database_urls={"ideas": await fresh_database_url(f"ideaflow_e2e_workers_{stop.name.lower()}", tmp_path)},
        log_level="warning",
        extra_env={"IDEAFLOW_IDEAS_WORKERS": "2"},
    )
    stack.start(("ideas",))
    process = stack.process("ideas")
    workers = _workers(process.pid)

    process.send_signal(stop)
    code = await asyncio.to_thread(process.wait, 15)
    stack.stop()

    assert len(workers) == 2
    assert code == 0
    assert not any(_alive(worker) for worker in workers)
