"""The ideas service application."""

from pathlib import Path

from fastapi import FastAPI

from ideaflow_ideas.analytics.router import router as analytics_router
from ideaflow_ideas.challenges.router import router as challenges_router
from ideaflow_ideas.comments.router import router as comments_router
from ideaflow_ideas.db import Base
from ideaflow_ideas.discovery.router import router as discovery_router
from ideaflow_ideas.evaluations.router import criteria_router
from ideaflow_ideas.evaluations.router import router as evaluations_router
from ideaflow_ideas.ideas.router import router as ideas_router
from ideaflow_ideas.settings import IdeasSettings, get_settings
from ideaflow_ideas.stages.router import router as stages_router
from ideaflow_ideas.votes.router import router as votes_router
from ideaflow_shared.app import create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IdeasSettings | None = None) -> FastAPI:
    return create_service_app(
        name="ideas",
        title="Ideaflow ideas service",
        description="Ideas employees bring, named or anonymous, and how they move through the funnel.",
        settings=settings or get_settings(),
        # Sub-resource routers come before /v1/ideas/{idea_id}.
        routers=[
            challenges_router,
            comments_router,
            votes_router,
            stages_router,
            evaluations_router,
            criteria_router,
            analytics_router,
            discovery_router,
            ideas_router,
        ],
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        openapi_tags=[
            {"name": "ideas", "description": "Ideas and their stage in the funnel."},
            {"name": "challenges", "description": "Brainstorm campaigns: focus question, phases, dot budgets."},
            {"name": "comments", "description": "Building on, questioning and (in evaluation) critiquing ideas."},
            {"name": "votes", "description": "Up-votes and dot voting, one person one vote, as secret ballots."},
            {"name": "stages", "description": "Moving ideas through the funnel, their history, the review queue."},
            {"name": "evaluations", "description": "Criteria, author-blind evaluations, aggregates and rankings."},
            {"name": "discovery", "description": "Full-text search, the similarity check while typing, merging."},
            {"name": "analytics", "description": "Participation, the funnel and how fast ideas are answered."},
        ],
    )
