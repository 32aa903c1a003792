"""Theme assignment cost per item as the stored feedback grows from 1,000 to 100,000 items.

Creates its own PostgreSQL database (dropped at the end), migrated by the feedback service's
migrations. For each size it bulk-loads synthetic stored state into one organisation: N items (the
labelled evaluation texts, each with four random words of the corpus added), placed in themes by the
engine itself in memory (so the themes, their centroids, index keys and merges are what assignment
makes of them; common keys get long posting lists, the worst case for a bounded lookup). Then it
assigns more such texts through the real `assign_themes`, per batch size: one item per transaction (the
single create) and batches of e.g. 1,000 (the batch ingest), each batch in its own transaction, the
items' rows inserted before the clock starts. It reports wall time per item (median and 90th
percentile over transactions, commit included), this process's CPU time per item (embedding,
placing, building the statements) and the PostgreSQL backends' CPU time per item (from /proc, read
around each transaction; 10 ms ticks, so read it on batches, not single items).

    .venv/bin/python bench/feedback_themes_assignment.py [--sizes 1000,10000,100000] [--samples 150] \
        [--batch-sizes 1,1000] [--batches 5] [--mix corpus|words] [--customers 5000]
        [--database ideaflow_bench_feedback_themes]
"""

import argparse
import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel
from ideaflow_feedback.main import MIGRATIONS
from ideaflow_feedback.themes.assignment import DEFAULT_EMBEDDER, ItemToAssign, assign_themes, fingerprint, stored
from ideaflow_feedback.themes.memory import MemoryThemes
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_shared.db import utcnow
from ideaflow_shared.migrations import upgrade

import harness

DATABASE = "ideaflow_bench_feedback_themes"
CHUNK = 5_000


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


MIXES = ("corpus", "words")


def synthetic_texts(corpus: list[str], count: int, generator: random.Random, mix: str) -> list[str]:
    """`corpus`: evaluation texts with four words of the corpus added at random (varied, like real
    feedback; they fall into a few dozen themes). `words`: eight random words of the corpus (they fall
    into thousands of small themes, with long posting lists on common keys)."""
    vocabulary = sorted({word for text in corpus for word in text.split()})
    if mix == "words":
        return [" ".join(generator.choice(vocabulary) for _ in range(8)) for _ in range(count)]
    return [
        f"{generator.choice(corpus)} {' '.join(generator.choice(vocabulary) for _ in range(4))}" for _ in range(count)
    ]


