"""All SQL for stage history and the review queue. Every query is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_ideas.stages.models import StageChange
from ideaflow_shared.pagination import PageRequest, next_page, paginate

# Stages in which an idea still waits for a decision from a reviewer.
OPEN_STAGES = (IdeaStage.SUBMITTED, IdeaStage.SCREENING, IdeaStage.BACKLOG)

_HISTORY_ORDER = "changed_at"
_AWAITING_ORDER = "waiting_since"


def waiting_since() -> ColumnElement[dt.datetime]:
    return func.coalesce(Idea.last_response_at, Idea.created_at)


def add_stage_change(session: AsyncSession, change: StageChange) -> None:
    session.add(change)


async def list_history(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[StageChange], str | None]:
    statement = select(StageChange).where(
        StageChange.organization_id == organization_id, StageChange.idea_id == idea_id
    )
    statement = paginate(
        statement, keys=[StageChange.changed_at, StageChange.id], descending=False, page=page, ordering=_HISTORY_ORDER
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=_HISTORY_ORDER, key_of=lambda change: (change.changed_at, change.id))


async def list_awaiting_review(
    session: AsyncSession, *, organization_id: uuid.UUID, answered_before: dt.datetime, page: PageRequest
) -> tuple[Sequence[Idea], str | None]:
    since = waiting_since()
    statement = select(Idea).where(
        Idea.organization_id == organization_id, Idea.stage.in_(OPEN_STAGES), since < answered_before
    )
    statement = paginate(statement, keys=[since, Idea.id], descending=False, page=page, ordering=_AWAITING_ORDER)
    rows = (await session.scalars(statement)).all()
    return next_page(
        rows,
        page=page,
        ordering=_AWAITING_ORDER,
        key_of=lambda idea: (idea.last_response_at or idea.created_at, idea.id),
    )
