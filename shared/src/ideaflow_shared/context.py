"""Per-request context: request id, W3C trace context, body cap, metrics and the access log.

One pure-ASGI middleware does all of it, because it sits on every request's hot path.
"""

import random
import re
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideaflow_shared.problems import PayloadTooLarge, internal_error_response, problem_response

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

REQUESTS = Counter("http_requests_total", "HTTP requests handled", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

access_log = structlog.get_logger("ideaflow.access")
error_log = structlog.get_logger("ideaflow.errors")


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    trace_id: str
    trace_flags: str

    @classmethod
    def of_request(cls, headers: list[tuple[bytes, bytes]]) -> "RequestContext":
        """The caller's request id and trace, when valid; fresh ones otherwise."""
        incoming_id = traceparent = None
        for name, value in headers:
            if name == b"x-request-id":
                incoming_id = value.decode("latin-1")
            elif name == b"traceparent":
                traceparent = value.decode("latin-1")
        trace = _TRACEPARENT.match(traceparent) if traceparent else None
        return cls(
            request_id=incoming_id if incoming_id and _VALID_REQUEST_ID.match(incoming_id) else _random_hex(128),
            trace_id=trace.group(1) if trace else _random_hex(128),
            trace_flags=trace.group(3) if trace else "01",
        )

    def outgoing_headers(self) -> dict[str, str]:
        """Headers that carry this request's identity to an upstream call (a new span id each)."""
        return {
            "X-Request-ID": self.request_id,
            "traceparent": f"00-{self.trace_id}-{_random_hex(64)}-{self.trace_flags}",
        }


current_context: ContextVar[RequestContext | None] = ContextVar("ideaflow_request_context", default=None)


def _random_hex(bits: int) -> str:
    """Identifiers, not secrets: Python's generator (reseeded in forked children) spares a syscall each."""
    return f"{random.getrandbits(bits):0{bits // 4}x}"


def add_request_context(_logger: object, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: every line logged while a request runs carries its request and trace ids."""
    context = current_context.get()
    if context is not None:
        event.setdefault("request_id", context.request_id)
        event.setdefault("trace_id", context.trace_id)
    return event


# `.labels()` costs more than the increment itself: keep the labelled children.
_counters: dict[tuple[str, str, int], Any] = {}
_histograms: dict[tuple[str, str], Any] = {}


def request_finished(method: str, path: str, route: str, status: int, elapsed: float, **fields: Any) -> None:
    """Count and time an answered request, and log it (the access log)."""
    counter = _counters.get((method, route, status))
    if counter is None:
        counter = _counters[method, route, status] = REQUESTS.labels(method, route, str(status))
    histogram = _histograms.get((method, route))
    if histogram is None:
        histogram = _histograms[method, route] = LATENCY.labels(method, route)
    counter.inc()
    histogram.observe(elapsed)
    access_log.info("request", method=method, path=path, status=status, duration_ms=round(elapsed * 1000, 2), **fields)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    """Request id + traceparent in, echoed and logged out; 413 over the body cap; metrics."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, uncapped_paths: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # File uploads that the route itself streams to storage (imports) are not capped here.
        self.uncapped_paths = uncapped_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        context = RequestContext.of_request(scope["headers"])
        request_id = context.request_id
        token = current_context.set(context)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started_response = False
        echoed = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message["headers"] = [*message.get("headers", []), echoed]
            await send(message)

        try:
            declared = _header(scope, b"content-length")
            if self.uncapped_paths is not None and self.uncapped_paths.fullmatch(scope["path"]):
                await self.app(scope, receive, send_with_id)
            elif declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                response = problem_response(
                    413,
                    slug="payload-too-large",
                    detail=f"The body may be at most {self.max_body_bytes} bytes.",
                    instance=scope["path"],
                    request_id=request_id,
                )
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, self._capped(receive), send_with_id)
        except Exception:
            # Handled here, inside the request context, so the log line and the 500 problem
            # both carry the request id (Starlette's own handler runs outside this middleware).
            error_log.exception("unhandled_exception", method=scope["method"], path=scope["path"])
            if started_response:
                raise
            await internal_error_response(path=scope["path"], request_id=request_id)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            request_finished(scope["method"], scope["path"], _route_label(scope), status, elapsed)
            current_context.reset(token)

    def _capped(self, receive: Receive) -> Receive:
        """Refuse bodies sent without Content-Length (chunked) once they pass the cap."""
        received = 0
        limit = self.max_body_bytes

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"The body may be at most {limit} bytes.")
            return message

        return capped_receive
