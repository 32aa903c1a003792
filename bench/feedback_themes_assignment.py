"""Theme assignment cost per item as the stored feedback grows from 1,000 to 100,000 items.

Creates its own PostgreSQL database (dropped at the end), migrated by the feedback service's
migrations. For each size it bulk-loads synthetic stored state into one organisation: N items with
their assignments, N/10 themes (the evaluation set makes about one theme per 2.5 items at the default
threshold, so this is on the sparse side), each theme with the index keys of a real centroid, so
common keys have long posting lists (the worst case for a bounded lookup). Then it assigns the
labelled evaluation texts one at a time through the real `assign_theme`, each in its own
transaction, and reports the median and 90th percentile time per item.

    .venv/bin/python bench/feedback_themes_assignment.py [--sizes 1000,10000,100000] [--samples 150]
"""

import argparse
import asyncio
import csv
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel
from ideaflow_feedback.main import MIGRATIONS
from ideaflow_feedback.themes.assignment import DEFAULT_EMBEDDER, assign_theme, fingerprint, stored
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_shared.db import utcnow
from ideaflow_shared.migrations import upgrade

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "ideaflow_bench_feedback_themes"
DATA = Path(__file__).parents[1] / "services/feedback/tests/data/themes_eval.tsv"
CHUNK = 5_000


def texts() -> list[str]:
    with DATA.open(encoding="utf-8") as file:
        return [row["text"] for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)]


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


async def load(session: AsyncSession, *, organization_id: uuid.UUID, items: int, corpus: list[str]) -> None:
    """N stored items in N/10 themes, written with multi-row inserts."""
    generator = random.Random(items)
    now = utcnow()
    vectors = DEFAULT_EMBEDDER.embed(corpus)
    themes = []
    for _ in range(max(items // 10, 1)):
        vector = vectors[generator.randrange(len(vectors))]
        themes.append({"id": uuid.uuid4(), "vector": vector})
    await _bulk(
        session,
        Theme,
        [
            {
                "id": theme["id"],
                "organization_id": organization_id,
                "label": "synthetic",
                "label_fixed": False,
                "engine": DEFAULT_EMBEDDER.name,
                "centroid": stored(theme["vector"]),
                "item_count": 10,
                "first_seen_at": now,
                "last_seen_at": now,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for theme in themes
        ],
    )
    await _bulk(
        session,
        ThemeIndexKey,
        [
            {
                "theme_id": theme["id"],
                "key": key,
                "organization_id": organization_id,
                "engine": DEFAULT_EMBEDDER.name,
                "item_count": 10,
            }
            for theme in themes
            for key in set(DEFAULT_EMBEDDER.index_keys(theme["vector"]))
        ],
    )
    feedback = []
    assignments = []
    for n in range(items):
        theme = themes[n % len(themes)]
        feedback_id = uuid.uuid4()
        text = corpus[n % len(corpus)]
        feedback.append(
            {
                "id": feedback_id,
                "organization_id": organization_id,
                "text": text,
                "channel": FeedbackChannel.EMAIL,
                "received_at": now,
                "source": "bench",
                "external_id": str(n),
                "submitted_by": "bench",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        assignments.append(
            {
                "feedback_id": feedback_id,
                "organization_id": organization_id,
                "theme_id": theme["id"],
                "vector": {},
                "similarity": 1.0,
                "pinned": False,
                "fingerprint": fingerprint(text),
                "received_at": now,
                "assigned_at": now,
            }
        )
    await _bulk(session, Feedback, feedback)
    await _bulk(session, ThemeAssignment, assignments)
    await session.commit()


async def measure(
    sessions: async_sessionmaker[AsyncSession], *, organization_id: uuid.UUID, samples: list[str]
) -> list[float]:
    timings = []
    for n, text in enumerate(samples):
        async with sessions() as session:
            now = utcnow()
            item = Feedback(
                id=uuid.uuid4(),
                organization_id=organization_id,
                text=text,
                channel=FeedbackChannel.EMAIL,
                received_at=now,
                source="bench-new",
                external_id=f"{n}-{uuid.uuid4()}",
                submitted_by="bench",
                created_at=now,
                updated_at=now,
                version=1,
            )
            session.add(item)
            await session.flush()
            started = time.perf_counter()
            await assign_theme(session, feedback=item)
            await session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--samples", type=int, default=150)
    args = parser.parse_args()
    corpus = texts()
    await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{DATABASE}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    engine = create_async_engine(url)
    try:
        await upgrade(MIGRATIONS, url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        print(f"{'stored items':>12}  {'themes':>7}  {'load s':>7}  {'median ms/item':>14}  {'p90 ms/item':>11}")
        for size in (int(size) for size in args.sizes.split(",")):
            organization_id = uuid.uuid4()
            started = time.perf_counter()
            async with sessions() as session:
                await load(session, organization_id=organization_id, items=size, corpus=corpus)
            loaded = time.perf_counter() - started
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE")
            samples = random.Random(7).sample(corpus, min(args.samples, len(corpus)))
            timings = await measure(sessions, organization_id=organization_id, samples=samples)
            p90 = statistics.quantiles(timings, n=10)[-1]
            print(f"{size:>12}  {size // 10:>7}  {loaded:>7.1f}  {statistics.median(timings):>14.2f}  {p90:>11.2f}")
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
