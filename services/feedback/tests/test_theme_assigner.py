"""Theme assignment after the request: every ingest path queues, the background assigner assigns, reads catch up."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ideaflow_feedback.feedback.models import Feedback, ThemePending
from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.feedback.upsert import upsert_feedback
from ideaflow_feedback.main import create_app
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_feedback.themes import assigner
from ideaflow_feedback.themes.assigner import ThemeAssigner, assign_waiting
from ideaflow_feedback.themes.models import Theme, ThemeAssignment
from ideaflow_shared.db import create_engine, create_sessionmaker, writing
from ideaflow_shared.identity import WEBHOOK_SENDER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, fresh_database_url, new_identity

DARK = [
    "Dark mode please, the white background hurts my eyes at night.",
    "Please add a dark mode, the bright white screen hurts at night.",
    "A dark mode for night shifts please, white hurts the eyes.",
]
EXPORT = "Please add CSV export of the order history for our accountant."


@pytest.fixture
async def sessions(app_client: httpx.AsyncClient, database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database, as a second service process would open them."""
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def waiting(sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(ThemePending).where(ThemePending.organization_id == organization_id)
        )
    return count or 0


async def assigned(
    sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID]:
    """Each assigned item's theme."""
    async with sessions() as session:
        rows = await session.execute(
            select(ThemeAssignment.feedback_id, ThemeAssignment.theme_id).where(
                ThemeAssignment.organization_id == organization_id
            )
        )
        return {feedback_id: theme_id for feedback_id, theme_id in rows}


async def items_counted_by_themes(sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID) -> int:
    async with sessions() as session:
        return (
            await session.scalar(
                select(func.coalesce(func.sum(Theme.item_count), 0)).where(Theme.organization_id == organization_id)
            )
            or 0
        )


async def stored_ids(sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID) -> set[uuid.UUID]:
    async with sessions() as session:
        return set(await session.scalars(select(Feedback.id).where(Feedback.organization_id == organization_id)))


async def settled(sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID, count: int) -> None:
    """Wait, without reading themes through the API (which would catch up), until `count` items are assigned."""
    for _ in range(200):
        if await waiting(sessions, organization_id) == 0 and len(await assigned(sessions, organization_id)) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"{await waiting(sessions, organization_id)} items wait, {len(await assigned(sessions, organization_id))} "
        f"of {count} are assigned"
    )


