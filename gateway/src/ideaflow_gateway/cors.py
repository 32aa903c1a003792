"""CORS for browser front ends, answered by the gateway itself (never by a service)."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ideaflow_shared.problems import problem_response

EXPOSED_HEADERS = ["ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "WWW-Authenticate"]


class ProblemCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights answered as problem+json like every other error.

    Requests without an Origin (programs, not browsers: most of the traffic) skip Starlette's
    header parsing and only get the `Vary: Origin` that keeps shared caches honest.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_varying_by_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"vary", b"Origin")]
            await send(message)

        await self.app(scope, receive, send_varying_by_origin)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        return problem_response(
            403,
            slug="cors-preflight-refused",
            detail=f"{bytes(response.body).decode()}: this origin, method or header is not allowed.",
        )
