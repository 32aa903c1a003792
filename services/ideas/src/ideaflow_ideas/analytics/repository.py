"""The SQL behind `/v1/ideas/analytics`: counts are grouped in the database; per-idea times are
fetched as rows because date arithmetic and medians are not portable between SQLite and PostgreSQL."""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.comments.models import Comment
from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_ideas.stages.models import StageChange
from ideaflow_ideas.votes.models import IdeaVote

# The main line of the funnel, in order; parked, rejected and merged leave it.
FUNNEL = (IdeaStage.SUBMITTED, IdeaStage.SCREENING, IdeaStage.BACKLOG, IdeaStage.EXPERIMENTING, IdeaStage.ADOPTED)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Scope:
    organization_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    challenge_id: uuid.UUID | None
    department: str | None

    def ideas(self) -> list[ColumnElement[bool]]:
        """Ideas of the organisation, challenge and department, whenever submitted."""
        conditions = [Idea.organization_id == self.organization_id]
        if self.challenge_id is not None:
            conditions.append(Idea.challenge_id == self.challenge_id)
        if self.department is not None:
            conditions.append(Idea.department == self.department)
        return conditions

    def submitted(self) -> list[ColumnElement[bool]]:
        """Ideas of the scope submitted within the period."""
        return [*self.ideas(), Idea.created_at >= self.start, Idea.created_at < self.end]


async def submitters(session: AsyncSession, *, scope: Scope) -> Sequence[Row[str | None, int, int, int]]:
    """Per department (None: undisclosed): distinct named submitters, ideas, anonymous ideas."""
    query = (
        select(
            Idea.department,
            func.count(distinct(Idea.author_id)),
            func.count(Idea.id),
            func.count(case((Idea.author_id.is_(None), 1))),
        )
        .where(*scope.submitted())
        .group_by(Idea.department)
    )
    return (await session.execute(query)).all()


async def commenters(session: AsyncSession, *, scope: Scope) -> Row[int, int]:
    """Distinct named commenters and anonymous comments written within the period."""
    query = (
        select(
            func.count(distinct(Comment.author_id)),
            func.count(case((Comment.author_id.is_(None), 1))),
        )
        .join(Idea, Idea.id == Comment.idea_id)
        .where(*scope.ideas(), Comment.created_at >= scope.start, Comment.created_at < scope.end)
    )
    return (await session.execute(query)).one()


async def voters(session: AsyncSession, *, scope: Scope) -> Row[int, int]:
    """Distinct voter keys (one per person in the organisation) and up-votes cast within the period."""
    query = (
        select(func.count(distinct(IdeaVote.voter_key)), func.count())
        .select_from(IdeaVote)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(*scope.ideas(), IdeaVote.created_at >= scope.start, IdeaVote.created_at < scope.end)
    )
    return (await session.execute(query)).one()


async def current_stages(session: AsyncSession, *, scope: Scope) -> dict[IdeaStage, int]:
    query = select(Idea.stage, func.count()).where(*scope.submitted()).group_by(Idea.stage)
    return {IdeaStage(stage): count for stage, count in (await session.execute(query)).all()}


async def furthest_reached(session: AsyncSession, *, scope: Scope) -> dict[int, int]:
    """How many ideas got at most as far as each funnel position (0 = never left `submitted`)."""
    rank = case(*((StageChange.to_stage == stage, position) for position, stage in enumerate(FUNNEL)), else_=0)
    furthest = (
        select(Idea.id.label("idea_id"), func.coalesce(func.max(rank), 0).label("furthest"))
        .outerjoin(StageChange, StageChange.idea_id == Idea.id)
        .where(*scope.submitted())
        .group_by(Idea.id)
        .subquery()
    )
    query: Select[Any] = select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest)
    return {position: count for position, count in (await session.execute(query)).all()}


async def stage_history(
    session: AsyncSession, *, scope: Scope
) -> Sequence[Row[uuid.UUID, dt.datetime, IdeaStage, dt.datetime]]:
    """Every move of the period's ideas with the idea's submission time, in order per idea."""
    query = (
        select(StageChange.idea_id, Idea.created_at, StageChange.from_stage, StageChange.changed_at)
        .join(Idea, and_(Idea.id == StageChange.idea_id, Idea.organization_id == StageChange.organization_id))
        .where(*scope.submitted())
        .order_by(StageChange.idea_id, StageChange.changed_at, StageChange.id)
    )
    return (await session.execute(query)).all()


async def first_responses(session: AsyncSession, *, scope: Scope) -> Sequence[Row[dt.datetime, dt.datetime | None]]:
    """Per idea of the period: submitted at, and its first reviewer answer (a move or a comment)."""
    query = select(Idea.created_at, Idea.first_response_at).where(*scope.submitted())
    return (await session.execute(query)).all()


async def challenge_departments(
    session: AsyncSession, *, scope: Scope
) -> Sequence[Row[uuid.UUID | None, str | None, int, int, int]]:
    """Per challenge and department of the period's challenge ideas: ideas, up-votes and dots received."""
    query = (
        select(Idea.challenge_id, Idea.department, func.count(), func.sum(Idea.up_votes), func.sum(Idea.dots))
        .where(*scope.submitted(), Idea.challenge_id.is_not(None))
        .group_by(Idea.challenge_id, Idea.department)
        .order_by(Idea.challenge_id)
    )
    return (await session.execute(query)).all()


async def submitters_overall(session: AsyncSession, *, scope: Scope) -> int:
    """Distinct named submitters of the period (a person may appear under no department and one)."""
    query = select(func.count(distinct(Idea.author_id))).where(*scope.submitted())
    return (await session.execute(query)).scalar_one()