def standard_webhooks_headers(secret: str, message_id: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    return {"webhook-id": message_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{signature.decode()}"}


async def test_the_assigner_puts_singles_batches_imports_and_webhooks_in_themes(
    caller_factory: Callable[..., Caller], app_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = caller_factory("admin")
    single = await admin.post("/v1/feedback", json={"text": DARK[0], "channel": "email"})
    assert single.status_code == 201, single.text
    batch = await admin.post(
        "/v1/feedback/batches",
        json=[{"text": DARK[1], "channel": "email"}, {"text": EXPORT, "channel": "email"}],
    )
    assert batch.status_code == 200, batch.text
    created = await admin.post(
        "/v1/imports",
        json={"format": "csv", "columns": {"text": "Comment"}, "defaults": {"channel": "survey", "source": "typeform"}},
    )
    assert created.status_code == 201, created.text
    uploaded = await admin.request(
        "PUT",
        f"/v1/imports/{created.json()['id']}/file",
        content=f'Comment\r\n"{DARK[2]}"\r\n',
        headers={"Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 202, uploaded.text
    integration = (await admin.post("/v1/integrations", json={"type": "generic", "name": "crm"})).json()
    body = json.dumps({"type": "feedback.created", "data": {"id": "m-1", "text": EXPORT + " Soon?"}}).encode()
    sender = Caller(app_client, new_identity(*WEBHOOK_SENDER.roles, organization_id=WEBHOOK_SENDER.organization_id))
    delivered = await sender.post(
        integration["webhook_path"],
        content=body,
        headers={"Content-Type": "application/json", **standard_webhooks_headers(integration["secret"], "m-1", body)},
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["deliveries"][0]["feedback_outcome"] == "created"
    organization_id = admin.identity.organization_id
    for _ in range(100):  # the import runs in the background too
        job = (await admin.get(f"/v1/imports/{created.json()['id']}")).json()
        if job["status"] not in {"queued", "running"}:
            break
        await asyncio.sleep(0.05)
    assert (job["status"], job["created"]) == ("succeeded", 1), job

    assert len(await stored_ids(sessions, organization_id)) == 5
    await settled(sessions, organization_id, 5)

    themes = await assigned(sessions, organization_id)
    assert set(themes) == await stored_ids(sessions, organization_id)
    assert await items_counted_by_themes(sessions, organization_id) == 5
    assert len(set(themes.values())) == 2  # dark mode, CSV export


async def test_theme_reads_assign_waiting_items_first(
    caller_factory: Callable[..., Caller], sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stopped(self: ThemeAssigner) -> int:
        return 0

    monkeypatch.setattr(ThemeAssigner, "assign_all", stopped)
    caller = caller_factory()
    for text in [DARK[0], EXPORT, DARK[1]]:
        response = await caller.post("/v1/feedback", json={"text": text, "channel": "email"})
        assert response.status_code == 201, response.text

    themes = (await caller.get("/v1/themes")).json()["items"]

    assert sorted((theme["item_count"], theme["label"]) for theme in themes) == [(1, EXPORT), (2, DARK[0])]
    assert await waiting(sessions, caller.identity.organization_id) == 0


async def test_a_failed_batch_leaves_its_items_waiting_and_a_later_run_assigns_them(
    caller: Caller, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the engine failed")

    monkeypatch.setattr(assigner, "assign_themes", broken)
    for text in DARK:
        response = await caller.post("/v1/feedback", json={"text": text, "channel": "email"})
        assert response.status_code == 201, response.text
    second_process = ThemeAssigner(sessions, poll_seconds=1)
    organization_id = caller.identity.organization_id

    assert await second_process.assign_all() == 0
    assert await waiting(sessions, organization_id) == 3
    assert await assigned(sessions, organization_id) == {}

    monkeypatch.undo()
    await second_process.assign_all()

    await settled(sessions, organization_id, 3)
    assert len(set((await assigned(sessions, organization_id)).values())) == 1
    assert await items_counted_by_themes(sessions, organization_id) == 3


async def test_assigners_in_several_processes_assign_each_item_once(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    organization_id = uuid.uuid4()
    texts = [f"{DARK[index % 3]} Ticket {index}." if index % 2 else f"{EXPORT} Ticket {index}." for index in range(60)]
    async with writing(sessions) as session:
        await upsert_feedback(
            session,
            organization_id=organization_id,
            submitted_by="test",
            items=[FeedbackCreate(text=text, channel="email") for text in texts],
        )
    other_engine = create_engine(database_url)

    async def drain(sessions: async_sessionmaker[AsyncSession]) -> int:
        """Assign small batches until nothing waits: each batch raises if it assigns an item again."""
        total = 0
        while True:
            async with writing(sessions) as session:
                count = await assign_waiting(session, organization_id=organization_id, limit=7)
            if not count:
                return total
            total += count

    try:
        # The app's own assigner, woken by the commit above, races these two as well.
        counts = await asyncio.gather(drain(sessions), drain(create_sessionmaker(other_engine)))
    finally:
        await other_engine.dispose()

    assert sum(counts) <= 60
    await settled(sessions, organization_id, 60)
    assert await items_counted_by_themes(sessions, organization_id) == 60


async def test_the_engine_the_settings_name_finds_the_themes(tmp_path: Path, import_dir: Path) -> None:
    # A database of its own: the session's app, with the default engine, would assign these items too.
    database_url = await fresh_database_url("ideaflow_test_feedback_engine", tmp_path)
    settings = FeedbackSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        import_dir=import_dir,
        themes_engine="multilingual",
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://feedback") as client,
    ):
        caller = Caller(client, new_identity())
        for text in [*DARK, EXPORT]:
            response = await caller.post("/v1/feedback", json={"text": text, "channel": "email"})
            assert response.status_code == 201, response.text
        themes = (await caller.get("/v1/themes")).json()["items"]
        async with app.state.sessionmaker() as session:
            engines = set(await session.scalars(select(Theme.engine)))

    assert sum(theme["item_count"] for theme in themes) == 4
    assert engines == {"multilingual"}


def test_an_engine_the_service_does_not_know_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="themes_engine"):
        FeedbackSettings(environment="development", themes_engine="glove")


async def test_an_item_queued_again_after_its_assignment_is_not_assigned_twice(
    caller: Caller, sessions: async_sessionmaker[AsyncSession]
) -> None:
    organization_id = caller.identity.organization_id
    created = await caller.post("/v1/feedback", json={"text": EXPORT, "channel": "email"})
    feedback_id = uuid.UUID(created.json()["id"])
    await settled(sessions, organization_id, 1)

    # Queued and assigned in one transaction: committed apart, the service's own assigner (woken by
    # the commit, or polling) could take the rows first, and this call would find none.
    async with writing(sessions) as session:
        await assigner.queue(session, organization_id=organization_id, feedback_ids=[feedback_id, feedback_id])
        count = await assign_waiting(session, organization_id=organization_id)

    assert count == 2
    assert await waiting(sessions, organization_id) == 0
    assert await items_counted_by_themes(sessions, organization_id) == 1
