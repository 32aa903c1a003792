"""The production HTTP protocol: one write per response turn, and HTTP/1.1 exactly as before."""

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from ideaflow_shared.server import FLUSH_AT_BYTES, CoalescingTransport
from ideaflow_shared.testing import served


class RecordingTransport:
    """Stands in for a socket transport (asyncio's own class is abstract)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_of_one_turn_leave_as_one_write_when_the_turn_ends() -> None:
    recording = RecordingTransport()
    transport = CoalescingTransport(recording, asyncio.get_running_loop())  # type: ignore[arg-type]

    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"")
    transport.write(b"ok")
    assert recording.written == []
    await asyncio.sleep(0)

    assert recording.written == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
    assert transport.get_extra_info("peername") == "info:peername"


async def test_a_large_body_is_not_held_back_and_close_sends_what_is_pending() -> None:
    recording = RecordingTransport()
    transport = CoalescingTransport(recording, asyncio.get_running_loop())  # type: ignore[arg-type]

    transport.write(b"head")
    transport.write(b"x" * FLUSH_AT_BYTES)
    assert recording.written == [b"head" + b"x" * FLUSH_AT_BYTES]
    transport.write(b"tail")
    transport.close()

    assert recording.written[-1] == b"tail"
    assert recording.closed
    await asyncio.sleep(0)  # the turn's scheduled flush finds nothing left
    assert len(recording.written) == 2


async def test_nothing_is_written_to_a_closed_connection() -> None:
    recording = RecordingTransport()
    transport = CoalescingTransport(recording, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"late")
    recording.closed = True
    await asyncio.sleep(0)

    assert recording.written == []


CHUNK = b"0123456789" * 1000


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(200):
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b"hello"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": body})


async def test_served_responses_are_intact_small_streamed_and_kept_alive() -> None:
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        small = [await client.get("/") for _ in range(3)]
        streamed = await client.get("/stream")
        head = await client.head("/")

    assert [(response.status_code, response.content) for response in small] == [(200, b"hello")] * 3
    assert streamed.content == CHUNK * 200
    assert (head.status_code, head.content) == (200, b"")


async def test_a_malformed_request_still_gets_its_400_before_the_connection_closes() -> None:
    async with served(app) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()

    assert answer.startswith(b"HTTP/1.1 400 ")
