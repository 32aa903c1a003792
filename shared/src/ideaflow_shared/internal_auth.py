"""Services refuse every request that the gateway (or a peer service) did not vouch for."""

from starlette.types import ASGIApp, Receive, Scope, Send

from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER, TokenVerifier
from ideaflow_shared.problems import Unauthorized, problem_response

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"})
_HEADER = INTERNAL_TOKEN_HEADER.lower().encode()


class InternalAuthMiddleware:
    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.tokens = TokenVerifier(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        token = next((value.decode("latin-1") for key, value in scope["headers"] if key == _HEADER), None)
        try:
            if not token:
                raise Unauthorized(f"Call this service through the gateway; {INTERNAL_TOKEN_HEADER} is missing.")
            scope.setdefault("state", {})["identity"] = self.tokens.verify(token)
        except Unauthorized as refusal:
            response = problem_response(
                401,
                slug=refusal.slug,
                detail=refusal.detail,
                instance=scope["path"],
                request_id=scope.get("state", {}).get("request_id"),
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
