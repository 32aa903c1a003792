"""A lean HTTP/1.1 client for the proxy: pooled keep-alive connections, httptools parsing.

The proxy needs a small part of what a general client does (no redirects, cookies, TLS, proxies or
decompression), and a general client's per-request set-up was most of the gateway's own cost: side
by side in one process against the same upstream, aiohttp spent about five times the CPU per
request of this client (docs/performance.md). The parsing is httptools', the parser uvicorn uses.
Bodies stream both ways with flow control, never held whole.

Two ways to hear an answer: `UpstreamPool.request` awaits it (the ASGI proxy, documents, health),
and `UpstreamPool.send` hands it to a `ResponseListener` as httptools parses it, with no task or
future in between (the fast path, fast_path.py).
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Protocol, cast

import httptools

KEEPALIVE_SECONDS = 4.0
"""An idle connection is dropped after this, below uvicorn's 5 s, so the service never closes one
just as the gateway sends on it."""

_MAX_IDLE_CONNECTIONS = 256
_HIGH_WATER_BYTES = 256 * 1024


class UpstreamConnectionError(Exception):
    """The upstream could not be reached, or closed the connection before answering."""

    def __init__(self, message: str, *, answered: bool = False, reused: bool = False) -> None:
        super().__init__(message)
        self.answered = answered
        """Some of the response had arrived."""
        self.reused = reused
        """The connection had served earlier requests (it may have been closed while idle)."""


class ResponseListener(Protocol):
    """Hears one answer as it is parsed (`UpstreamPool.send`); called from the event loop's callbacks."""

    def on_response_head(self, status: int, headers: list[tuple[bytes, bytes]]) -> None: ...

    def on_response_body(self, chunk: bytes) -> None: ...

    def on_response_complete(self) -> None: ...

    def on_response_failed(self, error: UpstreamConnectionError) -> None: ...


