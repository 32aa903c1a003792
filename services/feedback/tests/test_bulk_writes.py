"""The batch writes behind ingest and theme assignment: one statement per table whatever the batch's size,
and what they store reads back the same on SQLite and PostgreSQL."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel
from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.feedback.upsert import StoreOutcome, upsert_feedback
from ideaflow_feedback.themes.assignment import DEFAULT_EMBEDDER, ItemToAssign, assign_themes, stored
from ideaflow_feedback.themes.models import Theme, ThemeAssignment


@pytest.fixture
async def sessions(app_client: httpx.AsyncClient, database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database, which the app (`app_client`) migrated."""
    engine = create_async_engine(database_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def _items(count: int, *, start: int = 0) -> list[FeedbackCreate]:
    return [
        FeedbackCreate(
            text=f"Please add a dark mode, the white screen hurts at night ({number}).",
            channel=FeedbackChannel.EMAIL,
            tags=["ui", "night"],
            source="crm",
            external_id=f"ticket-{number}",
            customer_ref=f"customer-{number}",
        )
        for number in range(start, start + count)
    ]


async def test_storing_a_batch_costs_the_same_statements_whatever_its_size(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    organization_id = uuid.uuid4()

    async def statements_for(items: list[FeedbackCreate]) -> int:
        async with sessions() as session, session.begin():
            executed: list[str] = []

            def count(*args: object) -> None:
                executed.append(str(args[2]))

            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", count)
            try:
                results = await upsert_feedback(session, organization_id=organization_id, submitted_by="t", items=items)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert [result.outcome for result in results] == [StoreOutcome.CREATED] * len(items)
            return len(executed)

    assert await statements_for(_items(2)) == await statements_for(_items(300, start=2))


async def test_created_items_read_back_as_sent_and_as_answered(sessions: async_sessionmaker[AsyncSession]) -> None:
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        results = await upsert_feedback(session, organization_id=organization_id, submitted_by="t", items=_items(3))
    answered = {result.id: result.public() for result in results}

    async with sessions() as session:
        rows = (await session.scalars(select(Feedback).where(Feedback.organization_id == organization_id))).all()

    assert {row.id for row in rows} == set(answered)
    for row in rows:
        assert row.tags == ["ui", "night"]
        assert (row.text, row.external_id, row.customer_id, row.version) == (
            answered[row.id].text,
            answered[row.id].external_id,
            answered[row.id].customer_id,
            1,
        )


async def test_vectors_and_centroids_are_stored_as_json_objects_keyed_by_feature(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        (result,) = await upsert_feedback(session, organization_id=organization_id, submitted_by="t", items=_items(1))
        item = result.public()
        (assignment,) = await assign_themes(
            session,
            organization_id=organization_id,
            items=[ItemToAssign(item.id, item.text, item.received_at, item.customer_id)],
        )

    async with sessions() as session:
        vector = await session.scalar(select(ThemeAssignment.vector).where(ThemeAssignment.feedback_id == item.id))
        centroid = await session.scalar(select(Theme.centroid).where(Theme.id == assignment.theme_id))

    (embedded,) = DEFAULT_EMBEDDER.embed([item.text])
    assert vector == stored(embedded)
    assert centroid == stored(embedded)
