"""Assigning feedback to themes as it arrives, and moving items between themes on people's say-so.

Arriving items go through `assign_themes` (a batch; `assign_theme` is a batch of one), which places
them with the in-memory engine and writes back centroids, counts, seen-times and index keys with a
few multi-row statements. People's moves go through `join_theme` and `leave_theme`, which keep the
same figures right item by item, so the engine's later decisions start from people's ones.
"""

import datetime as dt
import hashlib
import uuid
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes import repository
from ideaflow_feedback.themes.engine import (
    STORED_SCALE,
    Embedder,
    LexicalEmbedder,
    Vector,
    cosine,
    mean_with,
    words,
)
from ideaflow_feedback.themes.memory import MemoryThemes
from ideaflow_feedback.themes.models import Theme, ThemeAssignment
from ideaflow_shared.db import utcnow

DEFAULT_EMBEDDER: Embedder = LexicalEmbedder()
LABEL_LENGTH = 80


def stored(vector: Mapping[int, float]) -> dict[str, float]:
    """JSON object keys are strings."""
    return {str(feature): round(weight * STORED_SCALE) / STORED_SCALE for feature, weight in vector.items()}


def rounded(vector: Mapping[int, float]) -> dict[int, float]:
    """What `stored` keeps, for rows written as JSON text: the encoders turn the integer keys into strings.
    An embedder's vectors are rounded so already."""
    return {feature: round(weight * STORED_SCALE) / STORED_SCALE for feature, weight in vector.items()}


def loaded(vector: Mapping[str, float]) -> Vector:
    return {int(feature): weight for feature, weight in vector.items()}


def fingerprint(text: str) -> str:
    """Equal for texts with the same words in any order, case, accents or punctuation."""
    return hashlib.sha256(" ".join(sorted(set(words(text)))).encode()).hexdigest()


def label_for(title: str | None, text: str) -> str:
    """A first, readable label: the item's title, else the start of its text. People rename it."""
    text = (title or text).strip().splitlines()[0]
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"


async def join_theme(session: AsyncSession, *, theme: Theme, assignment: ThemeAssignment, embedder: Embedder) -> None:
    theme.centroid = stored(mean_with(loaded(theme.centroid), theme.item_count, loaded(assignment.vector)))
    theme.item_count += 1
    seen = assignment.received_at
    theme.first_seen_at = seen if theme.first_seen_at is None else min(theme.first_seen_at, seen)
    theme.last_seen_at = seen if theme.last_seen_at is None else max(theme.last_seen_at, seen)
    theme.updated_at = utcnow()
    assignment.theme_id = theme.id
    await session.flush()
    await repository.replace_index_keys(session, theme=theme, keys=embedder.index_keys(loaded(theme.centroid)))


async def leave_theme(session: AsyncSession, *, theme: Theme, assignment: ThemeAssignment, embedder: Embedder) -> None:
    theme.centroid = stored(mean_with(loaded(theme.centroid), theme.item_count, loaded(assignment.vector), weight=-1))
    theme.item_count = max(theme.item_count - 1, 0)
    theme.updated_at = utcnow()
    await repository.replace_index_keys(
        session, theme=theme, keys=embedder.index_keys(loaded(theme.centroid)) if theme.item_count else []
    )


