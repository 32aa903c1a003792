"""Putting new feedback in themes after the request that stored it, and before anyone reads themes.

Ingest only queues its new items (`queue`, one row each in `theme_pending`, in the order they
arrived) and answers; assignment takes the organisation's theme lock and costs several statements,
which inside the request made concurrent posts of one organisation queue behind each other. The
`ThemeAssigner` running beside the app assigns the waiting items in large batches, one
`assign_themes` call per organisation and batch, in arrival order: woken when this process commits
new items, and polling for those other replicas stored.

Everything that reads themes or what derives from them first calls `catch_up` (the `caught_up`
dependency), which assigns the organisation's waiting items in that request's transaction, so the
answers are exactly those of assigning on arrival. Several assigners and readers may run at once:
the organisation's theme lock serialises them and whoever holds it assigns what is still waiting,
so no item is assigned twice. A batch that fails rolls back with its items still waiting.
"""

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import cast

import structlog
from fastapi import FastAPI, Request
from sqlalchemy import Delete, Table, bindparam, delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from ideaflow_feedback.feedback.models import Feedback, ThemePending
from ideaflow_feedback.feedback.repository import insert_rows
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_feedback.themes import repository
from ideaflow_feedback.themes.assignment import DEFAULT_EMBEDDER, ItemToAssign, assign_themes
from ideaflow_feedback.themes.engine import Embedder
from ideaflow_feedback.themes.models import ThemeAssignment
from ideaflow_shared.app import ExtraLifespan
from ideaflow_shared.db import WRITE_TRANSACTION, SessionDep, dialect_of, one_of, writing
from ideaflow_shared.identity import CurrentIdentity

log = structlog.get_logger(__name__)

BATCH_SIZE = 1_000
"""Items per `assign_themes` call: a few statements per batch, whatever its size."""

_QUEUED = "ideaflow_themes_queued"
"""Set in a session's `info` when its transaction queued items, so its commit wakes the assigners."""
_wakeups: set[asyncio.Event] = set()
THEME_PENDING = cast(Table, ThemePending.__table__)


async def queue(session: AsyncSession, *, organization_id: uuid.UUID, feedback_ids: Sequence[uuid.UUID]) -> None:
    """Queue newly stored items for a theme, in the order given; this process's assigner wakes on commit."""
    if not feedback_ids:
        return
    await insert_rows(
        session, THEME_PENDING, [{"organization_id": organization_id, "feedback_id": id_} for id_ in feedback_ids]
    )
    session.info[_QUEUED] = True


@event.listens_for(Session, "after_commit")
def _wake_assigners(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        for wakeup in _wakeups:
            wakeup.set()


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, _previous: object) -> None:
    session.info.pop(_QUEUED, None)


# Built once, as every pass runs them: building a statement costs more CPU than running it.
# The oldest queue rows first, on their own: joined before the limit, PostgreSQL may join every
# waiting row and sort them all (tens of ms per batch while an import or a burst waits).
_OLDEST = (
    select(ThemePending.position, ThemePending.feedback_id)
    .where(ThemePending.organization_id == bindparam("organization_id"))
    .order_by(ThemePending.position)
    .limit(bindparam("limit"))
    .subquery()
)
_OLDEST_WAITING = (
    select(
        _OLDEST.c.position,
        Feedback.id,
        Feedback.text,
        Feedback.received_at,
        Feedback.customer_id,
        Feedback.title,
        ThemeAssignment.feedback_id.label("assigned"),
    )
    .join(Feedback, Feedback.id == _OLDEST.c.feedback_id)
    .outerjoin(ThemeAssignment, ThemeAssignment.feedback_id == _OLDEST.c.feedback_id)
    .order_by(_OLDEST.c.position)
)
_WAITING_ORGANIZATIONS = (
    select(THEME_PENDING.c.organization_id)
    .group_by(THEME_PENDING.c.organization_id)
    .order_by(func.min(THEME_PENDING.c.position))
)


@functools.cache
def _delete_queued(dialect: str) -> Delete:
    return delete(THEME_PENDING).where(one_of(THEME_PENDING.c.position, "positions", dialect))


