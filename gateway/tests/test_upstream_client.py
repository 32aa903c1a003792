"""The proxy's own HTTP/1.1 client against real servers: keep-alive, streaming both ways, framing, failures."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
import uvloop
from starlette.types import Receive, Scope, Send

from ideaflow_gateway import upstream_client
from ideaflow_gateway.upstream_client import UpstreamConnectionError, UpstreamPool
from ideaflow_shared.testing import served

BIG = 3 * 1024 * 1024


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with what it received: the body's length and framing, or a large body on /big."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    received = b""
    while True:
        message = await receive()
        received += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    if scope["path"] == "/big":
        body = bytes(range(256)) * (BIG // 256)
    elif scope["path"] == "/bytes":
        body = b"x" * int(scope["query_string"])
    else:
        framing = b"chunked" if headers.get(b"transfer-encoding") == b"chunked" else b"length"
        body = b"%d %s %s %s" % (len(received), framing, headers.get(b"host", b"-"), scope["query_string"] or b"-")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def pool() -> AsyncIterator[UpstreamPool]:
    async with served(echo) as url:
        address = urlsplit(url)
        assert address.hostname is not None
        assert address.port is not None
        pool = UpstreamPool(address.hostname, address.port)
        yield pool
        pool.close()


async def exchange(
    pool: UpstreamPool,
    method: str,
    target: bytes,
    body: AsyncIterator[bytes] | None = None,
    *,
    chunked: bool = False,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> tuple[int, bytes]:
    response = await pool.request(method, target, [(b"x-test", b"1"), *headers], body, chunked=chunked)
    content = await response.read()
    response.release(finished=True)
    return response.status, content


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def test_sequential_requests_reuse_one_connection(pool: UpstreamPool) -> None:
    first = await exchange(pool, "GET", b"/one?a=1")
    connection = pool._idle[-1]
    second = await exchange(pool, "GET", b"/two")

    assert first == (200, b"0 length " + f"{pool.host}:{pool.port}".encode() + b" a=1")
    assert second[0] == 200
    assert list(pool._idle) == [connection]


async def test_a_body_of_known_length_streams_in_pieces(pool: UpstreamPool) -> None:
    body = chunks(b"a" * 10, b"b" * 70_000, b"c")
    status, content = await exchange(pool, "POST", b"/", body, headers=[(b"content-length", b"70011")])

    assert (status, content.split()[:2]) == (200, [b"70011", b"length"])


async def test_a_body_of_unknown_length_is_sent_chunked(pool: UpstreamPool) -> None:
    status, content = await exchange(pool, "POST", b"/", chunks(b"x" * 5, b"y" * 100_000), chunked=True)

    assert (status, content.split()[:2]) == (200, [b"100005", b"chunked"])
    assert (await exchange(pool, "GET", b"/after"))[0] == 200  # the connection is still in step


async def test_a_large_answer_streams_intact(pool: UpstreamPool) -> None:
    response = await pool.request("GET", b"/big", [])
    pieces = [chunk async for chunk in response.body()]
    response.release(finished=True)

    assert b"".join(pieces) == bytes(range(256)) * (BIG // 256)
    assert len(pieces) > 1  # it arrived as it came, not as one buffer


async def test_a_connection_is_reused_after_an_answer_that_paused_its_reading(pool: UpstreamPool) -> None:
    # Just over the high-water mark and read only once all of it has arrived: the last piece both
    # pauses reading and completes the answer, so nothing drained resumes it before the next request.
    size = upstream_client._HIGH_WATER_BYTES + 64 * 1024
    response = await pool.request("GET", b"/bytes?%d" % size, [])
    await asyncio.sleep(0.2)
    assert len(await response.read()) == size
    response.release(finished=True)
    connection = pool._idle[-1]

    async with asyncio.timeout(5):
        assert (await exchange(pool, "GET", b"/next"))[0] == 200
    assert pool._idle[-1] is connection


async def test_after_a_head_request_the_next_request_gets_a_fresh_connection(pool: UpstreamPool) -> None:
    response = await pool.request("HEAD", b"/", [])
    assert (response.status, await response.read()) == (200, b"")
    response.release(finished=True)

    assert (await exchange(pool, "GET", b"/"))[0] == 200


async def test_an_idle_connection_is_not_reused_after_the_keepalive(
    pool: UpstreamPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream_client, "KEEPALIVE_SECONDS", 0.05)
    await exchange(pool, "GET", b"/")
    stale = pool._idle[-1]
    await asyncio.sleep(0.1)

    await exchange(pool, "GET", b"/")

    assert stale.closed
    assert pool._idle[-1] is not stale


@asynccontextmanager
async def raw_upstream(
    answer: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[UpstreamPool]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    pool = UpstreamPool("127.0.0.1", server.sockets[0].getsockname()[1])
    try:
        yield pool
    finally:
        pool.close()
        server.close()
        await server.wait_closed()


async def test_a_connection_the_upstream_closed_while_idle_is_not_used() -> None:
    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")  # keep-alive, then closes anyway

    async with raw_upstream(answer_once) as pool:
        assert await exchange(pool, "GET", b"/") == (200, b"ok")
        await asyncio.sleep(0.05)

        assert await exchange(pool, "GET", b"/") == (200, b"ok")


async def test_an_answer_cut_short_is_an_error_not_a_short_body() -> None:
    async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()

    async with raw_upstream(cut_short) as pool:
        response = await pool.request("GET", b"/", [])
        with pytest.raises(UpstreamConnectionError) as raised:
            await response.read()
        response.release(finished=False)

    assert raised.value.answered


async def test_garbage_instead_of_http_is_an_error() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
        await writer.drain()

    async with raw_upstream(garbage) as pool:
        with pytest.raises(UpstreamConnectionError):
            await pool.request("GET", b"/", [])


async def test_an_interim_answer_is_skipped() -> None:
    async def continue_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nx-final: yes\r\ncontent-length: 4\r\n\r\ndone"
        )
        await writer.drain()

    async with raw_upstream(continue_first) as pool:
        response = await pool.request("POST", b"/", [], chunks(b"body"))
        assert (response.status, response.headers, await response.read()) == (
            201,
            [(b"x-final", b"yes"), (b"content-length", b"4")],
            b"done",
        )
        response.release(finished=True)


async def test_a_port_nobody_listens_on_is_an_error() -> None:
    server = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()

    with pytest.raises(UpstreamConnectionError):
        await UpstreamPool("127.0.0.1", port).request("GET", b"/", [])


def test_the_client_works_on_uvloop_as_served_in_production() -> None:
    """uvicorn runs the gateway on uvloop, whose transports differ from asyncio's own."""

    async def scenario() -> None:
        async with served(echo) as url:
            address = urlsplit(url)
            assert address.hostname is not None
            assert address.port is not None
            pool = UpstreamPool(address.hostname, address.port)
            try:
                assert (await exchange(pool, "GET", b"/"))[0] == 200
                status, content = await exchange(pool, "POST", b"/", chunks(b"z" * 100_000), chunked=True)
                assert (status, content.split()[:2]) == (200, [b"100000", b"chunked"])
                await test_a_connection_is_reused_after_an_answer_that_paused_its_reading(pool)
                assert len(pool._idle) == 1
            finally:
                pool.close()

    uvloop.run(scenario())
