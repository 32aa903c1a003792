"""The rules for themes: reading them with their figures, and people's curation (rename, merge, split, move).

Curation changes what the engine does next: a renamed label is never replaced, a merged theme's
items and centroid live on in the theme it was merged into, a split-off theme is seeded by the chosen
items, and moved or split items are pinned where people put them.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback, ThemePending
from ideaflow_feedback.themes import repository
from ideaflow_feedback.themes.assignment import fingerprint, join_theme, leave_theme, loaded, new_theme, stored
from ideaflow_feedback.themes.engine import combined, embedder_named, mean_with
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_feedback.themes.repository import ThemeFilters, ThemeStats
from ideaflow_feedback.themes.schemas import ThemeOrder, ThemeUpdate
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound

CURATOR_ROLE = "manager"


@dataclass(frozen=True, slots=True)
class Window:
    """The period that decides trend and recurrence: `since` … `now`, compared with the one before."""

    now: dt.datetime
    since: dt.datetime
    min_customers: int

    @classmethod
    def of(cls, *, days: int, min_customers: int) -> "Window":
        now = utcnow()
        return cls(now=now, since=now - dt.timedelta(days=days), min_customers=min_customers)


def theme_url(theme_id: uuid.UUID) -> str:
    return f"/v1/themes/{theme_id}"


def _ensure_may_curate(identity: Identity) -> None:
    if not identity.has_role(CURATOR_ROLE):
        raise Forbidden(f"Renaming, merging, splitting and moving themes needs the '{CURATOR_ROLE}' role.")


async def get_theme(session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID) -> Theme:
    theme = await repository.get_theme(session, organization_id=identity.organization_id, theme_id=theme_id)
    if theme is None:
        raise NotFound(f"No theme with id {theme_id} exists.")
    return theme


async def stats_of(
    session: AsyncSession, *, identity: Identity, themes: Sequence[Theme], window: Window
) -> dict[uuid.UUID, ThemeStats]:
    return await repository.theme_stats(
        session,
        organization_id=identity.organization_id,
        theme_ids=[theme.id for theme in themes],
        since=window.since,
        now=window.now,
    )


async def list_themes(
    session: AsyncSession, *, identity: Identity, filters: ThemeFilters, order: ThemeOrder, page: PageRequest
) -> tuple[Sequence[Theme], str | None]:
    return await repository.list_themes(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


def _touch(theme: Theme) -> None:
    """A change people made: it also marks the theme curated, so the engine never merges it."""
    theme.curated = True
    theme.version += 1
    theme.updated_at = utcnow()


async def rename_theme(
    session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID, if_match: str | None, data: ThemeUpdate
) -> Theme:
    """Give a theme a person's label, which the engine then keeps."""
    theme = await get_theme(session, identity=identity, theme_id=theme_id)
    check_if_match(if_match, theme.version)
    _ensure_may_curate(identity)
    if data.label is not None:
        theme.label = data.label
        theme.label_fixed = True
    _touch(theme)
    await session.flush()
    return theme


def _ensure_live(theme: Theme) -> None:
    if theme.merged_into_id is not None:
        raise Conflict(
            f"Theme {theme.id} was merged into {theme.merged_into_id}; change that one instead.",
            extra={"merged_into_id": str(theme.merged_into_id)},
        )


async def merge_themes(
    session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID, source_ids: Sequence[uuid.UUID]
) -> Theme:
    """Move every item of the source themes into this one, which takes their weighted centroid.

    The sources remain as pointers (`merged_into_id`) without index keys, so the engine never
    proposes them again and new items that resemble them join this theme.
    """
    _ensure_may_curate(identity)
    await repository.lock_themes(session, organization_id=identity.organization_id)
    target = await get_theme(session, identity=identity, theme_id=theme_id)
    _ensure_live(target)
    if theme_id in source_ids:
        raise Conflict("A theme cannot be merged into itself.")
    sources = []
    for source_id in dict.fromkeys(source_ids):
        source = await get_theme(session, identity=identity, theme_id=source_id)
        _ensure_live(source)
        sources.append(source)
    target.centroid = stored(combined([(loaded(theme.centroid), theme.item_count) for theme in [target, *sources]]))
    for source in sources:
        await session.execute(
            update(ThemeAssignment)
            .where(ThemeAssignment.organization_id == identity.organization_id, ThemeAssignment.theme_id == source.id)
            .values(theme_id=target.id)
        )
        await session.execute(
            update(Theme)
            .where(Theme.organization_id == identity.organization_id, Theme.merged_into_id == source.id)
            .values(merged_into_id=target.id)
        )
        await session.execute(delete(ThemeIndexKey).where(ThemeIndexKey.theme_id == source.id))
        await repository.move_idea_links(
            session, organization_id=identity.organization_id, merges={source.id: target.id}
        )
        target.item_count += source.item_count
        target.first_seen_at = _earliest(target.first_seen_at, source.first_seen_at)
        target.last_seen_at = _latest(target.last_seen_at, source.last_seen_at)
        source.merged_into_id = target.id
        source.item_count = 0
        source.centroid = {}
        _touch(source)
    _touch(target)
    await session.flush()
    await repository.replace_index_keys(
        session, theme=target, keys=embedder_named(target.engine).index_keys(loaded(target.centroid))
    )
    return target


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return min(x for x in (a, b) if x is not None) if a or b else None


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return max(x for x in (a, b) if x is not None) if a or b else None


