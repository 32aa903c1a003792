"""The proxy: authenticate, then stream the request to the service that owns its prefix.

A pure ASGI middleware in front of FastAPI, because routing every proxied request through
FastAPI's router and dependency machinery would cost more than the proxying itself. The most
common requests (without a body, with a recently verified key) are served before ASGI even
starts, by fast_path.py, with the same headers and the same answers as here.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideaflow_gateway.authentication import Authenticator, presented_key
from ideaflow_gateway.routes import OWNER_BY_PREFIX, UPLOAD_PATHS, path_prefix
from ideaflow_gateway.upstream_client import UpstreamConnectionError, UpstreamResponse
from ideaflow_gateway.upstreams import Upstream, Upstreams
from ideaflow_shared.context import RequestContext, current_context
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER, WEBHOOK_PATH
from ideaflow_shared.problems import PayloadTooLarge, problem_response

log = structlog.get_logger(__name__)

# The gateway's own routes that need a caller (all of them are admin-only API key management).
AUTHENTICATED_OWN_PREFIXES = frozenset({"/v1/api-keys"})

_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer"}
    | {b"transfer-encoding", b"upgrade"}
)
# Credentials stay at the gateway; request id and traceparent are re-issued from the request context.
_NOT_FORWARDED = _HOP_BY_HOP | {
    b"host",
    b"authorization",
    b"x-api-key",
    INTERNAL_TOKEN_HEADER.lower().encode(),
    b"x-request-id",
    b"traceparent",
    b"expect",
}
# The gateway's server adds its own Date, and the request context middleware its X-Request-ID.
_NOT_RETURNED = _HOP_BY_HOP | {b"date", b"server", b"x-request-id"}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ideaflow", ApiKey header="X-API-Key"'}
_TOKEN_HEADER = INTERNAL_TOKEN_HEADER.lower().encode()


def upstream_headers(
    request_headers: list[tuple[bytes, bytes]], token: str, context: RequestContext | None
) -> list[tuple[bytes, bytes]]:
    """The caller's headers as the service receives them: credentials swapped for the internal
    token, request id and a new span of the caller's trace added."""
    headers = [(name, value) for name, value in request_headers if name not in _NOT_FORWARDED]
    headers.append((_TOKEN_HEADER, token.encode()))
    if context is not None:
        headers.extend((name.encode(), value.encode()) for name, value in context.outgoing_headers().items())
    return headers


