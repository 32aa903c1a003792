"""All SQL for themes. Every query is scoped to one organisation."""

import datetime as dt
import functools
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    FromClause,
    Select,
    String,
    Table,
    Text,
    Update,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    func,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import LateralFromClause

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.evidence.models import IdeaLink
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.feedback.repository import insert_rows
from ideaflow_feedback.themes.memory import CANDIDATES_PER_KEY
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_feedback.themes.schemas import Recurrence, ThemeOrder
from ideaflow_shared.db import dialect_of, one_of
from ideaflow_shared.pagination import PageRequest, next_page, paginate

DUPLICATE_CANDIDATES = 20
"""How many of a customer's latest items in a theme a paraphrase check compares with."""
_THEME_LOCK_SPACE = 0x7E3E_5000_0000_0000
"""Mixed into the organisation's key, so this lock does not collide with other advisory locks."""


async def lock_themes(session: AsyncSession, *, organization_id: uuid.UUID) -> None:
    """Serialise changes to an organisation's themes until the transaction ends.

    Assignment reads candidate themes and writes their new centroids; curation moves items between
    themes. Both take this one lock first, so concurrent batches never lock theme rows in different
    orders (which deadlocked), and each sees the themes the one before it committed. On PostgreSQL
    a transaction-scoped advisory lock keyed by the organisation; SQLite serialises writers anyway.
    """
    if dialect_of(session) == "postgresql":
        key = int.from_bytes(organization_id.bytes[:8], "big", signed=True) ^ _THEME_LOCK_SPACE
        await session.execute(_LOCK, {"key": key})


# The statements an assignment pass runs are built once (per dialect and shape), with bind parameters:
# building one and its cache key costs more CPU than running it.
_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


@dataclass(frozen=True, slots=True)
class StoredCandidate:
    theme_id: uuid.UUID
    centroid: dict[str, float]
    item_count: int
    first_seen_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    curated: bool
    keys: list[str]
    """Those of the looked-up keys the theme was found under."""


async def candidates_for_keys(
    session: AsyncSession, *, organization_id: uuid.UUID, engine: str, keys: Collection[str]
) -> list[StoredCandidate]:
    """For each of `keys`, the live themes posted under it: at most CANDIDATES_PER_KEY, largest first.

    One statement for a whole batch. On PostgreSQL each key is one indexed range scan with a LIMIT
    (a lateral join over the keys), so the cost does not grow with the themes or items stored; SQLite
    (development and tests) ranks each key's postings with a window function instead.
    """
    if not keys:
        return []
    statement = _candidates(dialect_of(session))
    rows = (
        await session.execute(statement, {"organization_id": organization_id, "engine": engine, "keys": list(keys)})
    ).all()
    found_themes: dict[uuid.UUID, StoredCandidate] = {}
    for _, theme_id, centroid, item_count, first_seen_at, last_seen_at, curated in rows:
        if centroid is not None:
            found_themes[theme_id] = StoredCandidate(
                theme_id, centroid, item_count, first_seen_at, last_seen_at, curated, []
            )
    for key, theme_id, *_ in rows:
        found_themes[theme_id].keys.append(key)
    return list(found_themes.values())