async def customers(session: AsyncSession, *, organization_id: uuid.UUID, count: int) -> list[uuid.UUID | None]:
    """`count` customers of the organisation (none: items without a customer)."""
    if not count:
        return [None]
    now = utcnow()
    ids = [uuid.uuid4() for _ in range(count)]
    await _bulk(
        session,
        Customer,
        [
            {
                "id": customer_id,
                "organization_id": organization_id,
                "source": "bench",
                "external_id": str(n),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n, customer_id in enumerate(ids)
        ],
    )
    return list(ids)


async def load(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    items: int,
    corpus: list[str],
    mix: str,
    customer_ids: list[uuid.UUID | None],
) -> int:
    """N stored items, placed by the engine itself (in memory, then written with multi-row inserts).

    So the stored themes are what assignment would have made of those items, merges included.
    Answers the number of themes.
    """
    generator = random.Random(items)
    now = utcnow()
    texts = synthetic_texts(corpus, items, generator, mix)
    working = MemoryThemes(DEFAULT_EMBEDDER, new_theme_id=lambda: str(uuid.uuid4()))
    vectors = DEFAULT_EMBEDDER.embed(texts)
    placed = [working.assign_vector(vector).theme_id for vector in vectors]
    await _bulk(
        session,
        Theme,
        [
            {
                "id": uuid.UUID(theme_id),
                "organization_id": organization_id,
                "label": "synthetic",
                "label_fixed": False,
                "curated": False,
                "engine": DEFAULT_EMBEDDER.name,
                "centroid": stored(theme.centroid),
                "item_count": theme.size,
                "first_seen_at": now,
                "last_seen_at": now,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for theme_id, theme in working.themes.items()
        ],
    )
    await _bulk(
        session,
        ThemeIndexKey,
        [
            {
                "theme_id": uuid.UUID(theme_id),
                "key": key,
                "organization_id": organization_id,
                "engine": DEFAULT_EMBEDDER.name,
                "item_count": theme.size,
            }
            for theme_id, theme in working.themes.items()
            for key in theme.keys
        ],
    )
    feedback = []
    assignments = []
    for n, (text, vector, theme_id) in enumerate(zip(texts, vectors, placed, strict=True)):
        feedback_id = uuid.uuid4()
        feedback.append(
            {
                "id": feedback_id,
                "organization_id": organization_id,
                "text": text,
                "channel": FeedbackChannel.EMAIL,
                "received_at": now,
                "source": "bench",
                "external_id": str(n),
                "customer_id": customer_ids[n % len(customer_ids)],
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
                "theme_id": uuid.UUID(working.theme_of(theme_id)),
                "vector": stored(vector),
                "similarity": 1.0,
                "pinned": False,
                "fingerprint": fingerprint(text),
                "received_at": now,
                "assigned_at": now,
                "customer_id": customer_ids[n % len(customer_ids)],
            }
        )
    await _bulk(session, Feedback, feedback)
    await _bulk(session, ThemeAssignment, assignments)
    await session.commit()
    return len(working.themes)


async def _new_items(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    texts: list[str],
    tag: str,
    customer_ids: list[uuid.UUID | None],
) -> list[ItemToAssign]:
    """New item rows, one per text, the n-th said by customer_ids[n]."""
    now = utcnow()
    items = [
        ItemToAssign(uuid.uuid4(), text, now, customer_id)
        for text, customer_id in zip(texts, customer_ids, strict=True)
    ]
    await _bulk(
        session,
        Feedback,
        [
            {
                "id": item.feedback_id,
                "organization_id": organization_id,
                "text": item.text,
                "channel": FeedbackChannel.EMAIL,
                "received_at": now,
                "source": "bench-new",
                "external_id": f"{tag}-{n}",
                "customer_id": item.customer_id,
                "submitted_by": "bench",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n, item in enumerate(items)
        ],
    )
    return items


@dataclass
class Timings:
    wall_ms_per_item: list[float] = field(default_factory=list)
    cpu_ms_per_item: list[float] = field(default_factory=list)
    database_cpu_ms_per_item: list[float] = field(default_factory=list)


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


async def measure(
    sessions: async_sessionmaker[AsyncSession],
    *,
    organization_id: uuid.UUID,
    texts: list[str],
    customer_ids: list[uuid.UUID | None],
    batch: int,
    database: str,
) -> Timings:
    """Assign `texts` (the n-th said by customer_ids[n]) in batches of `batch`, each in its own
    transaction; time assignment and commit, and read the PostgreSQL backends' CPU around them."""
    timings = Timings()
    for start in range(0, len(texts), batch):
        async with sessions() as session:
            items = await _new_items(
                session,
                organization_id=organization_id,
                texts=texts[start : start + batch],
                tag=str(uuid.uuid4()),
                customer_ids=customer_ids[start : start + batch],
            )
            backends = await harness.postgres_backends_cpu_seconds(database)
            started, cpu = time.perf_counter(), time.process_time()
            await assign_themes(session, organization_id=organization_id, items=items)
            await session.commit()
            timings.wall_ms_per_item.append((time.perf_counter() - started) * 1000 / len(items))
            timings.cpu_ms_per_item.append((time.process_time() - cpu) * 1000 / len(items))
            spent = _spent(backends, await harness.postgres_backends_cpu_seconds(database))
            timings.database_cpu_ms_per_item.append(spent * 1000 / len(items))
    return timings


async def _run(args: argparse.Namespace) -> None:
    batches = [int(batch) for batch in args.batch_sizes.split(",")]
    corpus = [row["text"] for row in harness.themes_evaluation_set()]
    url = harness.database_url(args.database)
    engine = create_async_engine(url)
    try:
        await upgrade(MIGRATIONS, url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        print(
            f"{'stored items':>12}  {'themes':>7}  {'load s':>7}  {'batch':>5}  {'median ms/item':>14}"
            f"  {'p90 ms/item':>11}  {'CPU ms/item':>11}  {'PG CPU ms/item':>14}"
        )
        for size in (int(size) for size in args.sizes.split(",")):
            organization_id = uuid.uuid4()
            started = time.perf_counter()
            async with sessions() as session:
                pool = await customers(session, organization_id=organization_id, count=args.customers)
                themes = await load(
                    session, organization_id=organization_id, items=size, corpus=corpus, mix=args.mix, customer_ids=pool
                )
            loaded = time.perf_counter() - started
            async with engine.begin() as connection:  # committed, or the statistics roll back
                await connection.exec_driver_sql("ANALYZE")
            generator = random.Random(7)
            for batch in batches:
                count = args.samples if batch == 1 else batch * args.batches
                samples = synthetic_texts(corpus, count, generator, args.mix)
                said_by = [generator.choice(pool) for _ in samples]
                timings = await measure(
                    sessions,
                    organization_id=organization_id,
                    texts=samples,
                    customer_ids=said_by,
                    batch=batch,
                    database=args.database,
                )
                wall, cpu = timings.wall_ms_per_item, timings.cpu_ms_per_item
                p90 = statistics.quantiles(wall, n=10)[-1] if len(wall) > 1 else wall[0]
                print(
                    f"{size:>12}  {themes:>7}  {loaded:>7.1f}  {batch:>5}  {statistics.median(wall):>14.3f}"
                    f"  {p90:>11.3f}  {statistics.median(cpu):>11.3f}"
                    f"  {statistics.median(timings.database_cpu_ms_per_item):>14.3f}",
                    flush=True,
                )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--samples", type=int, default=150, help="items assigned one per transaction")
    parser.add_argument("--batch-sizes", default="1,1000", help="1 = one item per transaction")
    parser.add_argument("--batches", type=int, default=5, help="transactions per batch size above 1")
    parser.add_argument("--mix", default="corpus", choices=MIXES, help="what the stored and new texts are")
    parser.add_argument("--customers", type=int, default=0, help="customers saying the items (0: none)")
    parser.add_argument("--database", default=DATABASE, help="created for the run and dropped after it")
    args = parser.parse_args()
    with harness.fresh_databases(args.database):
        asyncio.run(_run(args))


if __name__ == "__main__":
    main()
