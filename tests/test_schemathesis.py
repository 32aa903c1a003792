"""Schemathesis (all checks, all phases) against every service and the gateway, live."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local_stack import PROCESSES, LocalStack
from ideaflow_shared.testing import new_identity
from tests.conftest import Tenant

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = os.environ.get("IDEAFLOW_SCHEMATHESIS_MAX_EXAMPLES", "25")


@pytest.mark.parametrize("process", PROCESSES)
def test_the_api_honours_its_openapi_contract(process: str, stack: LocalStack, tenant: Tenant) -> None:
    environment = {
        **os.environ,
        "IDEAFLOW_SCHEMATHESIS_TOKEN": new_identity("admin").token,
        "IDEAFLOW_SCHEMATHESIS_API_KEY": tenant.api_key,
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
