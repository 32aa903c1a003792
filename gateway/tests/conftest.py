"""The gateway in process, in front of real servers: the ideas service, a recording upstream, a dead port."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Receive, Scope, Send

from ideaflow_gateway.api_keys.schemas import ApiKeyCreate
from ideaflow_gateway.api_keys.service import create_api_key
from ideaflow_gateway.main import GatewayApp, create_app
from ideaflow_gateway.settings import GatewaySettings
from ideaflow_ideas.main import create_app as create_ideas_app
from ideaflow_ideas.settings import IdeasSettings
from ideaflow_shared.testing import TEST_TOKEN_SECRET, free_port, fresh_database_url, served

ALLOWED_ORIGIN = "https://app.example.com"
# Generous for the services, which share a busy machine; the impatient gateway times out early.
UPSTREAM_TIMEOUT_SECONDS = 10
IMPATIENT_TIMEOUT_SECONDS = 0.5
MAX_BODY_BYTES = 64 * 1024

IssueKey = Callable[..., Awaitable[str]]

SLOW_PATH = "/v1/experiments/slow"
SLOW_UPLOAD_PATH = "/v1/imports/slow/file"
SLOW_SECONDS = 1.5
STREAMED_PATH = "/v1/experiments/streamed"
STREAMED_BODY = bytes(range(256)) * (3 * 1024 * 1024 // 256)
RECORDING_DOCUMENT: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {"title": "recording", "version": "0"},
    "paths": {},
}


async def recording_upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """Plays the experiments service: answers with the headers it received, or too late."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] in (SLOW_PATH, SLOW_UPLOAD_PATH):
        await asyncio.sleep(SLOW_SECONDS)
    if scope["path"] == STREAMED_PATH:  # no Content-Length: uvicorn sends it chunked
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for start in range(0, len(STREAMED_BODY), 256 * 1024):
            chunk = STREAMED_BODY[start : start + 256 * 1024]
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["path"] == "/openapi.json":
        answer = RECORDING_DOCUMENT
    else:
        answer = {
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": [[name.decode(), value.decode()] for name, value in scope["headers"]],
            "body_bytes": len(body),
        }
    content = json.dumps(answer).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"x-upstream", b"recording")],
        }
    )
    await send({"type": "http.response.body", "body": content})


@pytest.fixture(scope="session")
async def serve() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Serve an ASGI app over HTTP on a free port for the session; answer its base URL."""
    async with AsyncExitStack() as servers:

        async def start(app: ASGIApp) -> str:
            return await servers.enter_async_context(served(app))

        yield start


@pytest.fixture(scope="session")
async def ideas_url(serve: Callable[..., Awaitable[str]], tmp_path_factory: pytest.TempPathFactory) -> str:
    database_url = await fresh_database_url("ideaflow_test_gateway_ideas", tmp_path_factory.mktemp("ideas"))
    settings = IdeasSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        log_level="warning",
    )
    return await serve(create_ideas_app(settings))


@pytest.fixture(scope="session")
async def recording_url(serve: Callable[..., Awaitable[str]]) -> str:
    return await serve(recording_upstream)


@pytest.fixture(scope="session")
async def gateway_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return await fresh_database_url("ideaflow_test_gateway", tmp_path_factory.mktemp("gateway"))


@pytest.fixture(scope="session")
async def gateway(ideas_url: str, recording_url: str, gateway_database_url: str) -> AsyncIterator[GatewayApp]:
    """Ideas behind it for real, experiments played by the recording upstream, feedback down."""
    settings = GatewaySettings(
        environment="development",
        database_url=gateway_database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        ideas_url=ideas_url,
        experiments_url=recording_url,
        feedback_url=f"http://127.0.0.1:{free_port()}",
        upstream_timeout_seconds=UPSTREAM_TIMEOUT_SECONDS,
        cors_origins=[ALLOWED_ORIGIN],
        api_key_cache_seconds=0,
        max_body_bytes=MAX_BODY_BYTES,
        log_level="warning",
    )
    app = create_app(settings)
    async with LifespanManager(app):
        yield app


@pytest.fixture(scope="session")
async def impatient_client(
    gateway: GatewayApp, ideas_url: str, recording_url: str, gateway_database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway on the same database that gives the services only half a second (uploads
    keep the default upload timeout); experiments and feedback are played by the recording upstream."""
    settings = GatewaySettings(
        environment="development",
        database_url=gateway_database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=False,
        ideas_url=ideas_url,
        experiments_url=recording_url,
        feedback_url=recording_url,
        upstream_timeout_seconds=IMPATIENT_TIMEOUT_SECONDS,
        log_level="warning",
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://impatient-gateway") as client:
            yield client


@pytest.fixture(scope="session")
async def client(gateway: GatewayApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


@pytest.fixture
def issue_key(gateway: GatewayApp) -> IssueKey:
    """Create a key straight in the gateway's database (as the CLI does) and answer its secret."""

    async def issue(*roles: str, organization_id: uuid.UUID | None = None) -> str:
        async with gateway.state.sessionmaker() as session, session.begin():
            _, secret = await create_api_key(
                session,
                organization_id=organization_id or uuid.uuid4(),
                data=ApiKeyCreate(name="test key", roles=list(roles) or ["employee"]),
            )
        return secret

    return issue
