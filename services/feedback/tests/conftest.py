from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ideaflow_feedback.main import create_app
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, fresh_database_url, new_identity


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return await fresh_database_url("ideaflow_test_feedback", tmp_path_factory.mktemp("feedback"))


@pytest.fixture(scope="session")
def import_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imports")


@pytest.fixture(scope="session")
async def app_client(database_url: str, import_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The feedback app in process, migrated by its real migrations, shared by the session."""
    settings = FeedbackSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        log_json=True,
        import_dir=import_dir,
        import_poll_seconds=0.5,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feedback") as client:
            yield client


@pytest.fixture
def caller_factory(app_client: httpx.AsyncClient) -> Callable[..., Caller]:
    return lambda *roles, **kwargs: Caller(app_client, new_identity(*roles, **kwargs))


@pytest.fixture
def caller(caller_factory: Callable[..., Caller]) -> Caller:
    """A member of a fresh organisation: each test sees only its own data."""
    return caller_factory()
