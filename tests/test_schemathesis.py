"""Schemathesis (all checks, all phases) against every service and the gateway, live."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from deploy.local_stack import PROCESSES, LocalStack
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.testing import new_identity
from tests.conftest import Tenant

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = os.environ.get("IDEAFLOW_SCHEMATHESIS_MAX_EXAMPLES", "25")


def _submit_idea(url: str, headers: dict[str, str]) -> str:
    """A real idea, so that what names one (experiments, …) is tested beyond its 422."""
    idea = {"title": "Schemathesis idea", "problem": "Others need an idea.", "proposal": "Test them."}
    response = httpx.post(f"{url}/v1/ideas", json=idea, headers=headers)
    response.raise_for_status()
    return str(response.json()["id"])


@pytest.mark.parametrize("process", PROCESSES)
def test_the_api_honours_its_openapi_contract(process: str, stack: LocalStack, tenant: Tenant) -> None:
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
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{stack.url(process)}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "20261128",
            "--no-color",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
