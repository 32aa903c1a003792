"""Schemathesis (all checks, all phases) against every service and the gateway, live.

The four runs start together and run side by side (each in its own organisation), because one
after the other they would dominate the suite's time; each test then waits for its run.
The gateway's document is the union of the services', each already fuzzed directly, so its run
generates fewer examples per operation: it checks the proxy and the merged contract.
"""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from deploy.local_stack import PROCESSES, LocalStack
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import new_identity
from tests.conftest import Tenant

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = {"gateway": "8"} | {service: "25" for service in PROCESSES if service != "gateway"}
RUN_TIMEOUT_SECONDS = 1500


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    output: IO[bytes]

    def result(self) -> tuple[int, str]:
        returncode = self.process.wait(timeout=RUN_TIMEOUT_SECONDS)
        self.output.seek(0)
        return returncode, self.output.read().decode(errors="replace")


def _submit_idea(url: str, headers: dict[str, str]) -> str:
    """A real idea, so that what names one (experiments, …) is tested beyond its 422."""
    idea = {"title": "Schemathesis idea", "problem": "Others need an idea.", "proposal": "Test them."}
    response = httpx.post(f"{url}/v1/ideas", json=idea, headers=headers)
    response.raise_for_status()
    return str(response.json()["id"])


def _start(process: str, stack: LocalStack, tenant: Tenant) -> Run:
    caller = new_identity("admin")
    if process == "gateway":
        idea_id = _submit_idea(stack.url("gateway"), {"X-API-Key": tenant.api_key})
    else:
        idea_id = _submit_idea(stack.url("ideas"), {INTERNAL_TOKEN_HEADER: caller.token})
    environment = {
        **os.environ,
        "IDEAFLOW_SCHEMATHESIS_TOKEN": caller.token,
        "IDEAFLOW_SCHEMATHESIS_API_KEY": tenant.api_key,
        "IDEAFLOW_SCHEMATHESIS_IDEA_ID": idea_id,
    }
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the fixture when the run is over
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{stack.url(process)}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        os.environ.get("IDEAFLOW_SCHEMATHESIS_MAX_EXAMPLES", MAX_EXAMPLES[process]),
        "--seed",
        "20261128",
        "--no-color",
    ]
    return Run(subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT), output)


@pytest.fixture(scope="session")
def schemathesis_runs(stack: LocalStack, tenant: Tenant) -> Iterator[dict[str, Run]]:
    runs = {process: _start(process, stack, tenant) for process in PROCESSES}
    try:
        yield runs
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                run.process.kill()
            run.output.close()


@pytest.mark.parametrize("process", PROCESSES)
def test_the_api_honours_its_openapi_contract(process: str, schemathesis_runs: dict[str, Run]) -> None:
    returncode, output = schemathesis_runs[process].result()

    assert returncode == 0, output[-30000:]