@functools.cache
def _candidates(dialect: str) -> Select[Any]:
    """`candidates_for_keys`' statement; parameters `organization_id`, `engine` and `keys`."""
    scope = (ThemeIndexKey.organization_id == bindparam("organization_id"), ThemeIndexKey.engine == bindparam("engine"))
    # Only the lookup index's own order, so each key's scan stops after CANDIDATES_PER_KEY entries.
    by_size = ThemeIndexKey.item_count.desc()
    if dialect == "postgresql":
        wanted = (
            func.unnest(bindparam("keys", type_=postgresql.ARRAY(String)))
            .table_valued("key")
            .render_derived(name="wanted")
        )
        posting = (
            select(ThemeIndexKey.theme_id)
            .where(*scope, ThemeIndexKey.key == wanted.c.key)
            .order_by(by_size)
            .limit(CANDIDATES_PER_KEY)
            .lateral()
        )
        found = select(wanted.c.key.label("key"), posting.c.theme_id).select_from(wanted).join(posting, true())
    else:
        ranked = (
            select(
                ThemeIndexKey.key,
                ThemeIndexKey.theme_id,
                func.row_number().over(partition_by=ThemeIndexKey.key, order_by=by_size).label("rank"),
            )
            .where(*scope, ThemeIndexKey.key.in_(bindparam("keys", expanding=True)))
            .subquery()
        )
        found = select(ranked.c.key, ranked.c.theme_id).where(ranked.c.rank <= CANDIDATES_PER_KEY)
    postings = found.subquery()
    # A theme found under several keys comes once per key; only its first row carries the centroid,
    # so each centroid crosses the wire and is decoded once.
    first_of_theme = func.row_number().over(partition_by=postings.c.theme_id, order_by=postings.c.key) == 1
    return (
        select(
            postings.c.key,
            Theme.id,
            case((first_of_theme, Theme.centroid)),
            Theme.item_count,
            Theme.first_seen_at,
            Theme.last_seen_at,
            Theme.curated,
        )
        .join(Theme, Theme.id == postings.c.theme_id)
        .where(Theme.organization_id == bindparam("organization_id"), Theme.merged_into_id.is_(None))
    )


async def get_theme(session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID) -> Theme | None:
    return await session.scalar(select(Theme).where(Theme.organization_id == organization_id, Theme.id == theme_id))


async def replace_index_keys(session: AsyncSession, *, theme: Theme, keys: Iterable[str]) -> None:
    await session.execute(delete(ThemeIndexKey).where(ThemeIndexKey.theme_id == theme.id))
    session.add_all(
        ThemeIndexKey(
            theme_id=theme.id,
            key=key,
            organization_id=theme.organization_id,
            engine=theme.engine,
            item_count=theme.item_count,
        )
        for key in set(keys)
    )


_EARLIER_COLUMNS = (
    ThemeAssignment.feedback_id,
    ThemeAssignment.theme_id,
    ThemeAssignment.customer_id,
    ThemeAssignment.fingerprint,
    ThemeAssignment.vector.cast(Text).label("vector_json"),
    ThemeAssignment.received_at,
)
"""What `earlier_items` reads of each item (as `EarlierItem`, plus the order received)."""


@dataclass(frozen=True, slots=True)
class EarlierItem:
    feedback_id: uuid.UUID
    theme_id: uuid.UUID
    customer_id: uuid.UUID | None
    fingerprint: str
    vector_json: str
    """Left as JSON text: most are never compared, so decoding them all would be wasted."""


async def earlier_items(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    theme_ids: Collection[uuid.UUID],
    said_by: Collection[tuple[uuid.UUID, uuid.UUID]],
    repeats_of: Collection[tuple[uuid.UUID | None, str]],
) -> list[EarlierItem]:
    """Stored items of `theme_ids` that a near-duplicate check compares with, in the order received.

    Two branches, each found through its own index, so the cost follows the batch, not the size of
    the themes nor the customers' histories: for each (customer, theme) pair of `said_by`, the
    customer's DUPLICATE_CANDIDATES latest items in that theme (to compare paraphrases), and for
    each (customer or None, fingerprint) pair of `repeats_of`, the first item per theme of that
    customer (or without one) with those words (exact repeats).
    """
    if not theme_ids or not (said_by or repeats_of):
        return []
    # Only the first item with the same words per theme and customer is ever compared with, so
    # only that one is read back, however often a text was repeated before; and only for the
    # batch's own customers: every customer's first repeat of a text that many customers send
    # grew with the file (one row per row imported, when an import's texts recur).
    of_customers = [(customer_id, words) for customer_id, words in repeats_of if customer_id is not None]
    anonymous = list({words for customer_id, words in repeats_of if customer_id is None})
    dialect = dialect_of(session)
    parameters: dict[str, Any] = {"organization_id": organization_id, "anonymous": anonymous}
    if dialect == "postgresql":
        parameters |= {
            "said_by_customers": [pair[0] for pair in said_by],
            "said_by_themes": [pair[1] for pair in said_by],
            "repeat_customers": [pair[0] for pair in of_customers],
            "repeat_fingerprints": [pair[1] for pair in of_customers],
        }
    else:
        parameters |= {"said_by": list(said_by), "repeats_of_customers": of_customers}
    statement = _earlier(dialect, said_by=bool(said_by), of_customers=bool(of_customers), anonymous=bool(anonymous))
    rows = await session.execute(statement, parameters)
    wanted = set(theme_ids)
    return [EarlierItem(*row) for row in rows if row.theme_id in wanted]


