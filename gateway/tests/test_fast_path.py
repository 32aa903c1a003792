"""The fast path, over real HTTP: the same answers as the ASGI path, failures included, in order.

Each test sends a request twice: first with a key the gateway has not verified yet (the ASGI path,
which looks the key up), then again with the key cached (the fast path), and compares the answers.
"""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from ideaflow_gateway.fast_path import Exchange, GatewayProtocol
from ideaflow_gateway.main import GatewayApp, create_app
from ideaflow_gateway.settings import GatewaySettings
from ideaflow_shared.context import REQUESTS
from ideaflow_shared.testing import TEST_TOKEN_SECRET, free_port, served

from .conftest import SLOW_PATH, STREAMED_BODY, STREAMED_PATH, IssueKey

PROBLEM_JSON = "application/problem+json"
TIMEOUT_SECONDS = 1.0  # below the recording upstream's SLOW_SECONDS
TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


@dataclass
class FastGateway:
    url: str
    app: GatewayApp
    exchanges: list[Exchange | None]
    """What the fast path decided for each request: the exchange that served it, or None (ASGI)."""


@asynccontextmanager
async def fast_gateway(database_url: str, *, ideas_url: str, experiments_url: str) -> AsyncIterator[FastGateway]:
    """A gateway served over HTTP by its production protocol, keys cached for the default 5 s."""
    settings = GatewaySettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        ideas_url=ideas_url,
        experiments_url=experiments_url,
        feedback_url=f"http://127.0.0.1:{free_port()}",
        upstream_timeout_seconds=TIMEOUT_SECONDS,
        log_level="warning",
    )
    app = create_app(settings)
    decide = app.fast_path.exchange_for
    exchanges: list[Exchange | None] = []

    def recording_decisions(protocol: GatewayProtocol) -> Exchange | None:
        exchanges.append(decide(protocol))
        return exchanges[-1]

    app.fast_path.exchange_for = recording_decisions  # type: ignore[method-assign]
    async with served(app, http=GatewayProtocol) as url:
        yield FastGateway(url, app, exchanges)


@pytest.fixture
async def fast(recording_url: str, ideas_url: str, gateway_database_url: str) -> AsyncIterator[FastGateway]:
    async with fast_gateway(gateway_database_url, ideas_url=ideas_url, experiments_url=recording_url) as gateway:
        yield gateway


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], object]:
    """Status, headers and body, without what differs by request (date, request id, trace ids)."""
    headers = [(name, value) for name, value in response.headers.multi_items() if name not in ("date", "x-request-id")]
    body = response.json() if response.content else None
    if isinstance(body, dict):
        body.pop("request_id", None)
        received = body.get("headers")
        if received is not None:
            body["headers"] = sorted(
                [name, bool(TRACEPARENT.fullmatch(value)) if name == "traceparent" else value]
                for name, value in received
                if name != "x-request-id"
            )
    return response.status_code, sorted(headers), body


async def _twice(
    gateway: FastGateway, issue_key: IssueKey, send: Callable[..., Awaitable[httpx.Response]]
) -> tuple[httpx.Response, httpx.Response]:
    key = {"X-API-Key": await issue_key()}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        via_asgi = await send(client, key)
        fast = await send(client, key)
    assert gateway.exchanges[-2] is None
    assert isinstance(gateway.exchanges[-1], Exchange)
    return via_asgi, fast