async def _members(
    session: AsyncSession, *, identity: Identity, feedback_ids: Sequence[uuid.UUID], theme_id: uuid.UUID | None
) -> list[ThemeAssignment]:
    """The assignments of `feedback_ids` (in `theme_id` when given), or a 404 naming the first stranger."""
    found = {
        assignment.feedback_id: assignment
        for assignment in await repository.assignments_of(
            session, organization_id=identity.organization_id, feedback_ids=feedback_ids
        )
    }
    for feedback_id in feedback_ids:
        assignment = found.get(feedback_id)
        if assignment is None or (theme_id is not None and assignment.theme_id != theme_id):
            where = "in this theme" if theme_id is not None else "with a theme"
            raise NotFound(f"No feedback item {feedback_id} {where}.")
    return [found[feedback_id] for feedback_id in dict.fromkeys(feedback_ids)]


async def _move(
    session: AsyncSession, *, identity: Identity, assignments: Sequence[ThemeAssignment], to: Theme
) -> None:
    for assignment in assignments:
        if assignment.theme_id != to.id:
            current = await get_theme(session, identity=identity, theme_id=assignment.theme_id)
            await leave_theme(session, theme=current, assignment=assignment, embedder=embedder_named(current.engine))
            _touch(current)
            await join_theme(session, theme=to, assignment=assignment, embedder=embedder_named(to.engine))
        assignment.pinned = True
    _touch(to)
    await session.flush()


async def split_theme(
    session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID, feedback_ids: Sequence[uuid.UUID], label: str
) -> Theme:
    """Start a theme from chosen items of this one; its centroid, seeded by them, attracts similar items."""
    _ensure_may_curate(identity)
    await repository.lock_themes(session, organization_id=identity.organization_id)
    source = await get_theme(session, identity=identity, theme_id=theme_id)
    _ensure_live(source)
    assignments = await _members(session, identity=identity, feedback_ids=feedback_ids, theme_id=theme_id)
    if len(assignments) == source.item_count:
        raise Conflict("Splitting off every item would leave the theme empty; merge or move instead.")
    theme = await new_theme(session, organization_id=identity.organization_id, label=label, engine=source.engine)
    theme.label_fixed = True
    await _move(session, identity=identity, assignments=assignments, to=theme)
    return theme


async def move_items(
    session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID, feedback_ids: Sequence[uuid.UUID]
) -> Theme:
    """Put items in this theme for good: the engine never moves a pinned item again."""
    _ensure_may_curate(identity)
    await repository.lock_themes(session, organization_id=identity.organization_id)
    theme = await get_theme(session, identity=identity, theme_id=theme_id)
    _ensure_live(theme)
    assignments = await _members(session, identity=identity, feedback_ids=feedback_ids, theme_id=None)
    await _move(session, identity=identity, assignments=assignments, to=theme)
    return theme


async def drop_merged_item(
    session: AsyncSession, *, organization_id: uuid.UUID, feedback_id: uuid.UUID, merged_into_id: uuid.UUID
) -> None:
    """A near-duplicate merged into another item leaves its theme for good, so it no longer counts twice.

    The theme's count, centroid and index keys drop it (as when people move an item out); items flagged
    as its repeats now repeat the item it went into. The caller holds the organisation's theme lock.
    """
    for assignment in await repository.assignments_of(
        session, organization_id=organization_id, feedback_ids=[feedback_id]
    ):
        theme = await repository.get_theme(session, organization_id=organization_id, theme_id=assignment.theme_id)
        if theme is not None:
            await leave_theme(session, theme=theme, assignment=assignment, embedder=embedder_named(theme.engine))
        await session.delete(assignment)
    await session.execute(delete(ThemePending).where(ThemePending.feedback_id == feedback_id))
    await repository.repoint_duplicates(session, organization_id=organization_id, of=feedback_id, to=merged_into_id)


async def reembed(session: AsyncSession, *, organization_id: uuid.UUID, items: Sequence[Feedback]) -> None:
    """Items whose text was rewritten (erasure masked it) get the vector and fingerprint of what they now say.

    Each item's theme trades the old vector for the new one in its centroid and index keys, so no
    stored vector, centroid or fingerprint keeps a hash of the erased words. Items not yet assigned
    are left to the assigner, which reads their text as it is then.
    """
    texts = {item.id: item.text for item in items}
    if not texts:
        return
    await repository.lock_themes(session, organization_id=organization_id)
    by_theme: dict[uuid.UUID, list[ThemeAssignment]] = {}
    for assignment in await repository.assignments_of(session, organization_id=organization_id, feedback_ids=texts):
        by_theme.setdefault(assignment.theme_id, []).append(assignment)
    for theme_id, assignments in by_theme.items():
        theme = await repository.get_theme(session, organization_id=organization_id, theme_id=theme_id)
        if theme is None:
            continue
        embedder = embedder_named(theme.engine)
        vectors = embedder.embed([texts[assignment.feedback_id] for assignment in assignments])
        centroid, size = loaded(theme.centroid), theme.item_count
        for assignment, vector in zip(assignments, vectors, strict=True):
            centroid = mean_with(centroid, size, loaded(assignment.vector), weight=-1)
            centroid = mean_with(centroid, size - 1, vector)
            assignment.vector = stored(vector)
            assignment.fingerprint = fingerprint(texts[assignment.feedback_id])
        theme.centroid = stored(centroid)
        theme.updated_at = utcnow()
        await session.flush()
        await repository.replace_index_keys(session, theme=theme, keys=embedder.index_keys(centroid))


async def list_theme_items(
    session: AsyncSession, *, identity: Identity, theme_id: uuid.UUID, page: PageRequest
) -> tuple[list[tuple[ThemeAssignment, Feedback]], str | None]:
    await get_theme(session, identity=identity, theme_id=theme_id)
    return await repository.list_theme_items(
        session, organization_id=identity.organization_id, theme_id=theme_id, page=page
    )