def returned_headers(response_headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The service's response headers the caller receives (lower-cased)."""
    return [(lowered, value) for name, value in response_headers if (lowered := name.lower()) not in _NOT_RETURNED]


FAILURES = {
    503: ("service-unavailable", "The {} service is unavailable; retry later."),
    504: ("gateway-timeout", "The {} service did not answer in time."),
    500: ("internal-error", "An unexpected error occurred; it has been logged."),
}
"""Problem slug and detail when a service cannot answer, by status (the service's name goes in)."""


@dataclass(frozen=True, slots=True)
class _ProxiedRoute:
    """Stands in for a FastAPI route in the scope, so metrics label proxied requests by prefix."""

    path: str


_ROUTES = {prefix: _ProxiedRoute(prefix) for prefix in OWNER_BY_PREFIX}


class _BodyTooLarge(Exception):
    pass


class _CallerGone(Exception):
    pass


def _problem(scope: Scope, status: int, slug: str, detail: str, headers: dict[str, str] | None = None) -> ASGIApp:
    context = current_context.get()
    return problem_response(
        status,
        headers=headers,
        slug=slug,
        detail=detail,
        instance=scope["path"],
        request_id=context.request_id if context else None,
    )


class GatewayMiddleware:
    def __init__(
        self, app: ASGIApp, *, upstreams: Upstreams, authenticator: Authenticator, upload_timeout_seconds: float
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.upload_timeout_seconds = upload_timeout_seconds
        self.owners = {prefix: upstreams.by_name[owner] for prefix, owner in OWNER_BY_PREFIX.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prefix = path_prefix(scope["path"])
        upstream = self.owners.get(prefix)
        if upstream is None and prefix not in AUTHENTICATED_OWN_PREFIXES:
            await self.app(scope, receive, send)
            return
        if upstream is not None and WEBHOOK_PATH.fullmatch(scope["path"]):
            # The sender signs the body instead of presenting a key; the service checks that signature.
            if scope["method"] != "POST":
                refusal = _problem(scope, 405, "method-not-allowed", "A webhook accepts POST only.", {"Allow": "POST"})
                await refusal(scope, receive, send)
                return
            scope["route"] = _ROUTES[prefix]
            await self._forward(scope, receive, send, upstream, self.authenticator.webhook_sender_token())
            return
        key = presented_key(scope["headers"])
        try:
            caller = await self.authenticator.authenticate(key) if key else None
        except Exception:
            log.exception("api_key_lookup_failed")
            await _problem(scope, 503, "service-unavailable", "Credentials cannot be checked right now; retry later.")(
                scope, receive, send
            )
            return
        if caller is None:
            detail = "Send a valid API key as X-API-Key or Authorization: Bearer." if key is None else None
            await _problem(scope, 401, "unauthorized", detail or "The API key is unknown or revoked.", _CHALLENGE)(
                scope, receive, send
            )
            return
        if upstream is None:
            scope.setdefault("state", {})["identity"] = caller.identity
            await self.app(scope, receive, send)
            return
        scope["route"] = _ROUTES[prefix]
        await self._forward(scope, receive, send, upstream, caller.token)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, upstream: Upstream, token: str) -> None:
        request_headers = scope["headers"]
        headers = upstream_headers(request_headers, token, current_context.get())
        declares_length = any(name == b"content-length" for name, _ in request_headers)
        chunked = not declares_length and any(name == b"transfer-encoding" for name, _ in request_headers)
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        uploading = UPLOAD_PATHS.fullmatch(scope["path"]) is not None
        started = False
        try:
            async with asyncio.timeout(self.upload_timeout_seconds if uploading else upstream.timeout_seconds):
                response = await _send_request(
                    upstream, scope["method"], target, headers, receive, declares_length or chunked, chunked
                )
                finished = False
                try:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": response.status,
                            "headers": returned_headers(response.headers),
                        }
                    )
                    started = True
                    async for chunk in response.body():
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    finished = True
                finally:
                    response.release(finished=finished)
        except TimeoutError:
            await self._fail(scope, receive, send, upstream, started, 504)
        except UpstreamConnectionError:
            await self._fail(scope, receive, send, upstream, started, 503)
        except _BodyTooLarge:
            await self._fail(scope, receive, send, upstream, started, 413)
        except _CallerGone:
            return
        except Exception:
            # Outside FastAPI no handler catches what we did not expect: answer it here.
            log.exception("proxy_failed", service=upstream.name)
            await self._fail(scope, receive, send, upstream, started, 500)

    async def _fail(
        self, scope: Scope, receive: Receive, send: Send, upstream: Upstream, started: bool, status: int
    ) -> None:
        if started:
            # The status line is gone already: all that is left is to cut the response short.
            log.warning("upstream_failed_mid_response", service=upstream.name, status=status)
            raise ConnectionAbortedError(f"the {upstream.name} service failed mid-response")
        log.warning("upstream_failed", service=upstream.name, status=status)
        if status == 413:
            problem = _problem(scope, 413, "payload-too-large", "The request body is larger than allowed.")
        else:
            slug, detail = FAILURES[status]
            problem = _problem(scope, status, slug, detail.format(upstream.name))
        await problem(scope, receive, send)


async def _stream(receive: Receive) -> AsyncIterator[bytes]:
    """The caller's body as it arrives, never held whole in memory."""
    while True:
        try:
            message: Message = await receive()
        except PayloadTooLarge:
            raise _BodyTooLarge from None
        if message["type"] == "http.disconnect":
            raise _CallerGone
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _send_request(
    upstream: Upstream,
    method: str,
    target: bytes,
    headers: list[tuple[bytes, bytes]],
    receive: Receive,
    has_body: bool,
    chunked: bool,
) -> UpstreamResponse:
    """Send the request; when a pooled connection turns out closed, retry once, and only without a body."""
    try:
        return await upstream.pool.request(
            method, target, headers, _stream(receive) if has_body else None, chunked=chunked
        )
    except UpstreamConnectionError as error:
        if has_body or error.answered or not error.reused:
            raise
        return await upstream.pool.request(method, target, headers)
