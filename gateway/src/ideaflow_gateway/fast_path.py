"""The fast path: a proxied request without a body, served by the gateway's HTTP protocol itself.

Most calls are reads carrying a key the gateway verified seconds ago. For them the ASGI machinery
(the request's scope and task, three middlewares, the send and receive calls, the client's
futures) costs several times the proxying itself: in front of a service that answers in 0.06 ms,
the gateway spent 0.19 ms of CPU per request through ASGI, a callback-only relay 0.05 ms
(docs/performance.md). So `GatewayProtocol`, uvicorn's protocol with one step changed, looks at
each request once its headers are parsed. When the request qualifies, the protocol sends it
upstream itself, and the upstream connection's parser callbacks write the answer back: no task,
no future, no ASGI message.

Everything else takes the ASGI path (proxy.py), which stays the reference: the same headers go
up and come back, failures are the same problems, and the request is counted and logged alike.

A request qualifies when it is a GET or DELETE over HTTP/1.1 without a body and without an
Origin (CORS stays with its middleware), for a proxied path other than a webhook, with a key
verified within `api_key_cache_seconds`, and no other request of the connection is in flight
(pipelined requests queue behind it as uvicorn queues them).
"""

import asyncio
import time
from http import HTTPStatus

import httptools
import structlog

from ideaflow_gateway.authentication import Authenticator, presented_key
from ideaflow_gateway.proxy import FAILURES, returned_headers, upstream_headers
from ideaflow_gateway.routes import OWNER_BY_PREFIX, path_prefix
from ideaflow_gateway.upstream_client import Connection, UpstreamConnectionError
from ideaflow_gateway.upstreams import Upstream, Upstreams
from ideaflow_shared.context import RequestContext, request_finished
from ideaflow_shared.identity import WEBHOOK_PATH
from ideaflow_shared.jsonutil import dumps
from ideaflow_shared.problems import PROBLEM_MEDIA_TYPE, problem_body
from ideaflow_shared.server import CoalescingHttpToolsProtocol

log = structlog.get_logger(__name__)

_METHODS = frozenset({b"GET", b"DELETE"})
# A body, a browser's CORS or a protocol switch: the ASGI path's business.
_ASGI_ONLY = frozenset({b"origin", b"transfer-encoding", b"expect", b"upgrade"})
_STATUS_LINES = {status.value: b"HTTP/1.1 %d %s\r\n" % (status.value, status.phrase.encode()) for status in HTTPStatus}
_WITHOUT_BODY = frozenset({204, 304})


class FastPath:
    """What the protocol needs to serve a request itself: the routing table, keys and upstreams."""

    def __init__(self, upstreams: Upstreams, authenticator: Authenticator) -> None:
        self.owners = {prefix: upstreams.by_name[owner] for prefix, owner in OWNER_BY_PREFIX.items()}
        self.authenticator = authenticator

    def exchange_for(self, protocol: "GatewayProtocol") -> "Exchange | None":
        """The exchange that serves the request whose headers were just parsed, or None if it does not qualify."""
        cycle = protocol.cycle
        if cycle is not None and not cycle.response_complete:
            return None
        parser = protocol.parser
        method = parser.get_method()
        if method not in _METHODS or parser.get_http_version() != "1.1":
            return None
        headers = protocol.headers
        for name, value in headers:
            if name in _ASGI_ONLY or (name == b"content-length" and value != b"0"):
                return None
        url = httptools.parse_url(protocol.url)
        raw_path: bytes = url.path
        if b"%" in raw_path or not raw_path.isascii():
            return None
        path = raw_path.decode()
        prefix = path_prefix(path)
        upstream = self.owners.get(prefix)
        if upstream is None or WEBHOOK_PATH.fullmatch(path):
            return None
        key = presented_key(headers)
        caller = self.authenticator.recently_verified(key) if key else None
        if caller is None:
            return None
        context = RequestContext.of_request(headers)
        return Exchange(
            protocol,
            upstream,
            method=method,
            target=raw_path + b"?" + url.query if url.query else raw_path,
            headers=upstream_headers(headers, caller.token, context),
            path=path,
            route=prefix,
            context=context,
            keep_alive=parser.should_keep_alive(),
        )