class Connection(asyncio.Protocol):
    """One connection, one exchange at a time; httptools calls the `on_*` methods as it parses."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.listener: ResponseListener | None = None
        # Kept: on Python 3.11 every asyncio.get_running_loop() costs a getpid system call.
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._writable = asyncio.Event()
        self._writable.set()
        self.reset()

    def reset(self) -> None:
        """Ready for the next exchange.

        Reading resumes: the last exchange may have paused it (a large body) and ended before its
        reader drained enough to resume, and a paused connection would never see its next answer.
        """
        if self.transport is not None:
            self.transport.resume_reading()
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.answered: asyncio.Future[None] = self.loop.create_future()
        self.complete = False
        self.keep_alive = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._arrived: asyncio.Future[None] | None = None
        self._error: UpstreamConnectionError | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's does not subclass asyncio.Transport, so no isinstance check).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamConnectionError(f"invalid response: {error}", answered=True))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            message = "the connection closed before the response was complete"
            self._fail(UpstreamConnectionError(message, answered=self.answered.done(), reused=self.reused))
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        # Asked now: once the message is complete, httptools no longer knows.
        self.keep_alive = self.parser.should_keep_alive()
        status = self.parser.get_status_code()
        if status >= 200 and not self.answered.done():
            self.answered.set_result(None)
            if self.listener is not None:
                self.listener.on_response_head(status, self.headers)

    def on_body(self, body: bytes) -> None:
        if self.listener is not None:
            self.listener.on_response_body(body)
            return
        self._chunks.append(body)
        self._buffered += len(body)
        self._wake()
        if self._buffered > _HIGH_WATER_BYTES and self.transport is not None:
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self.parser.get_status_code() < 200:  # 1xx: an interim answer; the real one follows
            self.headers = []
            return
        self.complete = True
        if self.listener is not None:
            self.listener.on_response_complete()
            return
        self._wake()

    # Used by the pool and the response

    def _wake(self) -> None:
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

    def _fail(self, error: UpstreamConnectionError) -> None:
        if self.listener is not None:
            listener, self.listener = self.listener, None
            listener.on_response_failed(error)
            return
        self._error = error
        if not self.answered.done():
            self.answered.set_exception(error)
            self.answered.exception()  # marked retrieved: the waiter re-raises it
        self._wake()

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
            while self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                yield chunk
            if self.complete:
                return
            if self._error is not None:
                raise self._error
            if self.transport is not None:
                self.transport.resume_reading()
            self._arrived = self.loop.create_future()
            await self._arrived


class UpstreamResponse:
    """A response whose head has arrived; its body streams from `body()`; `release()` ends it."""

    def __init__(self, connection: Connection, pool: "UpstreamPool", *, head_only: bool) -> None:
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

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.body()])

    def release(self, *, finished: bool) -> None:
        """Give the connection back for reuse if the exchange ended cleanly, else close it.

        After a HEAD the parser still expects the body the headers announce, so that connection
        is closed rather than reused.
        """
        connection = self._connection
        if finished and connection.complete and connection.keep_alive and not self._head_only:
            self._pool.release(connection)
        else:
            connection.close()


class UpstreamPool:
    """Keep-alive connections to one upstream (`host:port`), the most recently used first."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._host_header = f"{host}:{port}".encode()
        self._idle: deque[Connection] = deque()

    def take_idle(self) -> Connection | None:
        """The most recently used idle connection that may still be open, or None."""
        while self._idle:
            connection = self._idle.pop()
            if connection.closed:
                continue
            if connection.loop.time() - connection.idle_since > KEEPALIVE_SECONDS:
                # The most recent is too old, so every older one is too.
                connection.close()
                self.close()
                break
            connection.reused = True
            connection.reset()
            return connection
        return None

    async def connect(self) -> Connection:
        """A new connection."""
        try:
            _, connection = await asyncio.get_running_loop().create_connection(Connection, self.host, self.port)
        except OSError as error:
            raise UpstreamConnectionError(f"cannot connect to {self.host}:{self.port}: {error}") from None
        return connection

    def _head(self, method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]], chunked: bool) -> list[bytes]:
        head = [method, b" ", target, b" HTTP/1.1\r\nhost: ", self._host_header, b"\r\n"]
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
        if chunked:
            head.append(b"transfer-encoding: chunked\r\n")
        head.append(b"\r\n")
        return head

    def send(
        self,
        connection: Connection,
        listener: ResponseListener,
        method: bytes,
        target: bytes,
        headers: Iterable[tuple[bytes, bytes]],
    ) -> None:
        """Send a request without a body on `connection` (from `take_idle` or `connect`); `listener`
        hears the answer, or the error, and then gives the connection back with `give_back`."""
        connection.listener = listener
        if connection.closed or connection.transport is None:
            connection._fail(UpstreamConnectionError("the connection closed before the request", reused=True))
            return
        connection.transport.write(b"".join(self._head(method, target, headers, False)))

    def give_back(self, connection: Connection) -> None:
        """After a listener's answer: keep the connection for reuse if the exchange ended cleanly."""
        connection.listener = None
        if connection.complete and connection.keep_alive and not connection.closed:
            self.release(connection)
        else:
            connection.close()

    def release(self, connection: Connection) -> None:
        if len(self._idle) < _MAX_IDLE_CONNECTIONS:
            connection.idle_since = connection.loop.time()
            self._idle.append(connection)
        else:
            connection.close()

    async def request(
        self,
        method: str,
        target: bytes,
        headers: Iterable[tuple[bytes, bytes]],
        body: AsyncIterator[bytes] | None = None,
        *,
        chunked: bool = False,
    ) -> UpstreamResponse:
        """Send the request and answer once the response's head has arrived.

        `headers` must not include Host or Transfer-Encoding: `chunked` re-frames a body whose
        length is not known. The head goes out with the body's first chunk, in one write.
        """
        connection = self.take_idle() or await self.connect()
        head = self._head(method.encode(), target, headers, chunked)
        try:
            if body is None:
                await connection.write(b"".join(head))
            else:
                async for chunk in body:
                    framed = b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
                    if head:
                        framed, head = b"".join([*head, framed]), []
                    await connection.write(framed)
                tail = b"".join(head) + (b"0\r\n\r\n" if chunked else b"")
                if tail:
                    await connection.write(tail)
            await connection.answered
        except BaseException:
            connection.close()
            raise
        return UpstreamResponse(connection, self, head_only=method == "HEAD")

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
