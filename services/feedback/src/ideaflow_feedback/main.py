"""The feedback service application."""

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ideaflow_feedback.customers.router import router as customers_router
from ideaflow_feedback.db import Base
from ideaflow_feedback.digest.router import router as digest_router
from ideaflow_feedback.evidence.ideas import ideas_client_lifespan
from ideaflow_feedback.evidence.loop_router import router as loop_router
from ideaflow_feedback.evidence.router import router as evidence_router
from ideaflow_feedback.feedback.router import router as feedback_router
from ideaflow_feedback.imports.router import UPLOAD_PATH
from ideaflow_feedback.imports.router import router as imports_router
from ideaflow_feedback.imports.runner import import_runner_lifespan
from ideaflow_feedback.ingest.router import router as ingest_router
from ideaflow_feedback.integrations.router import router as integrations_router
from ideaflow_feedback.settings import FeedbackSettings, get_settings
from ideaflow_feedback.themes.assigner import theme_assigner_lifespan
from ideaflow_feedback.themes.engine import embedder_named
from ideaflow_feedback.themes.router import router as themes_router
from ideaflow_shared.app import ExtraLifespan, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def _together(*lifespans: ExtraLifespan) -> ExtraLifespan:
    """One lifespan that enters each of `lifespans` in order and leaves them in reverse."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for part in lifespans:
                await stack.enter_async_context(part(app))
            yield

    return lifespan


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        name="feedback",
        title="Ideaflow feedback service",
        description="What customers say, posted by CRMs, helpdesks and import scripts.",
        settings=settings,
        routers=[
            evidence_router,
            loop_router,
            feedback_router,
            ingest_router,
            imports_router,
            customers_router,
            digest_router,
            themes_router,
            integrations_router,
        ],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[
            {"name": "feedback", "description": "Feedback items, deduplicated by their source's id."},
            {"name": "customers", "description": "Customers, keyed by their source's id; erasable."},
            {"name": "evidence", "description": "Feedback linked to ideas as evidence, demand and closing the loop."},
            {"name": "themes", "description": "Recurring needs, found in feedback as it arrives."},
            {"name": "integrations", "description": "CRMs and helpdesks posting feedback as signed webhooks."},
            {"name": "imports", "description": "CSV and NDJSON files imported as feedback by background jobs."},
        ],
        extra_lifespan=_together(
            ideas_client_lifespan(settings), import_runner_lifespan(settings), theme_assigner_lifespan(settings)
        ),
        uncapped_paths=re.compile(UPLOAD_PATH),
    )
    # Built here, so that an engine whose extra is not installed stops the start with its import error.
    app.state.themes_engine = embedder_named(settings.themes_engine)
    return app