class Exchange:
    """One request on the fast path, from its headers to the last byte of its answer.

    It stands in for uvicorn's RequestResponseCycle while it runs, so the protocol's own logic
    (pipelining, disconnects, shutdown) keeps working: the protocol reads `response_complete`,
    sets `disconnected`, `keep_alive` and `more_body`, and calls `message_event.set()`.
    """

    __slots__ = (
        "_chunked",
        "_connecting",
        "_connection",
        "_retried",
        "_started",
        "_status",
        "_timer",
        "disconnected",
        "headers",
        "keep_alive",
        "message_event",
        "method",
        "more_body",
        "path",
        "protocol",
        "request_id",
        "response_complete",
        "route",
        "target",
        "trace_id",
        "upstream",
    )

    def __init__(
        self,
        protocol: "GatewayProtocol",
        upstream: Upstream,
        *,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        path: str,
        route: str,
        context: RequestContext,
        keep_alive: bool,
    ) -> None:
        self.protocol = protocol
        self.upstream = upstream
        self.method = method
        self.target = target
        self.headers = headers
        self.path = path
        self.route = route
        self.request_id = context.request_id
        self.trace_id = context.trace_id
        # The cycle's attributes the protocol uses.
        self.keep_alive = keep_alive
        self.response_complete = False
        self.disconnected = False
        self.more_body = False
        self.message_event = self
        self._started = time.perf_counter()
        self._connection: Connection | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._connecting: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
        self._retried = False
        self._status = 0
        self._chunked = False

    def set(self) -> None:
        """`message_event.set()`: the protocol wakes a cycle waiting for the request body; none here."""

    def start(self) -> None:
        loop = self.protocol.loop
        self._timer = loop.call_later(self.upstream.timeout_seconds, self._timed_out)
        connection = self.upstream.pool.take_idle()
        if connection is None:
            self._connecting = loop.create_task(self._connect())
        else:
            self._send(connection)

    async def _connect(self) -> None:
        try:
            connection = await self.upstream.pool.connect()
        except UpstreamConnectionError:
            if not self.response_complete:
                self._fail(503)
            return
        if self.response_complete:  # timed out meanwhile: the connection is new and unused, keep it
            self.upstream.pool.release(connection)
            return
        self._send(connection)

    def _send(self, connection: Connection) -> None:
        self._connection = connection
        self.upstream.pool.send(connection, self, self.method, self.target, self.headers)

    # What the upstream connection reports (ResponseListener)

    def on_response_head(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self._status = status
        content = returned_headers(headers)
        self._chunked = status not in _WITHOUT_BODY and not any(name == b"content-length" for name, _ in content)
        if self._chunked:
            content.append((b"transfer-encoding", b"chunked"))
        self._write(self._head(status, content))

    def on_response_body(self, chunk: bytes) -> None:
        self._write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if self._chunked else chunk)
        if self.protocol.flow.write_paused and self._connection is not None and self._connection.transport:
            self._connection.transport.pause_reading()  # resumed by the protocol's resume_writing

    def on_response_complete(self) -> None:
        if self._chunked:
            self._write(b"0\r\n\r\n")
        assert self._connection is not None
        self.upstream.pool.give_back(self._connection)
        self._connection = None  # it may serve another exchange now
        self._finish(self._status)

    def on_response_failed(self, error: UpstreamConnectionError) -> None:
        if self.response_complete:
            return
        if self._status:
            self._cut_short()
        elif error.reused and not error.answered and not self._retried:
            # A pooled connection the service had closed while idle: once more on a new one.
            self._retried = True
            self._connecting = self.protocol.loop.create_task(self._connect())
        else:
            self._fail(503)

    # The caller's side

    def resume_reading_upstream(self) -> None:
        if not self.response_complete and self._connection is not None and self._connection.transport is not None:
            self._connection.transport.resume_reading()

    def _write(self, data: bytes) -> None:
        if not self.disconnected:
            self.protocol.transport.write(data)

    def _timed_out(self) -> None:
        self._timer = None
        if self.response_complete:
            return
        if self._connection is not None:
            self._connection.listener = None
            self._connection.close()  # it may still answer: never reuse it
        if self._status:
            self._cut_short()
        else:
            self._fail(504)

    def _cut_short(self) -> None:
        # The status line is gone already: all that is left is to cut the answer short.
        self._warn("upstream_failed_mid_response")
        self.protocol.transport.close()
        self._finish(self._status)

    def _warn(self, event: str, **fields: object) -> None:
        # With the request's ids, as the context middleware adds them on the ASGI path.
        log.warning(event, service=self.upstream.name, request_id=self.request_id, trace_id=self.trace_id, **fields)

    def _fail(self, status: int) -> None:
        self._warn("upstream_failed", status=status)
        slug, detail = FAILURES[status]
        detail = detail.format(self.upstream.name)
        body = dumps(problem_body(status, slug=slug, detail=detail, instance=self.path, request_id=self.request_id))
        headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", b"%d" % len(body))]
        self._write(self._head(status, headers) + body)
        self._finish(status)

    def _head(self, status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
        """The answer's status line and headers, with what the gateway adds to every answer."""
        parts = [_STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
        for name, value in self.protocol.server_state.default_headers:
            parts += (name, b": ", value, b"\r\n")
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        parts += (b"x-request-id: ", self.request_id.encode(), b"\r\nvary: Origin\r\n")
        if not self.keep_alive:
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        return b"".join(parts)

    def _finish(self, status: int) -> None:
        self.response_complete = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        request_finished(
            self.method.decode(),
            self.path,
            self.route,
            status,
            time.perf_counter() - self._started,
            request_id=self.request_id,
            trace_id=self.trace_id,
        )
        if not self.keep_alive:
            self.protocol.transport.close()
        self.protocol.on_response_complete()


class GatewayProtocol(CoalescingHttpToolsProtocol):
    """uvicorn's protocol; a request that qualifies is served by an `Exchange` instead of the ASGI app."""

    def on_headers_complete(self) -> None:
        fast_path: FastPath | None = getattr(self.app, "fast_path", None)
        exchange = fast_path.exchange_for(self) if fast_path is not None else None
        if exchange is None:
            super().on_headers_complete()
            return
        self.cycle = exchange  # type: ignore[assignment]
        exchange.start()

    def resume_writing(self) -> None:
        super().resume_writing()
        if isinstance(self.cycle, Exchange):
            self.cycle.resume_reading_upstream()

    def connection_lost(self, exc: Exception | None) -> None:
        if isinstance(self.cycle, Exchange):
            # The caller is gone: let the answer drain (unwritten) so its connection can serve again.
            self.cycle.resume_reading_upstream()
        super().connection_lost(exc)
