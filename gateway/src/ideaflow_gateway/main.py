"""The gateway application: its own routes behind FastAPI, proxied prefixes in front of it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from ideaflow_gateway import health
from ideaflow_gateway.api_keys.router import router as api_keys_router
from ideaflow_gateway.authentication import Authenticator
from ideaflow_gateway.cors import EXPOSED_HEADERS, ProblemCorsMiddleware
from ideaflow_gateway.documentation import SECURITY_SCHEMES, install_documentation
from ideaflow_gateway.fast_path import FastPath
from ideaflow_gateway.proxy import GatewayMiddleware
from ideaflow_gateway.routes import UPLOAD_PATHS
from ideaflow_gateway.settings import GatewaySettings, get_settings
from ideaflow_gateway.upstreams import Upstreams
from ideaflow_shared.context import RequestContextMiddleware
from ideaflow_shared.db import create_engine, create_sessionmaker
from ideaflow_shared.logging import configure_logging
from ideaflow_shared.migrations import upgrade
from ideaflow_shared.openapi import install_openapi, operation_ids
from ideaflow_shared.problems import install_problem_handlers

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """The one public entry point of Ideaflow.

Authenticate with an organisation's API key, as `X-API-Key: <key>` or `Authorization: Bearer <key>`.
Every error is an RFC 9457 problem document (`application/problem+json`).
"""


class GatewayApp:
    """The process's ASGI app: request context and CORS around the proxy, FastAPI behind it.

    Proxied requests never enter FastAPI (its routing, middleware stack and telemetry hooks
    would cost more than the proxying itself); the gateway's own routes and the lifespan do.
    Served by `GatewayProtocol`, the most common proxied requests skip ASGI too (`fast_path`).
    """

    def __init__(self, api: FastAPI, asgi: ASGIApp, fast_path: FastPath) -> None:
        self.api = api
        self.state: State = api.state
        self.fast_path = fast_path
        self._asgi = asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> GatewayApp:
    settings = settings or get_settings()
    upstreams = Upstreams(settings.upstream_urls(), timeout_seconds=settings.upstream_timeout_seconds)
    authenticator = Authenticator(token_secret=settings.token_secret, cache_seconds=settings.api_key_cache_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(MIGRATIONS, settings.database_url)
        app.state.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        app.state.sessionmaker = authenticator.sessionmaker = create_sessionmaker(app.state.engine)
        upstreams.start()
        try:
            yield
        finally:
            upstreams.close()
            await app.state.engine.dispose()

    configure_logging(level=settings.log_level, json=settings.log_json)
    app = FastAPI(
        title="Ideaflow API",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=[{"name": "api-keys", "description": "The keys programs call the API with."}],
        generate_unique_id_function=operation_ids("gateway"),
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.upstreams = upstreams
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(api_keys_router)
    install_documentation(app, upstreams)
    install_openapi(app, security_schemes=SECURITY_SCHEMES)
    routed = GatewayMiddleware(
        app, upstreams=upstreams, authenticator=authenticator, upload_timeout_seconds=settings.upload_timeout_seconds
    )
    cors = ProblemCorsMiddleware(
        routed,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    context = RequestContextMiddleware(cors, max_body_bytes=settings.max_body_bytes, uncapped_paths=UPLOAD_PATHS)
    return GatewayApp(app, context, FastPath(upstreams, authenticator))
