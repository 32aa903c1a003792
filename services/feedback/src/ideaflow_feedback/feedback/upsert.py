"""Storing feedback once per (source, external_id), for one item or a thousand, in a fixed number of queries.

Every ingest path (single posts, batches, imports, webhooks) stores through `upsert_feedback`. The
posts of one call are grouped by the item they name and replayed in the order sent, so a call answers
exactly what posting its items one by one would: the first sighting creates (or updates a stored
item), later ones update or leave it unchanged. Then customers and items are written with multi-row
inserts that the unique constraints arbitrate, and the stored items a call did not insert are updated.
"""

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.customers import repository as customers_repository
from ideaflow_feedback.feedback import repository
from ideaflow_feedback.feedback.analysis import Sentiment, sentiment_of, suggest_kind
from ideaflow_feedback.feedback.models import Feedback, FeedbackStatus
from ideaflow_feedback.feedback.schemas import FeedbackCreate, FeedbackPublic
from ideaflow_feedback.themes import assigner
from ideaflow_feedback.themes import repository as themes_repository
from ideaflow_shared.db import utcnow


class StoreOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Stored:
    """What a post did to its item. A batch needs only ids and outcomes, so an item this call created
    is kept as its columns, not as an ORM object (building one costs more than answering from them)."""

    id: uuid.UUID
    outcome: StoreOutcome
    item: Feedback | dict[str, Any]

    def public(self) -> FeedbackPublic:
        """The item as the API answers it (a single post)."""
        if isinstance(self.item, Feedback):
            return FeedbackPublic.model_validate(self.item)
        return FeedbackPublic.model_validate({"merged_into_id": None, **self.item})


def _sender_columns(
    data: FeedbackCreate, *, customer_id: uuid.UUID | None, sentiments: dict[str, Sentiment]
) -> dict[str, Any]:
    """The columns the sender decides, with sentiment and (unless given) kind computed from the text.

    A repeat compares and sets exactly these (and `received_at` when sent), so people's triage is
    kept. Sentiment is computed once per distinct text of a call.
    """
    analysed = data.text if data.title is None else f"{data.title}. {data.text}"
    sentiment = sentiments.get(analysed)
    if sentiment is None:
        sentiment = sentiments[analysed] = sentiment_of(analysed)
    return {
        "text": data.text,
        "title": data.title,
        "channel": data.channel,
        "kind": data.kind or suggest_kind(data.text, sentiment),
        "kind_suggested": data.kind is None,
        "rating": data.rating,
        "nps": data.nps,
        "tags": data.tags,
        "product_area": data.product_area,
        "customer_ref": data.customer_ref,
        "customer_id": customer_id,
        "sentiment_score": sentiment.score,
        "sentiment_label": sentiment.label,
    }


@dataclass(slots=True)
class _Story:
    """The posts of one item within a call, replayed in the order they were sent."""

    source: str
    external_id: str | None
    first: dict[str, Any]  # the item's columns if the first post creates it
    indexes: list[int] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # what each post sets on a stored item
    state: dict[str, Any] = field(default_factory=dict)
    outcomes: list[StoreOutcome] = field(default_factory=list)
    updates: int = 0

    def replay(self, stored: Feedback | None) -> None:
        """Starting from the stored item, or from nothing (None): then the first post creates it."""
        changes = self.changes
        if stored is None:
            self.state, self.outcomes, self.updates = dict(self.first), [StoreOutcome.CREATED], 0
            changes = changes[1:]
        else:
            self.state, self.outcomes, self.updates = {name: getattr(stored, name) for name in self.first}, [], 0
        for change in changes:
            if all(self.state[name] == value for name, value in change.items()):
                self.outcomes.append(StoreOutcome.UNCHANGED)
            else:
                self.state.update(change)
                self.outcomes.append(StoreOutcome.UPDATED)
                self.updates += 1


