"""OpenAPI documents that tell the truth about errors and authentication."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from ideaflow_shared.problems import PROBLEM_MEDIA_TYPE, Problem, problem_responses

UNAUTHENTICATED_PATHS = frozenset({"/healthz", "/readyz"})
_METHODS_WITH_BODY = frozenset({"post", "put", "patch"})


def operation_ids(prefix: str) -> Callable[[APIRoute], str]:
    """Stable operationIds such as `ideas_create_idea`, from the handler's name."""
    return lambda route: f"{prefix}_{route.name}"


def _problem_ref() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _declare_common_errors(operation: dict[str, Any], method: str, authenticated: bool) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses:  # FastAPI's own validation error, rendered by us as a problem
        responses["422"] = {"description": problem_responses(422)[422]["description"], "content": _problem_ref()}
    parameters = operation.get("parameters", [])
    common = [401] if authenticated else []
    if method in _METHODS_WITH_BODY:
        common += [400, 413]  # 400: a body that is not JSON at all
    if any(parameter["name"] == "page_token" for parameter in parameters):
        common.append(400)
    for status in common:
        entry = problem_responses(status)[status]
        responses.setdefault(str(status), {"description": entry["description"], "content": _problem_ref()})


def install_openapi(
    app: FastAPI,
    *,
    security_schemes: dict[str, dict[str, Any]],
) -> None:
    """Generate the document once: Problem schema, every common error, the security schemes."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version="3.1.0",
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        problem_schemas = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schemas.pop("$defs", {}))
        schemas["Problem"] = problem_schemas
        components["securitySchemes"] = security_schemes
        requirement: list[dict[str, list[str]]] = [{name: []} for name in security_schemes]
        for path, item in document.get("paths", {}).items():
            authenticated = path not in UNAUTHENTICATED_PATHS
            for method, operation in item.items():
                _declare_common_errors(operation, method, authenticated)
                operation["security"] = requirement if authenticated else []
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]