async def new_theme(session: AsyncSession, *, organization_id: uuid.UUID, label: str, engine: str) -> Theme:
    now = utcnow()
    theme = Theme(
        id=uuid.uuid4(),
        organization_id=organization_id,
        label=label,
        label_fixed=False,
        engine=engine,
        centroid={},
        item_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(theme)
    await session.flush()
    return theme


@dataclass(frozen=True, slots=True)
class ItemToAssign:
    """A newly stored feedback item, as much of it as theme assignment needs."""

    feedback_id: uuid.UUID
    text: str
    received_at: dt.datetime
    customer_id: uuid.UUID | None = None
    title: str | None = None

    @classmethod
    def of(cls, feedback: Feedback) -> "ItemToAssign":
        return cls(feedback.id, feedback.text, feedback.received_at, feedback.customer_id, feedback.title)


@dataclass(frozen=True, slots=True)
class Assignment:
    """The theme an item went to: `started_theme` when it was the first item of a new theme."""

    feedback_id: uuid.UUID
    theme_id: uuid.UUID
    similarity: float
    started_theme: bool
    duplicate_of_id: uuid.UUID | None


class _Duplicates:
    """Finds, for each item, an earlier item of its theme in which the same customer said (nearly) the same.

    A CRM resending under a new id repeats the words exactly (same fingerprint); a customer writing
    twice paraphrases (vectors at least `duplicate_threshold` similar). Items without a customer only
    match on the exact words. Earlier items of the same batch count too.
    """

    def __init__(self, earlier: Sequence[repository.EarlierItem], threshold: float) -> None:
        self._threshold = threshold
        self._first_with_words: dict[tuple[uuid.UUID, uuid.UUID | None, str], uuid.UUID] = {}
        # The customer's latest items per theme, for the paraphrase check; stored ones still as JSON.
        self._said: dict[tuple[uuid.UUID, uuid.UUID], deque[tuple[uuid.UUID, Mapping[int, float] | str]]] = {}
        for item in earlier:
            self._remember(item.feedback_id, item.theme_id, item.customer_id, item.fingerprint, item.vector_json)

    def _remember(
        self,
        feedback_id: uuid.UUID,
        theme_id: uuid.UUID,
        customer_id: uuid.UUID | None,
        fingerprint: str,
        vector: Mapping[int, float] | str,
    ) -> None:
        self._first_with_words.setdefault((theme_id, customer_id, fingerprint), feedback_id)
        if customer_id is not None:
            said = self._said.get((theme_id, customer_id))
            if said is None:
                said = self._said[theme_id, customer_id] = deque(maxlen=repository.DUPLICATE_CANDIDATES)
            said.append((feedback_id, vector))

    def of(
        self,
        *,
        feedback_id: uuid.UUID,
        theme_id: uuid.UUID,
        customer_id: uuid.UUID | None,
        fingerprint: str,
        vector: Vector,
    ) -> uuid.UUID | None:
        found = self._first_with_words.get((theme_id, customer_id, fingerprint))
        if found is None and customer_id is not None:
            found = self._paraphrased(vector, self._said.get((theme_id, customer_id), ()))
        self._remember(feedback_id, theme_id, customer_id, fingerprint, vector)
        return found

    def _paraphrased(
        self, vector: Vector, said: Iterable[tuple[uuid.UUID, Mapping[int, float] | str]]
    ) -> uuid.UUID | None:
        # A stored vector is compared as decoded, with JSON's string keys: the item's vector is given
        # those once, instead of converting every stored vector's keys.
        named: dict[str, float] | None = None
        for other_id, other in said:
            if isinstance(other, str):
                named = named or {str(feature): weight for feature, weight in vector.items()}
                similarity = cosine(named, orjson.loads(other))
            else:
                similarity = cosine(vector, other)
            if similarity >= self._threshold:
                return other_id
        return None


async def assign_themes(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    items: Sequence[ItemToAssign],
    embedder: Embedder = DEFAULT_EMBEDDER,
) -> list[Assignment]:
    """Put a batch of newly stored items in themes, in order; the answers follow `items`' order.

    The batch path every ingest uses (a single item is a batch of one, `assign_theme`). Call it once
    per transaction, after the items' rows are inserted (assignments reference them) and before
    commit; each item must be new (no assignment yet) and belong to `organization_id`. It costs a
    fixed handful of statements per batch, whatever its size:

    1. takes the organisation's theme lock (`repository.lock_themes`), so concurrent batches queue
       instead of deadlocking; it is held until the caller commits, so call this last;
    2. embeds every text at once and loads the candidate themes for all the batch's index keys in
       one query (at most CANDIDATES_PER_KEY per key);
    3. places the items one after the other in memory: an item may join a theme an earlier item of
       the batch started or moved; after each, a theme whose centroid came within `merge_threshold`
       of a candidate's is merged into the larger (never a theme people curated);
    4. flags near-duplicates (one query for earlier items of the same customers or the same words);
    5. writes back: one multi-row INSERT of new themes, one executemany UPDATE of changed ones, one
       DELETE and one INSERT of their index keys, for merged stored themes one executemany per
       table (assignments, tombstones, idea links), and one multi-row INSERT of the assignments.

    The answers name each item's theme after the batch's merges.
    """
    if not items:
        return []
    await repository.lock_themes(session, organization_id=organization_id)
    vectors = embedder.embed([item.text for item in items])
    vector_keys = [embedder.index_keys(vector) for vector in vectors]
    keys = {key for item_keys in vector_keys for key in item_keys}
    candidates = await repository.candidates_for_keys(
        session, organization_id=organization_id, engine=embedder.name, keys=keys
    )
    working = MemoryThemes(embedder, new_theme_id=lambda: str(uuid.uuid4()))
    stored_ids: set[str] = set()
    seen: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for candidate in candidates:
        stored_id = str(candidate.theme_id)
        stored_ids.add(stored_id)
        if candidate.first_seen_at is not None and candidate.last_seen_at is not None:
            seen[stored_id] = (candidate.first_seen_at, candidate.last_seen_at)
        working.seed(
            stored_id,
            centroid=loaded(candidate.centroid),
            size=candidate.item_count,
            keys=candidate.keys,
            curated=candidate.curated,
        )
    placements = [
        working.assign_vector(vector, item_keys) for vector, item_keys in zip(vectors, vector_keys, strict=True)
    ]
    final = {placement.theme_id: working.theme_of(placement.theme_id) for placement in placements}
    merged_stored = {source: working.theme_of(source) for source in working.merged if source in stored_ids}
    for source, target in merged_stored.items():
        if source in seen:
            seen[target] = _widened(_widened(seen.get(target), seen[source][0]), seen[source][1])

    fingerprints = [fingerprint(item.text) for item in items]
    # A stored theme's items, and those of the stored themes merged into it in this batch.
    stored_parts: dict[str, list[uuid.UUID]] = {}
    for part_id in {*final.values(), *merged_stored}:
        if part_id in stored_ids:
            stored_parts.setdefault(working.theme_of(part_id), []).append(uuid.UUID(part_id))
    earlier = await repository.earlier_items(
        session,
        organization_id=organization_id,
        theme_ids={part for parts in stored_parts.values() for part in parts},
        said_by={
            (item.customer_id, part)
            for item, placement in zip(items, placements, strict=True)
            if item.customer_id is not None
            for part in stored_parts.get(final[placement.theme_id], [])
        },
        repeats_of={(item.customer_id, words) for item, words in zip(items, fingerprints, strict=True)},
    )
    duplicates = _Duplicates(
        [replace(other, theme_id=uuid.UUID(working.theme_of(str(other.theme_id)))) for other in earlier],
        embedder.duplicate_threshold,
    )
    now = utcnow()
    assignments = []
    assignment_rows = []
    labels: dict[str, str] = {}
    for item, vector, placement, item_fingerprint in zip(items, vectors, placements, fingerprints, strict=True):
        theme_id = uuid.UUID(final[placement.theme_id])
        duplicate_of_id = duplicates.of(
            feedback_id=item.feedback_id,
            theme_id=theme_id,
            customer_id=item.customer_id,
            fingerprint=item_fingerprint,
            vector=vector,
        )
        started = placement.started and final[placement.theme_id] == placement.theme_id
        assignments.append(Assignment(item.feedback_id, theme_id, placement.similarity, started, duplicate_of_id))
        assignment_rows.append(
            {
                "feedback_id": item.feedback_id,
                "organization_id": organization_id,
                "theme_id": theme_id,
                "customer_id": item.customer_id,
                "vector": vector,
                "similarity": placement.similarity,
                "pinned": False,
                "fingerprint": item_fingerprint,
                "duplicate_of_id": duplicate_of_id,
                "received_at": item.received_at,
                "assigned_at": now,
            }
        )
        seen[str(theme_id)] = _widened(seen.get(str(theme_id)), item.received_at)
        if started:
            labels[str(theme_id)] = label_for(item.title, item.text)
    await _write_themes(
        session,
        organization_id=organization_id,
        working=working,
        labels=labels,
        seen=seen,
        engine=embedder.name,
        merged_away=[uuid.UUID(source) for source in merged_stored],
        now=now,
    )
    await repository.apply_merges(
        session,
        organization_id=organization_id,
        merges={uuid.UUID(source): uuid.UUID(target) for source, target in merged_stored.items()},
        now=now,
    )
    await repository.insert_assignments(session, assignment_rows)
    return assignments


def _widened(period: tuple[dt.datetime, dt.datetime] | None, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return (at, at) if period is None else (min(period[0], at), max(period[1], at))


async def _write_themes(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    working: MemoryThemes,
    labels: Mapping[str, str],
    seen: Mapping[str, tuple[dt.datetime, dt.datetime]],
    engine: str,
    merged_away: Collection[uuid.UUID],
    now: dt.datetime,
) -> None:
    """Write back the themes the batch started, joined or merged into, with their index keys.

    Stored themes merged away lose their index keys here; `repository.apply_merges` does the rest.
    """
    new_rows = []
    changed_rows = []
    key_rows: list[dict[str, Any]] = []
    for theme_id in sorted(working.changed):
        theme = working.themes[theme_id]
        first, last = seen.get(theme_id, (None, None))
        row: dict[str, Any] = {
            "id": uuid.UUID(theme_id),
            "centroid": rounded(theme.centroid),
            "item_count": theme.size,
            "first_seen_at": first,
            "last_seen_at": last,
            "updated_at": now,
        }
        if theme_id in labels:
            new_rows.append(
                row
                | {
                    "organization_id": organization_id,
                    "label": labels[theme_id],
                    "label_fixed": False,
                    "engine": engine,
                    "created_at": now,
                    "version": 1,
                }
            )
        else:
            changed_rows.append(row)
        key_rows.extend(
            {
                "theme_id": uuid.UUID(theme_id),
                "key": key,
                "organization_id": organization_id,
                "engine": engine,
                "item_count": theme.size,
            }
            for key in theme.keys
        )
    await repository.insert_themes(session, new_rows)
    await repository.update_themes(session, changed_rows)
    await repository.replace_keys_of_themes(
        session, theme_ids=[*(row["id"] for row in changed_rows), *merged_away], rows=key_rows
    )


async def assign_theme(
    session: AsyncSession, *, feedback: Feedback, embedder: Embedder = DEFAULT_EMBEDDER
) -> Assignment:
    """Put one newly stored item in a theme: a batch of one (see `assign_themes`)."""
    (assignment,) = await assign_themes(
        session, organization_id=feedback.organization_id, items=[ItemToAssign.of(feedback)], embedder=embedder
    )
    return assignment