@functools.cache
def _earlier(dialect: str, *, said_by: bool, of_customers: bool, anonymous: bool) -> Select[Any]:
    """`earlier_items`' statement, with the branches a batch needs; parameters named as it passes them."""
    branches = []
    if said_by:
        branches.append(_latest_said_by(dialect))
    same_words: list[ColumnElement[bool]] = []
    if of_customers and dialect == "postgresql":
        branches.append(_first_repeats_of_customers())
    elif of_customers:
        pairs: BindParameter[Any] = bindparam("repeats_of_customers", expanding=True)
        same_words.append(tuple_(ThemeAssignment.customer_id, ThemeAssignment.fingerprint).in_(pairs))
    if anonymous:
        same_words.append(
            and_(
                ThemeAssignment.customer_id.is_(None),
                one_of(ThemeAssignment.fingerprint, "anonymous", dialect),
            )
        )
    if same_words:
        first_first = (ThemeAssignment.received_at, ThemeAssignment.feedback_id)
        repeats = (
            select(
                *_EARLIER_COLUMNS,
                func.row_number()
                .over(
                    partition_by=(ThemeAssignment.theme_id, ThemeAssignment.customer_id, ThemeAssignment.fingerprint),
                    order_by=first_first,
                )
                .label("earliest"),
            )
            .where(ThemeAssignment.organization_id == bindparam("organization_id"), or_(*same_words))
            .subquery()
        )
        first = select(*(repeats.c[column.name] for column in _EARLIER_COLUMNS))
        branches.append(first.where(repeats.c.earliest == 1))
    found = union_all(*branches).subquery()
    return select(
        found.c.feedback_id, found.c.theme_id, found.c.customer_id, found.c.fingerprint, found.c.vector_json
    ).order_by(found.c.received_at, found.c.feedback_id)


def _latest_said_by(dialect: str) -> Select[Any]:
    """Each (customer, theme) pair's DUPLICATE_CANDIDATES latest items.

    On PostgreSQL a LATERAL lookup per pair reads them off the end of the (customer, theme,
    received_at) index; elsewhere (SQLite, small data) one window over the pairs' items does.
    """
    latest_first = (ThemeAssignment.received_at.desc(), ThemeAssignment.feedback_id.desc())
    if dialect != "postgresql":
        ranked = (
            select(
                *_EARLIER_COLUMNS,
                func.row_number()
                .over(partition_by=(ThemeAssignment.customer_id, ThemeAssignment.theme_id), order_by=latest_first)
                .label("recent"),
            )
            .where(
                ThemeAssignment.organization_id == bindparam("organization_id"),
                tuple_(ThemeAssignment.customer_id, ThemeAssignment.theme_id).in_(bindparam("said_by", expanding=True)),
            )
            .subquery()
        )
        recent = ranked.c.recent <= DUPLICATE_CANDIDATES
        return select(*(ranked.c[column.name] for column in _EARLIER_COLUMNS)).where(recent)
    pairs = (
        func.unnest(
            bindparam("said_by_customers", type_=postgresql.ARRAY(Uuid)),
            bindparam("said_by_themes", type_=postgresql.ARRAY(Uuid)),
        )
        .table_valued("customer_id", "theme_id")
        .render_derived(name="said_by")
    )
    candidate = aliased(ThemeAssignment, name="candidate")
    latest = (
        select(candidate.feedback_id)
        .where(candidate.customer_id == pairs.c.customer_id, candidate.theme_id == pairs.c.theme_id)
        .order_by(candidate.received_at.desc(), candidate.feedback_id.desc())
        .limit(DUPLICATE_CANDIDATES)
        .lateral("latest")
    )
    return _read_found(pairs, latest)


