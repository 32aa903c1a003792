"""The typed-client base: retries only what is safe to retry, and says clearly when it cannot."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI, Request, Response

from ideaflow_shared.http import ServiceClient, create_http_session
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import GatewayTimeout, ServiceUnavailable
from ideaflow_shared.testing import free_port

CALLER = Identity(organization_id=uuid.uuid4(), principal_id="user-1", token="token-1")


def _flaky_upstream(hits: list[str]) -> FastAPI:
    """Answers 503 to the first request of each method, then 200 with what it received."""
    app = FastAPI()

    @app.api_route("/thing", methods=["GET", "POST"])
    async def thing(request: Request) -> Response:
        hits.append(request.method)
        if hits.count(request.method) == 1:
            return Response(status_code=503)
        return Response(content=b'{"token": "%s"}' % request.headers["x-ideaflow-token"].encode())

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(2)
        return {}

    return app


async def test_idempotent_calls_are_retried_and_others_are_not(serve: Callable[[FastAPI], Awaitable[str]]) -> None:
    hits: list[str] = []
    base_url = await serve(_flaky_upstream(hits))
    async with create_http_session() as session:
        client = ServiceClient(session, base_url)
        got = await client.request("GET", "/thing", identity=CALLER)
        posted = await client.request("POST", "/thing", identity=CALLER, json={})

    assert got == (200, {"token": "token-1"})
    assert posted == (503, None)
    assert hits == ["GET", "GET", "POST"]


async def test_an_unreachable_service_is_a_503_problem() -> None:
    async with create_http_session() as session:
        client = ServiceClient(session, f"http://127.0.0.1:{free_port()}", retries=1)
        with pytest.raises(ServiceUnavailable):
            await client.request("GET", "/thing", identity=CALLER)


async def test_a_slow_service_is_a_504_problem(serve: Callable[[FastAPI], Awaitable[str]]) -> None:
    base_url = await serve(_flaky_upstream([]))
    async with create_http_session() as session:
        client = ServiceClient(session, base_url, timeout_seconds=0.2, retries=0)
        with pytest.raises(GatewayTimeout):
            await client.request("GET", "/slow", identity=CALLER)
