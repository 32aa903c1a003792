"""One OpenAPI document for the whole API, and Swagger UI / ReDoc served without any CDN.

The document is the gateway's own operations plus each service's, fetched from the service.
It is cached once every service has answered; until then each request retries the missing
ones and serves what it has.
"""

import asyncio
import copy
from pathlib import Path
from typing import Any

import fastapi_offline
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles

from ideaflow_gateway.upstream_client import UpstreamConnectionError
from ideaflow_gateway.upstreams import Upstream, Upstreams
from ideaflow_shared.identity import WEBHOOK_PATH
from ideaflow_shared.jsonutil import loads
from ideaflow_shared.openapi import UNAUTHENTICATED_PATHS
from ideaflow_shared.problems import problem_responses

log = structlog.get_logger(__name__)

STATIC_URL = "/docs/static"
_STATIC_DIRECTORY = Path(fastapi_offline.__file__).parent / "static"
_FETCH_TIMEOUT_SECONDS = 5

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An organisation's API key."},
    "bearer": {"type": "http", "scheme": "bearer", "description": "The same API key, as a bearer token."},
}
_REQUIREMENT: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
_GATEWAY_ERRORS = (401, 503, 504)

router = APIRouter(include_in_schema=False)


class SchemaConflict(Exception):
    """Two services define a component schema under one name, differently."""


def merge_documents(own: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The gateway's document plus every service's operations, behind the gateway's security."""
    merged = copy.deepcopy(own)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = merged.setdefault("tags", [])
    for name, document in services.items():
        for schema_name, schema in document.get("components", {}).get("schemas", {}).items():
            if schemas.setdefault(schema_name, schema) != schema:
                raise SchemaConflict(f"the {name} service's schema {schema_name!r} differs from another's")
        for path, item in document.get("paths", {}).items():
            if path in UNAUTHENTICATED_PATHS:
                continue  # the services' health is reported by the gateway's own /readyz
            paths[path] = _behind_gateway(item, api_key=not WEBHOOK_PATH.fullmatch(path))
        known = {tag["name"] for tag in tags}
        tags.extend(tag for tag in document.get("tags", []) if tag["name"] not in known)
    return merged


def _behind_gateway(item: dict[str, Any], *, api_key: bool) -> dict[str, Any]:
    """Operations as callers see them: behind the API key, except signed inbound webhooks."""
    item = copy.deepcopy(item)
    for operation in item.values():
        if not isinstance(operation, dict) or "responses" not in operation:
            continue
        operation["security"] = _REQUIREMENT if api_key else []
        responses = operation["responses"]
        for status, entry in problem_responses(*_GATEWAY_ERRORS).items():
            responses.setdefault(str(status), entry)
    return item


class DocumentCache:
    """The services' documents, fetched until each has answered once."""

    def __init__(self, upstreams: Upstreams) -> None:
        self.upstreams = upstreams
        self.documents: dict[str, dict[str, Any]] = {}
        self.merged: dict[str, Any] | None = None

    async def merged_document(self, own: dict[str, Any]) -> dict[str, Any]:
        if self.merged is not None:
            return self.merged
        missing = [upstream for name, upstream in self.upstreams.by_name.items() if name not in self.documents]
        fetched = await asyncio.gather(*(_fetch(upstream) for upstream in missing))
        for upstream, document in zip(missing, fetched, strict=True):
            if document is not None:
                self.documents[upstream.name] = document
        ordered = {name: self.documents[name] for name in self.upstreams.by_name if name in self.documents}
        merged = merge_documents(own, ordered)
        if len(ordered) == len(self.upstreams.by_name):
            self.merged = merged
        return merged


async def _fetch(upstream: Upstream) -> dict[str, Any] | None:
    try:
        status, body = await upstream.fetch("/openapi.json", timeout_seconds=_FETCH_TIMEOUT_SECONDS)
        if status == 200:
            document: dict[str, Any] = loads(body)
            return document
        log.warning("upstream_openapi_refused", service=upstream.name, status=status)
    except (UpstreamConnectionError, TimeoutError, ValueError) as error:
        log.warning("upstream_openapi_unavailable", service=upstream.name, error=str(error) or type(error).__name__)
    return None


@router.get("/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    cache: DocumentCache = request.app.state.documents
    return JSONResponse(await cache.merged_document(request.app.openapi()))


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        oauth2_redirect_url=None,
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{STATIC_URL}/favicon.png",
        with_google_fonts=False,
    )


def install_documentation(app: FastAPI, upstreams: Upstreams) -> None:
    app.state.documents = DocumentCache(upstreams)
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=_STATIC_DIRECTORY), name="documentation-assets")