async def assign_waiting(
    session: AsyncSession, *, organization_id: uuid.UUID, embedder: Embedder = DEFAULT_EMBEDDER, limit: int = BATCH_SIZE
) -> int:
    """Assign the organisation's oldest waiting items (at most `limit`) in this transaction; how many.

    The theme lock comes first: whoever held it before committed its assignments and deleted their
    queue rows, so what is read after it is exactly what is still waiting.
    """
    await repository.lock_themes(session, organization_id=organization_id)
    waiting = (await session.execute(_OLDEST_WAITING, {"organization_id": organization_id, "limit": limit})).all()
    if not waiting:
        return 0
    # By position, not up to the last one: an item queued earlier may commit later than these.
    positions = [row.position for row in waiting]
    await session.execute(_delete_queued(dialect_of(session)), {"positions": positions})
    # An item queued again after it was assigned (or twice) is assigned once: a stray queue row must not
    # fail the organisation's every later batch.
    unassigned = {row.id: row for row in waiting if row.assigned is None}
    await assign_themes(
        session,
        organization_id=organization_id,
        items=[
            ItemToAssign(row.id, row.text, row.received_at, row.customer_id, row.title) for row in unassigned.values()
        ],
        embedder=embedder,
    )
    return len(waiting)


async def catch_up(session: AsyncSession, *, organization_id: uuid.UUID, embedder: Embedder = DEFAULT_EMBEDDER) -> None:
    """Assign every item the organisation has waiting, in this transaction, so what is read next counts it.

    Costs one indexed lookup when nothing waits. Call it before anything else in the transaction.
    """
    waits = select(ThemePending.position).where(ThemePending.organization_id == organization_id).limit(1)
    if await session.scalar(waits) is None:
        return
    connection = (await session.connection()).sync_connection
    if (
        connection is not None
        and connection.dialect.name == "sqlite"
        and not connection.get_execution_options().get(WRITE_TRANSACTION)
    ):
        # A reading SQLite transaction cannot start writing once another writer committed after it
        # began; this one has only read the queue, so it starts again as a writer.
        await session.rollback()
        await session.connection(execution_options={WRITE_TRANSACTION: True})
    while await assign_waiting(session, organization_id=organization_id, embedder=embedder) == BATCH_SIZE:
        pass


async def caught_up(request: Request, session: SessionDep, identity: CurrentIdentity) -> None:
    """Dependency for routes that read themes or what derives from them: the caller's items are assigned."""
    await catch_up(session, organization_id=identity.organization_id, embedder=request.app.state.themes_engine)


class ThemeAssigner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        poll_seconds: float,
        embedder: Embedder = DEFAULT_EMBEDDER,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.embedder = embedder
        self.poll_seconds = poll_seconds
        self.wakeup = asyncio.Event()

    async def run_forever(self) -> None:
        """Assign what waits, then sleep until this process queues more (or the next poll, for other replicas')."""
        _wakeups.add(self.wakeup)
        try:
            while True:
                self.wakeup.clear()
                try:
                    await self.assign_all()
                except Exception:
                    log.exception("theme_assigner_failed")
                # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation that arrives as
                # the wake-up does, and the loop would then outlive the app's shutdown.
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self.wakeup.wait()
        finally:
            _wakeups.discard(self.wakeup)

    async def assign_all(self) -> int:
        """Assign every waiting item, a batch per organisation and transaction; how many were assigned.

        An organisation whose batch fails is logged and left waiting until the next pass, so one bad
        item never holds up the others.
        """
        assigned = 0
        failed: set[uuid.UUID] = set()
        while True:
            async with self.sessionmaker() as session:
                waiting = await session.scalars(_WAITING_ORGANIZATIONS)
                organizations = [organization_id for organization_id in waiting if organization_id not in failed]
            if not organizations:
                return assigned
            for organization_id in organizations:
                try:
                    async with writing(self.sessionmaker) as session:
                        count = await assign_waiting(session, organization_id=organization_id, embedder=self.embedder)
                except Exception:
                    log.exception("theme_assignment_failed", organization_id=str(organization_id))
                    failed.add(organization_id)
                else:
                    assigned += count


def theme_assigner_lifespan(settings: FeedbackSettings) -> ExtraLifespan:
    """Run a ThemeAssigner beside the app for as long as it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assigner = ThemeAssigner(
            app.state.sessionmaker,
            poll_seconds=settings.theme_assigner_poll_seconds,
            embedder=app.state.themes_engine,
        )
        app.state.theme_assigner = assigner
        task = asyncio.create_task(assigner.run_forever())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan
