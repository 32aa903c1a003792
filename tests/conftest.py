"""The whole system as real processes, shared by the cross-service tests of one session."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from deploy.local_stack import PROCESSES, LocalStack
from ideaflow_shared.testing import free_port, fresh_database_url


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalStack]:
    data_dir = tmp_path_factory.mktemp("stack")
    stack = LocalStack(
        data_dir=data_dir,
        ports={process: free_port() for process in PROCESSES},
        database_urls={process: await fresh_database_url(f"ideaflow_e2e_{process}", data_dir) for process in PROCESSES},
        log_level="warning",
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@dataclass(frozen=True)
class Tenant:
    """An organisation with an admin API key, seen from outside through the gateway."""

    organization_id: uuid.UUID
    api_key: str
    client: httpx.AsyncClient


def _new_tenant(stack: LocalStack) -> Tenant:
    organization_id = uuid.uuid4()
    api_key = stack.create_api_key(organization_id=organization_id, roles="admin", name="e2e")
    client = httpx.AsyncClient(base_url=stack.url("gateway"), headers={"Authorization": f"Bearer {api_key}"})
    return Tenant(organization_id=organization_id, api_key=api_key, client=client)


@pytest.fixture(scope="session")
async def tenant(stack: LocalStack) -> AsyncIterator[Tenant]:
    created = _new_tenant(stack)
    yield created
    await created.client.aclose()


@pytest.fixture(scope="session")
async def other_tenant(stack: LocalStack) -> AsyncIterator[Tenant]:
    created = _new_tenant(stack)
    yield created
    await created.client.aclose()
