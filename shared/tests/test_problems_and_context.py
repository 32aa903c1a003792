"""What every process answers on error paths, and the request context it keeps."""

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from ideaflow_shared.context import RequestContextMiddleware, current_context
from ideaflow_shared.logging import configure_logging
from ideaflow_shared.problems import install_problem_handlers

PROBLEM_JSON = "application/problem+json"


class Item(BaseModel):
    name: str


def _app(max_body_bytes: int = 1024, uncapped_paths: re.Pattern[str] | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    items = APIRouter(prefix="/items")  # included, as every service's resources are

    @items.get("")
    async def list_items() -> list[Item]:
        return []

    @items.post("", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    app.include_router(items)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    @app.get("/context")
    async def context() -> dict[str, str]:
        request_context = current_context.get()
        assert request_context is not None
        return request_context.outgoing_headers()

    @app.get("/database/{failure}")
    async def database(failure: str) -> None:
        statement = None if failure == "unreachable" else "SELECT 1"  # no connection, no statement
        raise DBAPIError(statement, None, OSError(failure), connection_invalidated=failure == "disconnect")

    @app.post("/uploads")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": sum([len(chunk) async for chunk in request.stream()])}

    app.add_middleware(RequestContextMiddleware, max_body_bytes=max_body_bytes, uncapped_paths=uncapped_paths)
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t")


async def test_an_unhandled_exception_is_a_500_problem_without_internals_and_is_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="info", json=True)
    async with _client(_app()) as client:
        response = await client.get("/crash", headers={"X-Request-ID": "req-crash-1"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["request_id"] == "req-crash-1"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    crash = next(entry for entry in logged if entry["event"] == "unhandled_exception")
    assert crash["request_id"] == "req-crash-1"
    assert "secret internals" in crash["exception"]


async def test_framework_errors_are_problems_too() -> None:
    async with _client(_app()) as client:
        unknown = await client.get("/nowhere")
        wrong_method = await client.delete("/items")
        invalid = await client.post("/items", json={"name": 42})
        not_json = await client.post("/items", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})

    assert unknown.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD, POST"
    assert invalid.status_code == 422
    assert invalid.json()["errors"] == [{"pointer": "/body/name", "detail": "Input should be a valid string"}]
    assert not_json.status_code in (400, 422)
    for response in (unknown, wrong_method, invalid, not_json):
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["status"] == response.status_code


async def test_request_id_is_generated_or_echoed_and_trace_context_is_carried_on() -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with _client(_app()) as client:
        generated = await client.get("/items")
        echoed = await client.get("/items", headers={"X-Request-ID": "abc-123"})
        unsafe = await client.get("/items", headers={"X-Request-ID": "bad id\twith spaces"})
        outgoing = await client.get(
            "/context",
            headers={"X-Request-ID": "abc-123", "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
        )

    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    assert echoed.headers["x-request-id"] == "abc-123"
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    assert outgoing.json()["X-Request-ID"] == "abc-123"
    assert re.fullmatch(rf"00-{trace_id}-[0-9a-f]{{16}}-01", outgoing.json()["traceparent"])


async def test_bodies_over_the_cap_are_refused_with_413_declared_or_streamed() -> None:
    big = b'{"name": "' + b"x" * 2000 + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        yield big[:1000]
        yield big[1000:]

    async with _client(_app(max_body_bytes=1024)) as client:
        declared = await client.post("/items", content=big, headers={"Content-Type": "application/json"})
        streamed = await client.post("/items", content=chunks(), headers={"Content-Type": "application/json"})

    assert declared.status_code == streamed.status_code == 413
    assert declared.headers["content-type"] == streamed.headers["content-type"] == PROBLEM_JSON


async def test_uncapped_paths_stream_bodies_of_any_size_and_other_paths_stay_capped() -> None:
    big = b"x" * 5000
    async with _client(_app(max_body_bytes=1024, uncapped_paths=re.compile("/uploads"))) as client:
        uploaded = await client.post("/uploads", content=big)
        capped = await client.post("/items", content=big, headers={"Content-Type": "application/json"})

    assert uploaded.status_code == 200
    assert uploaded.json() == {"bytes": 5000}
    assert capped.status_code == 413


async def test_an_unavailable_database_is_a_503_to_retry_and_other_database_errors_are_500s() -> None:
    async with _client(_app()) as client:
        lost = await client.get("/database/disconnect")
        unreachable = await client.get("/database/unreachable")
        broken = await client.get("/database/syntax")

    for unavailable in (lost, unreachable):
        assert unavailable.status_code == 503
        assert unavailable.headers["content-type"] == PROBLEM_JSON
        assert unavailable.headers["retry-after"] == "1"
        assert "Retry" in unavailable.json()["detail"]
    assert broken.status_code == 500
    assert broken.headers["content-type"] == PROBLEM_JSON
    assert "SELECT" not in broken.text
