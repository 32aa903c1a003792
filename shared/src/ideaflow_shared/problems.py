"""RFC 9457 problem details: one exception hierarchy, one renderer, declared in OpenAPI."""

import re
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ideaflow_shared.jsonutil import dumps

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ideaflow.dev/problems/"

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    """One invalid input, located by a JSON pointer into the request."""

    pointer: str = Field(
        examples=["/body/title"], description="RFC 6901 pointer; the first segment is body, query, path or header."
    )
    detail: str = Field(examples=["String should have at most 200 characters"])


class Problem(BaseModel):
    """An RFC 9457 problem details document."""

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["No idea with id 5b0c... exists."])
    instance: str | None = Field(default=None, examples=["/v1/ideas/5b0c..."])
    request_id: str | None = Field(default=None, description="Quote this when reporting a problem.")
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise anywhere to answer with a problem document; subclasses fix the status."""

    status: int = 500
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(ProblemError):
    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    status, slug = 401, "unauthorized"


class Forbidden(ProblemError):
    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Conflict(ProblemError):
    status, slug = 409, "conflict"


class PreconditionFailed(ProblemError):
    status, slug = 412, "precondition-failed"


class PayloadTooLarge(ProblemError):
    status, slug = 413, "payload-too-large"


class UnprocessableContent(ProblemError):
    status, slug = 422, "validation-error"

    @classmethod
    def at(cls, pointer: str, detail: str) -> "UnprocessableContent":
        return cls(detail, errors=[FieldError(pointer=pointer, detail=detail)])


class PreconditionRequired(ProblemError):
    status, slug = 428, "precondition-required"


class ServiceUnavailable(ProblemError):
    status, slug = 503, "service-unavailable"


class GatewayTimeout(ProblemError):
    status, slug = 504, "gateway-timeout"


def problem_body(
    status: int,
    *,
    slug: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [error.model_dump() for error in errors]
    if extra:
        body.update(extra)
    return body


def problem_response(status: int, headers: dict[str, str] | None = None, **fields: Any) -> Response:
    return Response(
        content=dumps(problem_body(status, **fields)),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _pointer(location: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in location)


async def _handle_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProblemError)
    return problem_response(
        error.status,
        headers=error.headers,
        slug=error.slug,
        detail=error.detail,
        instance=request.url.path,
        request_id=_request_id(request),
        errors=error.errors,
        extra=error.extra,
    )


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _method_index(app: Any) -> list[tuple[re.Pattern[str], int, frozenset[str]]]:
    """(path pattern, literal segments, methods) for every documented path, built once per app."""
    index: list[tuple[re.Pattern[str], int, frozenset[str]]] | None = getattr(app.state, "method_index", None)
    if index is None:
        index = []
        for path, item in app.openapi().get("paths", {}).items():
            methods = {method.upper() for method in item if method in _HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
            literal_segments = sum(1 for segment in path.split("/") if segment and "{" not in segment)
            index.append((pattern, literal_segments, frozenset(methods)))
        app.state.method_index = index
    return index


def _allowed_methods(request: Request) -> str:
    """The methods the documented path serves (Starlette's own 405 names only one route's).

    The most specific documented path wins: `/v1/ideas/mine` over `/v1/ideas/{id}`, and
    `/v1/customers/{id}/erase` over `/v1/customers/{source}/{external_id}`.
    """
    matches = [
        (specificity, methods)
        for pattern, specificity, methods in _method_index(request.app)
        if pattern.match(request.url.path)
    ]
    if not matches:
        return ""
    best = max(specificity for specificity, _ in matches)
    return ", ".join(sorted(set().union(*(methods for specificity, methods in matches if specificity == best))))


async def _handle_http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if isinstance(error.__cause__, ProblemError):  # e.g. a body over the cap, met while parsing it
        return await _handle_problem(request, error.__cause__)
    detail = error.detail if isinstance(error.detail, str) else None
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(
        error.status_code,
        headers=headers,
        detail=detail,
        instance=request.url.path,
        request_id=_request_id(request),
    )


async def _handle_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [FieldError(pointer=_pointer(item["loc"]), detail=item["msg"]) for item in error.errors()]
    return problem_response(
        422,
        slug="validation-error",
        detail="The request is not valid; see errors for each invalid field.",
        instance=request.url.path,
        request_id=_request_id(request),
        errors=errors,
    )


def internal_error_response(*, path: str, request_id: str | None) -> Response:
    """The 500 problem: no stack trace, no exception text, just the id to find it in the logs."""
    return problem_response(
        500,
        slug="internal-error",
        detail="An unexpected error occurred; it has been logged with this request id.",
        instance=path,
        request_id=request_id,
    )


async def _handle_unexpected(request: Request, error: Exception) -> Response:
    # Only reached in apps without RequestContextMiddleware, which handles crashes itself.
    log.error("unhandled_exception", path=request.url.path, exc_info=error)
    return internal_error_response(path=request.url.path, request_id=_request_id(request))


async def _handle_database_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, DBAPIError) or not (error.connection_invalidated or error.statement is None):
        raise error  # a crash: the request context middleware logs it and answers 500
    # The database closed the connection (a restart, a failover; the pool has been emptied) or no
    # connection could be made (no statement ran): the transaction did not happen, so the client
    # may simply retry.
    log.warning("database_unavailable", path=request.url.path, lost=error.connection_invalidated)
    return problem_response(
        503,
        slug=ServiceUnavailable.slug,
        detail="The database is unavailable; nothing was changed. Retry shortly.",
        instance=request.url.path,
        request_id=_request_id(request),
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error path — ours, FastAPI's 404/405/422 and crashes — as problem+json."""
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(DBAPIError, _handle_database_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(Exception, _handle_unexpected)


_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "Missing or invalid credentials.",
    403: "The caller's roles do not allow this.",
    404: "No such object in the caller's organisation.",
    409: "The request conflicts with the object's current state.",
    412: "If-Match does not match the current ETag: reload and retry.",
    413: "The request body is larger than allowed.",
    422: "The request is invalid; `errors` points at each invalid field.",
    428: "This request needs an If-Match header with the object's ETag.",
    503: "A service this request depends on is unavailable; nothing was changed.",
    504: "An upstream service did not answer in time.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given error statuses, all problem+json."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
