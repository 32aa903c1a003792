from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ideaflow_ideas.main import create_app
from ideaflow_ideas.settings import IdeasSettings
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, fresh_database_url, new_identity


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return await fresh_database_url("ideaflow_test_ideas", tmp_path_factory.mktemp("ideas"))


@pytest.fixture(scope="session")
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The ideas app in process, migrated by its real migrations, shared by the session."""
    settings = IdeasSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        log_json=True,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ideas") as client:
            yield client


@pytest.fixture
def caller_factory(app_client: httpx.AsyncClient) -> Callable[..., Caller]:
    """A caller in a fresh organisation with the given roles (an employee when none is named)."""
    return lambda *roles, **kwargs: Caller(app_client, new_identity(*(roles or ("employee",)), **kwargs))


@pytest.fixture
def caller(caller_factory: Callable[..., Caller]) -> Caller:
    """An employee of a fresh organisation: each test sees only its own data."""
    return caller_factory()