async def test_a_read_gets_what_the_asgi_path_gives_and_the_service_gets_what_it_would(
    fast: FastGateway, issue_key: IssueKey
) -> None:
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        headers = {**key, "X-Request-ID": "req-42", "traceparent": trace, "Accept": "application/json"}
        return await client.get("/v1/experiments/abc?stage=running&page_size=5", headers=headers)

    via_asgi, via_fast = await _twice(fast, issue_key, read)

    assert _comparable(via_fast) == _comparable(via_asgi)
    assert via_fast.status_code == 200
    assert via_fast.headers["x-request-id"] == "req-42"
    assert via_fast.headers["x-upstream"] == "recording"
    received = dict(via_fast.json()["headers"])
    assert via_fast.json()["query"] == "stage=running&page_size=5"
    assert received["x-request-id"] == "req-42"
    assert received["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert received["traceparent"] != trace  # a new span of the caller's trace
    assert "x-ideaflow-token" in received
    assert "x-api-key" not in received


async def test_a_delete_and_a_real_service_read_take_the_fast_path_too(fast: FastGateway, issue_key: IssueKey) -> None:
    async def delete(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.delete("/v1/experiments/abc", headers={**key, "If-Match": '"1"'})

    via_asgi, via_fast = await _twice(fast, issue_key, delete)
    assert _comparable(via_fast) == _comparable(via_asgi)

    async def unknown_idea(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.get(f"/v1/ideas/{uuid.uuid4()}", headers=key)

    via_asgi, via_fast = await _twice(fast, issue_key, unknown_idea)
    assert via_fast.status_code == 404
    assert via_fast.headers["content-type"] == PROBLEM_JSON
    assert _comparable(via_fast)[:2] == _comparable(via_asgi)[:2]


async def test_an_unreachable_service_is_the_same_503_problem(fast: FastGateway, issue_key: IssueKey) -> None:
    async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.get("/v1/feedback", headers=key)

    via_asgi, via_fast = await _twice(fast, issue_key, read)

    assert via_fast.status_code == 503
    assert via_fast.headers["content-type"] == PROBLEM_JSON
    assert _comparable(via_fast) == _comparable(via_asgi)
    assert via_fast.json()["request_id"] == via_fast.headers["x-request-id"]


async def test_a_service_too_slow_is_the_same_504_problem_in_time(fast: FastGateway, issue_key: IssueKey) -> None:
    async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.get(SLOW_PATH, headers=key, timeout=TIMEOUT_SECONDS + 0.4)

    via_asgi, via_fast = await _twice(fast, issue_key, read)

    assert via_fast.status_code == 504
    assert _comparable(via_fast) == _comparable(via_asgi)


async def test_a_large_answer_without_length_streams_through_intact(fast: FastGateway, issue_key: IssueKey) -> None:
    async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.get(STREAMED_PATH, headers=key)

    via_asgi, via_fast = await _twice(fast, issue_key, read)

    assert via_fast.content == via_asgi.content == STREAMED_BODY
    assert via_fast.headers["transfer-encoding"] == "chunked"


async def test_requests_that_the_asgi_path_must_serve_do_not_take_the_fast_path(
    fast: FastGateway, issue_key: IssueKey
) -> None:
    key = {"X-API-Key": await issue_key()}
    async with httpx.AsyncClient(base_url=fast.url) as client:
        await client.get("/v1/experiments", headers=key)  # the key is verified and cached now
        del fast.exchanges[:]
        answers = [
            await client.get("/v1/experiments", headers={**key, "Origin": "https://app.example.com"}),
            await client.post("/v1/experiments", headers=key, json={}),
            await client.head("/v1/experiments", headers=key),
            await client.get("/v1/experiments", headers={"X-API-Key": "not-a-key"}),
            await client.get("/v1/api-keys", headers=key),
            await client.get("/healthz"),
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 401, 403, 200]
    assert fast.exchanges == [None] * len(answers)


async def _raw_exchange(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(5):
            return await reader.read(-1)  # until the gateway closes the connection
    finally:
        writer.close()


async def test_pipelined_requests_are_answered_in_order(fast: FastGateway, issue_key: IssueKey) -> None:
    key = await issue_key()
    async with httpx.AsyncClient(base_url=fast.url) as client:
        await client.get("/v1/experiments", headers={"X-API-Key": key})
    del fast.exchanges[:]
    request = "GET {} HTTP/1.1\r\nhost: gateway\r\nx-api-key: " + key + "\r\n{}\r\n"
    pipelined = [
        request.format("/v1/experiments/first", ""),
        request.format(SLOW_PATH, ""),
        request.format("/v1/experiments/third", "connection: close\r\n"),
    ]

    answer = await _raw_exchange(fast.url, "".join(pipelined).encode())

    answers = [part.split(b"\r\n\r\n", 1) for part in answer.split(b"HTTP/1.1 ")[1:]]
    assert [int(head[:3]) for head, _ in answers] == [200, 504, 200]
    assert b'"path": "/v1/experiments/first"' in answers[0][1]
    assert b"gateway-timeout" in answers[1][1]
    assert b'"path": "/v1/experiments/third"' in answers[2][1]
    assert isinstance(fast.exchanges[0], Exchange)  # the first; the others queued behind it
    assert b"connection: close" in answers[-1][0]


async def test_a_connection_the_service_dropped_while_idle_is_retried_once(
    gateway_database_url: str, recording_url: str, issue_key: IssueKey
) -> None:
    """The service answers each connection's first request only, then closes it without a word."""
    connections = 0

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request on this connection: never answered
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    ideas_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with fast_gateway(gateway_database_url, ideas_url=ideas_url, experiments_url=recording_url) as gateway:

            async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
                return await client.get("/v1/ideas", headers=key)

            via_asgi, via_fast = await _twice(gateway, issue_key, read)
    finally:
        server.close()
        await server.wait_closed()

    assert (via_asgi.status_code, via_fast.status_code) == (200, 200)
    assert via_fast.content == b"{}"
    assert connections == 2


async def test_a_fast_request_is_counted_in_the_metrics(fast: FastGateway, issue_key: IssueKey) -> None:
    counted = REQUESTS.labels("GET", "/v1/experiments", "200")
    before = counted._value.get()

    async def read(client: httpx.AsyncClient, key: dict[str, str]) -> httpx.Response:
        return await client.get("/v1/experiments/counted", headers=key)

    await _twice(fast, issue_key, read)

    assert counted._value.get() == before + 2


async def test_a_caller_that_leaves_mid_answer_does_not_stall_the_next(fast: FastGateway, issue_key: IssueKey) -> None:
    key = await issue_key()
    async with httpx.AsyncClient(base_url=fast.url) as client:
        await client.get("/v1/experiments", headers={"X-API-Key": key})
    host, port = fast.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {STREAMED_PATH} HTTP/1.1\r\nhost: gateway\r\nx-api-key: {key}\r\n\r\n".encode())
    await reader.readexactly(64 * 1024)  # a little of the 3 MiB, then gone
    writer.close()
    await writer.wait_closed()

    async with httpx.AsyncClient(base_url=fast.url, timeout=5) as client:
        answers = [await client.get(STREAMED_PATH, headers={"X-API-Key": key}) for _ in range(2)]

    assert [answer.content for answer in answers] == [STREAMED_BODY, STREAMED_BODY]
    assert isinstance(fast.exchanges[1], Exchange)
    assert all(isinstance(exchange, Exchange) for exchange in fast.exchanges[-2:])
