"""The feedback service application."""

from pathlib import Path

from fastapi import FastAPI

from ideaflow_feedback.customers.router import router as customers_router
from ideaflow_feedback.db import Base
from ideaflow_feedback.feedback.router import router as feedback_router
from ideaflow_feedback.settings import FeedbackSettings, get_settings
from ideaflow_shared.app import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    return create_service_app(
        name="feedback",
        title="Ideaflow feedback service",
        description="What customers say, posted by CRMs, helpdesks and import scripts.",
        settings=settings or get_settings(),
        routers=[feedback_router, customers_router],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[
            {"name": "feedback", "description": "Feedback items, deduplicated by their source's id."},
            {"name": "customers", "description": "Customers, keyed by their source's id; erasable."},
        ],
    )
