"""The service application factory: everything a service's `main.py` would otherwise repeat."""

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from ideaflow_shared import health, migrations
from ideaflow_shared.context import RequestContextMiddleware
from ideaflow_shared.db import create_engine, create_sessionmaker
from ideaflow_shared.http import create_http_session
from ideaflow_shared.identity import INTERNAL_TOKEN_HEADER
from ideaflow_shared.internal_auth import InternalAuthMiddleware
from ideaflow_shared.logging import configure_logging
from ideaflow_shared.openapi import install_openapi, operation_ids
from ideaflow_shared.problems import install_problem_handlers
from ideaflow_shared.settings import ProcessSettings

log = structlog.get_logger(__name__)

ExtraLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

INTERNAL_SECURITY_SCHEMES = {
    "internalToken": {
        "type": "apiKey",
        "in": "header",
        "name": INTERNAL_TOKEN_HEADER,
        "description": "Signed by the gateway; services are never called around it.",
    }
}


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    settings: ProcessSettings,
    routers: Sequence[APIRouter],
    migrations_path: Path,
    metadata: MetaData,
    openapi_tags: list[dict[str, Any]] | None = None,
    extra_lifespan: ExtraLifespan | None = None,
    uncapped_paths: re.Pattern[str] | None = None,
) -> FastAPI:
    """A service app: database, HTTP pool, problem+json, request context, auth, health.

    `uncapped_paths` (matched against the whole path) are exempt from the body cap: routes that
    stream an upload to storage and bound it themselves.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await migrations.upgrade(migrations_path, settings.database_url)
        app.state.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        app.state.http = create_http_session()
        try:
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            await app.state.http.close()
            await app.state.engine.dispose()

    configure_logging(level=settings.log_level, json=settings.log_json)
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        generate_unique_id_function=operation_ids(name),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metadata = metadata
    install_problem_handlers(app)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    install_openapi(app, security_schemes=INTERNAL_SECURITY_SCHEMES)
    app.add_middleware(InternalAuthMiddleware, secret=settings.token_secret)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes, uncapped_paths=uncapped_paths)
    return app