def _stories(items: Sequence[FeedbackCreate], columns: list[dict[str, Any]], now: dt.datetime) -> list[_Story]:
    """One story per item: the posts sharing a (source, external_id), or one post without an external id."""
    stories: dict[tuple[str, str] | int, _Story] = {}
    for index, (data, sent) in enumerate(zip(items, columns, strict=True)):
        key: tuple[str, str] | int = index if data.external_id is None else (data.source, data.external_id)
        story = stories.get(key)
        if story is None:
            first = {**sent, "received_at": data.received_at or now}
            story = stories[key] = _Story(source=data.source, external_id=data.external_id, first=first)
        story.indexes.append(index)
        story.changes.append(sent if data.received_at is None else {**sent, "received_at": data.received_at})
    return list(stories.values())


async def _customer_ids(
    session: AsyncSession, *, organization_id: uuid.UUID, items: Sequence[FeedbackCreate], now: dt.datetime
) -> list[uuid.UUID | None]:
    """Each item's customer, created when the source's customer id is new."""
    keys = {(data.source, data.customer_ref) for data in items if data.customer_ref is not None}
    ids = await customers_repository.ensure_customers(session, organization_id=organization_id, keys=keys, now=now)
    return [None if data.customer_ref is None else ids[data.source, data.customer_ref] for data in items]


async def upsert_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, submitted_by: str, items: Sequence[FeedbackCreate]
) -> list[Stored]:
    """Store every item once per (source, external_id) and say, per item, what happened, in the order given.

    Repeats update the stored item even when they race each other (the unique constraint decides
    which post creates it); new items are queued for a theme (`themes.assigner`).
    """
    now = utcnow()
    customer_ids = await _customer_ids(session, organization_id=organization_id, items=items, now=now)
    sentiments: dict[str, Sentiment] = {}
    columns = [
        _sender_columns(data, customer_id=customer_id, sentiments=sentiments)
        for data, customer_id in zip(items, customer_ids, strict=True)
    ]
    # Each story gets the id its item has if this call creates it.
    stories = {uuid.uuid4(): story for story in _stories(items, columns, now)}
    for story in stories.values():
        story.replay(None)
    rows = [
        _new_row(story, feedback_id=feedback_id, organization_id=organization_id, submitted_by=submitted_by, now=now)
        for feedback_id, story in stories.items()
    ]
    rows.sort(key=lambda row: (row["source"], row["external_id"] or ""))
    inserted = await repository.insert_new(session, rows)
    stored_before = await repository.find_by_external_ids(
        session,
        organization_id=organization_id,
        keys=[(story.source, story.external_id or "") for id_, story in stories.items() if id_ not in inserted],
    )
    new_rows = {row["id"]: row for row in rows}
    results: dict[int, Stored] = {}
    new_customers: dict[uuid.UUID, uuid.UUID | None] = {}
    for feedback_id, story in stories.items():
        if feedback_id in inserted:
            item: Feedback | dict[str, Any] = new_rows[feedback_id]
        else:
            item = stored_before[story.source, story.external_id or ""]
            feedback_id = item.id
            story.replay(item)
            if story.state["customer_id"] != item.customer_id:
                new_customers[feedback_id] = story.state["customer_id"]
            _apply(item, story, now)
        for index, outcome in zip(story.indexes, story.outcomes, strict=True):
            results[index] = Stored(feedback_id, outcome, item)
    await session.flush()
    await themes_repository.follow_customers(session, new_customers)
    # In the order sent, as the first items of a new need found its theme.
    await assigner.queue(
        session, organization_id=organization_id, feedback_ids=[id_ for id_ in stories if id_ in inserted]
    )
    return [results[index] for index in range(len(items))]


def _new_row(
    story: _Story, *, feedback_id: uuid.UUID, organization_id: uuid.UUID, submitted_by: str, now: dt.datetime
) -> dict[str, Any]:
    return {
        **story.state,
        "id": feedback_id,
        "organization_id": organization_id,
        "source": story.source,
        "external_id": story.external_id,
        "submitted_by": submitted_by,
        "status": FeedbackStatus.NEW,
        "created_at": now,
        "updated_at": now,
        "version": 1 + story.updates,
    }


def _apply(feedback: Feedback, story: _Story, now: dt.datetime) -> None:
    if story.updates:
        for name, value in story.state.items():
            setattr(feedback, name, value)
        feedback.updated_at = now
        feedback.version += story.updates
