"""The hot path: authenticate, then stream the request to the service that owns its prefix.

A pure ASGI middleware in front of FastAPI, because routing every proxied request through
FastAPI's router and dependency machinery would cost more than the proxying itself.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from yarl import URL

from ideaflow_gateway.authentication import Authenticator, presented_key
from ideaflow_gateway.routes import OWNER_BY_PREFIX, UPLOAD_PATHS, path_prefix
from ideaflow_gateway.upstreams import Upstream, Upstreams
from ideaflow_shared.context import current_context
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
_SAFE_TO_RETRY = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class _ProxiedRoute:
    """Stands in for a FastAPI route in the scope, so metrics label proxied requests by prefix."""

    path: str


_ROUTES = {prefix: _ProxiedRoute(prefix) for prefix in OWNER_BY_PREFIX}


class _BodyTooLarge(Exception):
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
        self.upload_timeout = aiohttp.ClientTimeout(total=upload_timeout_seconds)
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
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope["headers"]
            if name not in _NOT_FORWARDED
        ]
        headers.append((INTERNAL_TOKEN_HEADER, token))
        context = current_context.get()
        if context is not None:
            headers.extend(context.outgoing_headers().items())
        has_body = any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"")
        target = upstream.base_url + path + ("?" + query.decode("latin-1") if query else "")
        url = URL(target, encoded=True)
        method = scope["method"]
        attempts = 2 if method in _SAFE_TO_RETRY and not has_body else 1
        started = False
        for attempt in range(1, attempts + 1):
            try:
                async with upstream.pool.request(
                    method,
                    url,
                    headers=headers,
                    data=_stream(receive) if has_body else None,
                    allow_redirects=False,
                    timeout=self.upload_timeout if UPLOAD_PATHS.fullmatch(scope["path"]) else upstream.timeout,
                ) as response:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": response.status,
                            "headers": [
                                (name.lower(), value)
                                for name, value in response.raw_headers
                                if name.lower() not in _NOT_RETURNED
                            ],
                        }
                    )
                    started = True
                    async for chunk in response.content.iter_any():
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
            except aiohttp.ServerDisconnectedError:
                # A pooled connection the service had just closed: safe to retry once without a body.
                if started or attempt == attempts:
                    await self._fail(scope, receive, send, upstream, started, 503)
                    return
            except TimeoutError:
                await self._fail(scope, receive, send, upstream, started, 504)
                return
            except aiohttp.ClientError as error:
                too_large = isinstance(error.__cause__, _BodyTooLarge) or isinstance(error.__context__, _BodyTooLarge)
                await self._fail(scope, receive, send, upstream, started, 413 if too_large else 503)
                return
            except _BodyTooLarge:
                await self._fail(scope, receive, send, upstream, started, 413)
                return
            except Exception:
                # Outside FastAPI no handler catches what we did not expect: answer it here.
                log.exception("proxy_failed", service=upstream.name)
                await self._fail(scope, receive, send, upstream, started, 500)
                return

    async def _fail(
        self, scope: Scope, receive: Receive, send: Send, upstream: Upstream, started: bool, status: int
    ) -> None:
        if started:
            # The status line is gone already: all that is left is to cut the response short.
            log.warning("upstream_failed_mid_response", service=upstream.name, status=status)
            raise ConnectionAbortedError(f"the {upstream.name} service failed mid-response")
        log.warning("upstream_failed", service=upstream.name, status=status)
        if status == 504:
            problem = _problem(scope, 504, "gateway-timeout", f"The {upstream.name} service did not answer in time.")
        elif status == 413:
            problem = _problem(scope, 413, "payload-too-large", "The request body is larger than allowed.")
        elif status == 500:
            problem = _problem(scope, 500, "internal-error", "An unexpected error occurred; it has been logged.")
        else:
            problem = _problem(
                scope, 503, "service-unavailable", f"The {upstream.name} service is unavailable; retry later."
            )
        await problem(scope, receive, send)


async def _stream(receive: Receive) -> AsyncIterator[bytes]:
    """The caller's body as it arrives, never held whole in memory."""
    while True:
        try:
            message: Message = await receive()
        except PayloadTooLarge:
            raise _BodyTooLarge from None
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError("the caller went away")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
