"""The experiments app in process, with the real ideas service listening on a free port beside it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ideaflow_experiments.main import create_app
from ideaflow_experiments.settings import ExperimentsSettings
from ideaflow_ideas.main import create_app as create_ideas_app
from ideaflow_ideas.settings import IdeasSettings
from ideaflow_shared.identity import Identity
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, free_port, fresh_database_url, new_identity, served

IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
}

SubmitIdea = Callable[[Identity], Awaitable[str]]


@pytest.fixture(scope="session")
async def ideas_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The real ideas service, served over HTTP by uvicorn in this event loop, on its own fresh database."""
    settings = IdeasSettings(
        environment="development",
        database_url=await fresh_database_url("ideaflow_test_experiments_ideas", tmp_path_factory.mktemp("ideas")),
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        log_level="warning",
    )
    async with served(create_ideas_app(settings)) as url:
        yield url


@pytest.fixture(scope="session")
def unreachable_url() -> str:
    """An address where nothing listens: the port was free a moment ago and is closed again."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return await fresh_database_url("ideaflow_test_experiments", tmp_path_factory.mktemp("experiments"))


@asynccontextmanager
async def _experiments_client(database_url: str, ideas_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = ExperimentsSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        ideas_url=ideas_url,
        ideas_timeout_seconds=2,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://experiments") as client:
            yield client


@pytest.fixture(scope="session")
async def app_client(database_url: str, ideas_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The experiments app, migrated by its real migrations, calling the real ideas service."""
    async with _experiments_client(database_url, ideas_url) as client:
        yield client


@pytest.fixture(scope="session")
async def app_client_without_ideas(
    database_url: str, ideas_url: str, unreachable_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A second experiments process on the same database, whose ideas service is down."""
    async with _experiments_client(database_url, unreachable_url) as client:
        yield client


@pytest.fixture(scope="session")
async def ideas_client(ideas_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ideas_url) as client:
        yield client


@pytest.fixture
def caller_factory(app_client: httpx.AsyncClient) -> Callable[..., Caller]:
    return lambda *roles, **kwargs: Caller(app_client, new_identity(*roles, **kwargs))


@pytest.fixture
def caller(caller_factory: Callable[..., Caller]) -> Caller:
    """A member of a fresh organisation: each test sees only its own data."""
    return caller_factory()


@pytest.fixture
def submit_idea(ideas_client: httpx.AsyncClient) -> SubmitIdea:
    """Submit an idea through the ideas service's HTTP API, as an employee of `identity`'s
    organisation; answers its id."""

    async def submit(identity: Identity) -> str:
        employee = new_identity("employee", organization_id=identity.organization_id)
        response = await Caller(ideas_client, employee).post("/v1/ideas", json=IDEA)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return submit


@pytest.fixture
async def idea_id(caller: Caller, submit_idea: SubmitIdea) -> str:
    """An idea of the caller's organisation."""
    return await submit_idea(caller.identity)
