"""A lean HTTP/1.1 client for the proxy: pooled keep-alive connections, httptools parsing.

The proxy needs only a small part of what a general client does (no redirects, cookies, TLS or
decompression), and a general client's per-request set-up was the largest cost in the gateway's
profile (docs/performance.md). Bodies stream both ways with flow control, never held whole.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import cast

import httptools

_MAX_IDLE_CONNECTIONS = 256
_HIGH_WATER_BYTES = 256 * 1024


class UpstreamConnectionError(Exception):
    """The upstream could not be reached, or closed the connection before answering."""

    def __init__(self, message: str, *, answered: bool = False, reused: bool = False) -> None:
        super().__init__(message)
        self.answered = answered  # some of the response had arrived
        self.reused = reused  # the connection had served earlier requests


class _Connection(asyncio.Protocol):
    """One connection, one request at a time; the parser calls the `on_*` methods."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False
        self._writable = asyncio.Event()
        self._writable.set()
        self._reset()

    def _reset(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.complete = False
        self._buffer: deque[bytes] = deque()
        self._buffered = 0
        self._arrived = asyncio.Event()
        self._error: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamConnectionError(f"invalid response: {error}", answered=True))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            self._fail(
                UpstreamConnectionError(
                    "the connection closed before the response was complete",
                    answered=self.answered.done(),
                    reused=self.reused,
                )
            )
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if not self.answered.done():
            self.answered.set_result(None)

    def on_body(self, body: bytes) -> None:
        self._buffer.append(body)
        self._buffered += len(body)
        self._arrived.set()
        if self._buffered > _HIGH_WATER_BYTES and self.transport is not None:
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        self.complete = True
        self._arrived.set()

    def _fail(self, error: Exception) -> None:
        self._error = error
        if not self.answered.done():
            self.answered.set_exception(error)
            self.answered.exception()  # retrieved here; the waiter re-raises it
        self._arrived.set()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def write(self, data: bytes) -> None:
        if self.closed:
            raise UpstreamConnectionError("the connection closed while sending the request", reused=self.reused)
        assert self.transport is not None
        self.transport.write(data)
        if not self._writable.is_set():
            await self._writable.wait()

    async def body(self) -> AsyncIterator[bytes]:
        """The response body as it arrives."""
        while True:
            while self._buffer:
                chunk = self._buffer.popleft()
                self._buffered -= len(chunk)
                yield chunk
            if self.complete:
                return
            if self._error is not None:
                raise self._error
            if self.transport is not None and self._buffered <= _HIGH_WATER_BYTES:
                self.transport.resume_reading()
            self._arrived.clear()
            await self._arrived.wait()


class UpstreamResponse:
    def __init__(self, connection: _Connection, pool: "UpstreamPool", head_only: bool) -> None:
        self.status = connection.parser.get_status_code()
        self.headers = connection.headers
        self._connection = connection
        self._pool = pool
        self._head_only = head_only

    async def body(self) -> AsyncIterator[bytes]:
        if self._head_only:
            return
        async for chunk in self._connection.body():
            yield chunk

    def release(self, *, finished: bool) -> None:
        """Give the connection back for reuse if the exchange ended cleanly, else close it."""
        connection = self._connection
        if finished and connection.complete and connection.parser.should_keep_alive() and not self._head_only:
            self._pool.release(connection)
        else:
            connection.close()


class UpstreamPool:
    """Keep-alive connections to one upstream (`host:port`), reused most recent first."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._host_header = f"{host}:{port}".encode()
        self._idle: deque[_Connection] = deque()

    async def _acquire(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                connection.reused = True
                connection._reset()
                connection.parser = httptools.HttpResponseParser(connection)
                return connection
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except OSError as error:
            raise UpstreamConnectionError(f"cannot connect to {self.host}:{self.port}: {error}") from None
        return connection

    def release(self, connection: _Connection) -> None:
        if len(self._idle) < _MAX_IDLE_CONNECTIONS:
            self._idle.append(connection)
        else:
            connection.close()

    async def request(
        self,
        method: str,
        target: bytes,
        headers: Iterable[tuple[bytes, bytes]],
        body: AsyncIterator[bytes] | None,
        *,
        chunked: bool,
    ) -> UpstreamResponse:
        """Send the request head and body; answer once the response's head has arrived."""
        connection = await self._acquire()
        lines = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", self._host_header, b"\r\n"]
        for name, value in headers:
            lines += (name, b": ", value, b"\r\n")
        if chunked:
            lines.append(b"transfer-encoding: chunked\r\n")
        lines.append(b"\r\n")
        try:
            await connection.write(b"".join(lines))
            if body is not None:
                async for chunk in body:
                    await connection.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                if chunked:
                    await connection.write(b"0\r\n\r\n")
            await connection.answered
        except BaseException:
            connection.close()
            raise
        return UpstreamResponse(connection, self, head_only=method == "HEAD")

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
