"""Helpers for the test suites of every process (not imported by running code).

The suites run on SQLite by default and on PostgreSQL when IDEAFLOW_TEST_POSTGRES_URL is set
(e.g. `postgresql+asyncpg://postgres@127.0.0.1:5432`); each suite then gets fresh databases.
"""

import asyncio
import atexit
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import uvicorn
from starlette.types import ASGIApp

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER, Identity, mint_token
from ideaflow_shared.server import CoalescingHttpToolsProtocol
from ideaflow_shared.settings import DEVELOPMENT_TOKEN_SECRET

POSTGRES_URL_VARIABLE = "IDEAFLOW_TEST_POSTGRES_URL"
TEST_TOKEN_SECRET = DEVELOPMENT_TOKEN_SECRET


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def served(
    app: ASGIApp, http: type[CoalescingHttpToolsProtocol] = CoalescingHttpToolsProtocol
) -> AsyncIterator[str]:
    """Serve `app` over real HTTP with uvicorn in this event loop (lifespan included, the production
    protocol class, or the gateway's as `http`); yield its URL.

    The socket is bound before the server starts, so no other test can take the port meanwhile.
    """
    server = uvicorn.Server(
        uvicorn.Config(app, http=http, log_config=None, access_log=False, lifespan="on", proxy_headers=False)
    )
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            if serving.done():
                serving.result()  # start-up failed: raise its error here
                raise RuntimeError("the server stopped during start-up")
            await asyncio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{listener.getsockname()[1]}"
        finally:
            server.should_exit = True
            await serving


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


async def _administer(statements: list[str]) -> None:
    base = postgres_base_url()
    assert base is not None
    server = base.replace("postgresql+asyncpg://", "postgresql://").rstrip("/")
    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _drop_at_exit(name: str) -> None:
    atexit.register(lambda: asyncio.run(_administer([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])))


async def fresh_database_url(name: str, directory: Path) -> str:
    """An empty database for one test run: on PostgreSQL when configured (dropped when the run
    ends; the process id in its name keeps concurrent runs apart), else a SQLite file."""
    base = postgres_base_url()
    if base is None:
        return f"sqlite+aiosqlite:///{directory / name}.db"
    name = f"{name}_{os.getpid()}"
    await _administer([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])
    _drop_at_exit(name)
    return f"{base.rstrip('/')}/{name}"


def new_identity(*roles: str, organization_id: uuid.UUID | None = None, principal_id: str | None = None) -> Identity:
    """A caller in a brand-new organisation (unless one is given): tests never see each other's data."""
    identity = Identity(
        organization_id=organization_id or uuid.uuid4(),
        principal_id=principal_id or f"user-{uuid.uuid4().hex[:8]}",
        roles=frozenset(roles),
    )
    return Identity(
        organization_id=identity.organization_id,
        principal_id=identity.principal_id,
        roles=identity.roles,
        token=mint_token(identity, TEST_TOKEN_SECRET, ttl_seconds=3600),
    )


class Caller:
    """An HTTP client that speaks as one identity."""

    def __init__(self, client: httpx.AsyncClient, identity: Identity) -> None:
        self.client = client
        self.identity = identity

    async def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        headers = {INTERNAL_TOKEN_HEADER: self.identity.token, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return await self.client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)
