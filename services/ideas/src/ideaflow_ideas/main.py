"""The ideas service application."""

from pathlib import Path

from fastapi import FastAPI

from ideaflow_ideas.db import Base
from ideaflow_ideas.ideas.router import router as ideas_router
from ideaflow_ideas.settings import IdeasSettings, get_settings
from ideaflow_ideas.stages.router import router as stages_router
from ideaflow_shared.app import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IdeasSettings | None = None) -> FastAPI:
    return create_service_app(
        name="ideas",
        title="Ideaflow ideas service",
        description="Ideas employees bring, named or anonymous, and how they move through the funnel.",
        settings=settings or get_settings(),
        # Routers with fixed paths under /v1/ideas (awaiting-review, …) come before /v1/ideas/{idea_id}.
        routers=[stages_router, ideas_router],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[
            {"name": "ideas", "description": "Ideas and their stage in the funnel."},
            {"name": "stages", "description": "Moving ideas through the funnel, their history, the review queue."},
        ],
    )