def _first_repeats_of_customers() -> Select[Any]:
    """On PostgreSQL: per (customer, fingerprint) pair, the first such item in each theme, looked up in
    the customer's (customer, theme, …) index entries, which carry the fingerprint: a semi-join of the
    pairs with the organisation's items was planned as a scan of all of them."""
    wanted = (
        func.unnest(
            bindparam("repeat_customers", type_=postgresql.ARRAY(Uuid)),
            bindparam("repeat_fingerprints", type_=postgresql.ARRAY(String)),
        )
        .table_valued("customer_id", "fingerprint")
        .render_derived(name="repeats_of")
    )
    candidate = aliased(ThemeAssignment, name="repeat")
    first = (
        select(candidate.feedback_id)
        .where(candidate.customer_id == wanted.c.customer_id, candidate.fingerprint == wanted.c.fingerprint)
        .ext(postgresql.distinct_on(candidate.theme_id))
        .order_by(candidate.theme_id, candidate.received_at, candidate.feedback_id)
        .lateral("first_repeat")
    )
    return _read_found(wanted, first)


def _read_found(pairs: FromClause, lookup: LateralFromClause) -> Select[Any]:
    """The items a LATERAL `lookup` (answering `feedback_id`) finds for each of `pairs`, as
    `earlier_items` reads them.

    The organisation is checked on the rows found, not inside the lookup: given it there, the
    planner may prefer the (organisation, theme) index and filter a whole theme by customer
    (seconds per batch, seen on freshly grown tables); a customer's items are all one organisation's.
    """
    return (
        select(*_EARLIER_COLUMNS)
        .select_from(pairs)
        .join(lookup, true())
        .join(ThemeAssignment, ThemeAssignment.feedback_id == lookup.c.feedback_id)
        .where(ThemeAssignment.organization_id == bindparam("organization_id"))
    )


# The batch writes below are Core statements on the tables: one statement per batch (`insert_rows`), without
# the ORM's per-row bookkeeping (and without its splitting of a batch by which values are NULL).

THEMES = cast(Table, Theme.__table__)
THEME_INDEX_KEYS = cast(Table, ThemeIndexKey.__table__)
THEME_ASSIGNMENTS = cast(Table, ThemeAssignment.__table__)


async def insert_themes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(session, THEMES, rows)


