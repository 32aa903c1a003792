"""The ideas service application."""

from pathlib import Path

from fastapi import FastAPI

from ideaflow_ideas.db import Base
from ideaflow_ideas.ideas.router import router as ideas_router
from ideaflow_ideas.settings import IdeasSettings, get_settings
from ideaflow_shared.app import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IdeasSettings | None = None) -> FastAPI:
    return create_service_app(
        name="ideas",
        title="Ideaflow ideas service",
        description="Ideas employees bring, named or anonymous, and how they move through the funnel.",
        settings=settings or get_settings(),
        routers=[ideas_router],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[{"name": "ideas", "description": "Ideas and their stage in the funnel."}],
    )
