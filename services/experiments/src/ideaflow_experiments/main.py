"""The experiments service application."""

from pathlib import Path

from fastapi import FastAPI

from ideaflow_experiments.assumptions.router import router as assumptions_router
from ideaflow_experiments.costs.router import router as costs_router
from ideaflow_experiments.db import Base
from ideaflow_experiments.decisions.router import router as decisions_router
from ideaflow_experiments.experiments.assumption_links_router import router as assumption_links_router
from ideaflow_experiments.experiments.lifecycle_router import router as experiment_lifecycle_router
from ideaflow_experiments.experiments.router import router as experiments_router
from ideaflow_experiments.ideas_service import ideas_client_lifespan
from ideaflow_experiments.learnings.router import router as learnings_router
from ideaflow_experiments.metrics.results_router import router as results_router
from ideaflow_experiments.metrics.router import router as metrics_router
from ideaflow_experiments.metrics.verdict_router import router as verdict_router
from ideaflow_experiments.partners.collaborations_router import router as collaborations_router
from ideaflow_experiments.partners.router import router as partners_router
from ideaflow_experiments.programme.router import router as programme_router
from ideaflow_experiments.settings import ExperimentsSettings, get_settings
from ideaflow_shared.app import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ExperimentsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        name="experiments",
        title="Ideaflow experiments service",
        description="Small, pre-registered experiments that test the ideas worth testing.",
        settings=settings,
        routers=[
            experiments_router,
            experiment_lifecycle_router,
            costs_router,
            assumption_links_router,
            assumptions_router,
            decisions_router,
            metrics_router,
            results_router,
            verdict_router,
            learnings_router,
            partners_router,
            collaborations_router,
            programme_router,
        ],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[
            {"name": "experiments", "description": "Experiments (test cards) that test an idea."},
            {"name": "assumptions", "description": "What must be true for an idea to work, ranked by risk."},
            {"name": "partners", "description": "Partner organisations and their collaborations on experiments."},
            {"name": "programme", "description": "The experiment programme of a period at a glance."},
        ],
        extra_lifespan=ideas_client_lifespan(settings),
    )
