"""The ideas service as this service reaches it: one typed client per process, over the shared pool."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared.app import ExtraLifespan
from ideaflow_shared.clients.ideas import IdeasClient


def ideas_client_lifespan(settings: FeedbackSettings) -> ExtraLifespan:
    """Build the client on `app.state.http`, which exists only once the app has started."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ideas = IdeasClient(
            app.state.http, settings.ideas_url, timeout_seconds=settings.ideas_timeout_seconds
        )
        yield

    return lifespan


async def _ideas_client(request: Request) -> IdeasClient:
    client: IdeasClient = request.app.state.ideas
    return client


IdeasClientDep = Annotated[IdeasClient, Depends(_ideas_client)]
