"""Idempotency-Key: one create per key, replays of the first answer, expired keys free again."""

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ideaflow_shared import db
from ideaflow_shared.db import create_engine, create_sessionmaker, new_metadata, utcnow
from ideaflow_shared.idempotency import KEY_RETENTION, REPLAY_HEADER, Created, create_idempotently, idempotency_table
from ideaflow_shared.problems import UnprocessableContent
from ideaflow_shared.testing import fresh_database_url

metadata = new_metadata()
KEYS = idempotency_table(metadata)


class Thing(BaseModel):
    name: str


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await fresh_database_url(f"ideaflow_test_idempotency_{uuid.uuid4().hex[:8]}", tmp_path))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield create_sessionmaker(engine)
    await engine.dispose()


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    async def create(self) -> Created:
        self.calls += 1
        return Created(body=Thing(name=f"thing {self.calls}"), location=f"/things/{self.calls}", etag='"1"')


async def _post(
    sessions: async_sessionmaker[AsyncSession], counter: Counter, organization_id: uuid.UUID, key: str, name: str
) -> tuple[int, dict[str, str], dict[str, str]]:
    async with sessions() as session, session.begin():
        response = await create_idempotently(
            session,
            table=KEYS,
            organization_id=organization_id,
            key=key,
            request=Thing(name=name),
            create=counter.create,
        )
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


async def test_a_retry_replays_the_first_answer_and_creates_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    counter, organization_id = Counter(), uuid.uuid4()

    first = await _post(sessions, counter, organization_id, "key-1", "a")
    again = await _post(sessions, counter, organization_id, "key-1", "a")

    assert counter.calls == 1
    assert first[0] == again[0] == 201
    assert first[2] == again[2] == {"name": "thing 1"}
    assert again[1]["location"] == "/things/1"
    assert again[1][REPLAY_HEADER.lower()] == "true"
    assert REPLAY_HEADER.lower() not in first[1]


async def test_the_same_key_with_another_body_is_refused_and_keys_belong_to_one_organisation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counter, organization_id = Counter(), uuid.uuid4()
    await _post(sessions, counter, organization_id, "key-1", "a")

    with pytest.raises(UnprocessableContent):
        await _post(sessions, counter, organization_id, "key-1", "b")
    elsewhere = await _post(sessions, counter, uuid.uuid4(), "key-1", "b")

    assert elsewhere[0] == 201
    assert counter.calls == 2


async def test_an_expired_key_is_free_again_and_expired_keys_are_swept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counter, organization_id, other = Counter(), uuid.uuid4(), uuid.uuid4()
    await _post(sessions, counter, organization_id, "old", "a")
    await _post(sessions, counter, other, "old-elsewhere", "a")
    async with sessions() as session, session.begin():
        await session.execute(update(KEYS).values(created_at=utcnow() - KEY_RETENTION - dt.timedelta(minutes=1)))
    db._last_sweeps.clear()  # as if the last sweep were more than a minute ago

    reused = await _post(sessions, counter, organization_id, "old", "another body")

    assert reused[0] == 201
    assert reused[2] == {"name": "thing 3"}
    async with sessions() as session:
        keys = (await session.execute(select(KEYS.c.organization_id, KEYS.c.key))).all()
        assert [tuple(row) for row in keys] == [(organization_id, "old")]
        assert await session.scalar(select(func.count()).select_from(KEYS)) == 1
