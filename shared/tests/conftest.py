from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
from fastapi import FastAPI

from ideaflow_shared.testing import served


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[FastAPI], Awaitable[str]]]:
    """Serve an ASGI app on a real local port for the test; answers its base URL."""
    async with AsyncExitStack() as servers:

        async def start(app: FastAPI) -> str:
            return await servers.enter_async_context(served(app))

        yield start