async def update_themes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New centroids, counts and seen-times of existing themes (rows keyed by `id`), in one executemany."""
    if rows:
        names = tuple(name for name in rows[0] if name != "id")
        await session.execute(
            _update_themes(names),
            [{"theme_id": row["id"], **{name: row[name] for name in names}} for row in rows],
        )


@functools.cache
def _update_themes(names: tuple[str, ...]) -> Update:
    return update(THEMES).where(THEMES.c.id == bindparam("theme_id")).values({name: bindparam(name) for name in names})


async def replace_keys_of_themes(
    session: AsyncSession, *, theme_ids: Collection[uuid.UUID], rows: Sequence[dict[str, Any]]
) -> None:
    """Swap the index keys of `theme_ids` for `rows`: one DELETE and one multi-row INSERT."""
    if theme_ids:
        await session.execute(_DELETE_KEYS_OF_THEMES, {"theme_ids": list(theme_ids)})
    await insert_rows(session, THEME_INDEX_KEYS, rows)


_DELETE_KEYS_OF_THEMES = delete(THEME_INDEX_KEYS).where(
    THEME_INDEX_KEYS.c.theme_id.in_(bindparam("theme_ids", expanding=True))
)


async def apply_merges(
    session: AsyncSession, *, organization_id: uuid.UUID, merges: Mapping[uuid.UUID, uuid.UUID], now: dt.datetime
) -> None:
    """The engine folded stored themes (keys) into others (values): their items, tombstones and idea
    links follow, and they stay as pointers (`merged_into_id`), as when people merge. One executemany
    per table, however many merges."""
    if not merges:
        return
    pairs = [{"source": source, "target": target} for source, target in merges.items()]
    await session.execute(
        update(THEME_ASSIGNMENTS)
        .where(
            THEME_ASSIGNMENTS.c.organization_id == organization_id,
            THEME_ASSIGNMENTS.c.theme_id == bindparam("source"),
        )
        .values(theme_id=bindparam("target")),
        pairs,
    )
    await session.execute(
        update(THEMES)
        .where(THEMES.c.organization_id == organization_id, THEMES.c.merged_into_id == bindparam("source"))
        .values(merged_into_id=bindparam("target")),
        pairs,
    )
    await session.execute(
        update(THEMES)
        .where(THEMES.c.organization_id == organization_id, THEMES.c.id == bindparam("source"))
        .values(
            merged_into_id=bindparam("target"),
            item_count=0,
            centroid={},
            updated_at=now,
            version=THEMES.c.version + 1,
        ),
        pairs,
    )
    await move_idea_links(session, organization_id=organization_id, merges=merges)


async def move_idea_links(
    session: AsyncSession, *, organization_id: uuid.UUID, merges: Mapping[uuid.UUID, uuid.UUID]
) -> None:
    """Ideas a merged theme (key) was evidence for keep that evidence through the theme it went into (value)."""
    pairs = [{"source": source, "target": target} for source, target in merges.items()]
    if not pairs:
        return
    links = cast(Table, IdeaLink.__table__)
    already = select(links.c.idea_id).where(
        links.c.organization_id == organization_id, links.c.theme_id == bindparam("target")
    )
    await session.execute(
        delete(links).where(
            links.c.organization_id == organization_id,
            links.c.theme_id == bindparam("source"),
            links.c.idea_id.in_(already.scalar_subquery()),
        ),
        pairs,
    )
    await session.execute(
        update(links)
        .where(links.c.organization_id == organization_id, links.c.theme_id == bindparam("source"))
        .values(theme_id=bindparam("target")),
        pairs,
    )


async def insert_assignments(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(session, THEME_ASSIGNMENTS, rows)


async def follow_customers(session: AsyncSession, customers: Mapping[uuid.UUID, uuid.UUID | None]) -> None:
    """Items (keys) now said by other customers (values): their assignments, if any yet, follow."""
    if customers:
        await session.execute(
            update(THEME_ASSIGNMENTS)
            .where(THEME_ASSIGNMENTS.c.feedback_id == bindparam("item"))
            .values(customer_id=bindparam("customer")),
            [{"item": item, "customer": customer} for item, customer in customers.items()],
        )


@dataclass(frozen=True, slots=True)
class ThemeStats:
    customer_count: int = 0
    customer_value: dict[str, int] = field(default_factory=dict)
    average_sentiment: float | None = None
    current_items: int = 0
    previous_items: int = 0
    recent_customers: int = 0


async def theme_stats(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    theme_ids: Sequence[uuid.UUID],
    since: dt.datetime,
    now: dt.datetime,
) -> dict[uuid.UUID, ThemeStats]:
    """Aggregates of a page of themes, from their items and customers, computed when read."""
    if not theme_ids:
        return {}
    previous_start = since - (now - since)
    scope = (ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id.in_(theme_ids))
    in_window = and_(Feedback.received_at >= since, Feedback.received_at < now)
    rows = await session.execute(
        select(
            ThemeAssignment.theme_id,
            func.count(distinct(Feedback.customer_id)),
            func.avg(Feedback.sentiment_score),
            func.count().filter(in_window),
            func.count().filter(and_(Feedback.received_at >= previous_start, Feedback.received_at < since)),
            func.count(distinct(case((in_window, Feedback.customer_id)))),
        )
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(*scope)
        .group_by(ThemeAssignment.theme_id)
    )
    values: dict[uuid.UUID, dict[str, int]] = {}
    customers = (
        select(ThemeAssignment.theme_id, Feedback.customer_id)
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(*scope)
        .distinct()
        .subquery()
    )
    for theme_id, currency, amount in await session.execute(
        select(customers.c.theme_id, Customer.value_currency, func.sum(Customer.value_minor))
        .join(Customer, Customer.id == customers.c.customer_id)
        .where(Customer.value_minor.is_not(None), Customer.value_currency.is_not(None))
        .group_by(customers.c.theme_id, Customer.value_currency)
    ):
        values.setdefault(theme_id, {})[currency] = int(amount)
    return {
        theme_id: ThemeStats(
            customer_count=customer_count,
            customer_value=values.get(theme_id, {}),
            average_sentiment=None if sentiment is None else round(float(sentiment), 4),
            current_items=current,
            previous_items=previous,
            recent_customers=recent_customers,
        )
        for theme_id, customer_count, sentiment, current, previous, recent_customers in rows
    }


@dataclass(frozen=True, slots=True)
class ThemeFilters:
    since: dt.datetime
    min_customers: int
    recurrence: Recurrence | None = None


def patterns(*, organization_id: uuid.UUID, since: dt.datetime, min_customers: int) -> Select[uuid.UUID]:
    """Themes with at least `min_customers` distinct customers among items received since `since`."""
    return (
        select(ThemeAssignment.theme_id)
        .join(Feedback, Feedback.id == ThemeAssignment.feedback_id)
        .where(ThemeAssignment.organization_id == organization_id, Feedback.received_at >= since)
        .group_by(ThemeAssignment.theme_id)
        .having(func.count(distinct(Feedback.customer_id)) >= min_customers)
    )


async def list_themes(
    session: AsyncSession, *, organization_id: uuid.UUID, filters: ThemeFilters, order: ThemeOrder, page: PageRequest
) -> tuple[Sequence[Theme], str | None]:
    """Live themes (not merged away) with items, filtered by recurrence, keyset-paginated."""
    statement = select(Theme).where(
        Theme.organization_id == organization_id, Theme.merged_into_id.is_(None), Theme.item_count > 0
    )
    if filters.recurrence is not None:
        pattern_ids = patterns(
            organization_id=organization_id, since=filters.since, min_customers=filters.min_customers
        )
        matches = Theme.id.in_(pattern_ids)
        statement = statement.where(matches if filters.recurrence == Recurrence.PATTERN else ~matches)
    sort_column = Theme.created_at if order.value.endswith("created_at") else Theme.last_seen_at
    statement = paginate(
        statement, keys=[sort_column, Theme.id], descending=order.value.startswith("-"), page=page, ordering=order.value
    )
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows, page=page, ordering=order.value, key_of=lambda theme: (getattr(theme, sort_column.key), theme.id)
    )


async def list_theme_items(
    session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID, page: PageRequest
) -> tuple[list[tuple[ThemeAssignment, Feedback]], str | None]:
    statement = paginate(
        select(ThemeAssignment).where(
            ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id == theme_id
        ),
        keys=[ThemeAssignment.received_at, ThemeAssignment.feedback_id],
        descending=True,
        page=page,
        ordering="-received_at",
    )
    assignments, token = next_page(
        (await session.scalars(statement)).all(),
        page=page,
        ordering="-received_at",
        key_of=lambda assignment: (assignment.received_at, assignment.feedback_id),
    )
    feedback = {
        item.id: item
        for item in await session.scalars(
            select(Feedback).where(Feedback.id.in_([assignment.feedback_id for assignment in assignments]))
        )
    }
    return [(assignment, feedback[assignment.feedback_id]) for assignment in assignments], token


async def assignments_of(
    session: AsyncSession, *, organization_id: uuid.UUID, feedback_ids: Iterable[uuid.UUID]
) -> Sequence[ThemeAssignment]:
    return (
        await session.scalars(
            select(ThemeAssignment).where(
                ThemeAssignment.organization_id == organization_id, ThemeAssignment.feedback_id.in_(list(feedback_ids))
            )
        )
    ).all()


async def repoint_duplicates(
    session: AsyncSession, *, organization_id: uuid.UUID, of: uuid.UUID, to: uuid.UUID
) -> None:
    """Items flagged as near-duplicates of `of` now repeat `to`; `to` itself repeats nothing."""
    flagged = (ThemeAssignment.organization_id == organization_id, ThemeAssignment.duplicate_of_id == of)
    await session.execute(
        update(ThemeAssignment).where(*flagged, ThemeAssignment.feedback_id == to).values(duplicate_of_id=None)
    )
    await session.execute(update(ThemeAssignment).where(*flagged).values(duplicate_of_id=to))


async def feedback_of_theme(
    session: AsyncSession, *, organization_id: uuid.UUID, theme_id: uuid.UUID
) -> Sequence[Feedback]:
    return (
        await session.scalars(
            select(Feedback)
            .join(ThemeAssignment, ThemeAssignment.feedback_id == Feedback.id)
            .where(ThemeAssignment.organization_id == organization_id, ThemeAssignment.theme_id == theme_id)
        )
    ).all()
