"""CORS for browser front ends, answered by the gateway itself (never by a service)."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from ideaflow_shared.problems import problem_response

EXPOSED_HEADERS = ["ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "WWW-Authenticate"]


class ProblemCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights answered as problem+json like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        return problem_response(
            403,
            slug="cors-preflight-refused",
            detail=f"{bytes(response.body).decode()}: this origin, method or header is not allowed.",
        )
