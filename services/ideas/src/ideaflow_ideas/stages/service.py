"""The rules for moving ideas through the funnel. Every stage change goes through `change_stage`."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.ideas import service as ideas_service
from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_ideas.stages import repository, transitions
from ideaflow_ideas.stages.models import StageChange
from ideaflow_ideas.stages.schemas import StageMove
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, UnprocessableContent

_ROLES_BY_RANK = ("admin", transitions.MANAGER_ROLE, transitions.REVIEWER_ROLE)


def acting_role(identity: Identity) -> str:
    """The highest role the caller holds, recorded instead of who they are."""
    return next((role for role in _ROLES_BY_RANK if role in identity.roles), "employee")


def change_stage(
    session: AsyncSession, *, idea: Idea, target: IdeaStage, actor_role: str, rationale: str | None
) -> StageChange:
    """Move `idea` to `target` and record it; callers have checked the move is allowed."""
    now = utcnow()
    change = StageChange(
        id=uuid.uuid4(),
        organization_id=idea.organization_id,
        idea_id=idea.id,
        from_stage=idea.stage,
        to_stage=target,
        actor_role=actor_role,
        rationale=rationale,
        changed_at=now,
    )
    repository.add_stage_change(session, change)
    idea.stage = target
    _record_response(idea, at=now)
    idea.updated_at = now
    idea.version += 1
    return change


def record_reviewer_response(*, idea: Idea) -> None:
    """A reviewer answered the idea (e.g. with a comment): it leaves the review queue for a while."""
    _record_response(idea, at=utcnow())


def _record_response(idea: Idea, *, at: dt.datetime) -> None:
    idea.last_response_at = at
    if idea.first_response_at is None:
        idea.first_response_at = at


def _check_move(identity: Identity, idea: Idea, move: StageMove) -> None:
    target = IdeaStage(move.stage)
    if target not in transitions.ALLOWED[idea.stage]:
        allowed = [stage.value for stage in transitions.allowed_targets(idea.stage) if stage != IdeaStage.MERGED]
        raise Conflict(f"An idea in '{idea.stage.value}' cannot move to '{target.value}'.", extra={"allowed": allowed})
    role = transitions.role_for_move(idea.stage, target)
    if not identity.has_role(role) and not identity.has_role(transitions.MANAGER_ROLE):
        raise Forbidden(f"Moving an idea from '{idea.stage.value}' to '{target.value}' needs the '{role}' role.")
    if target in transitions.NEEDS_RATIONALE and len(move.rationale or "") < transitions.MIN_RATIONALE_LENGTH:
        raise UnprocessableContent.at(
            "/body/rationale",
            f"Moving to '{target.value}' needs a rationale of at least {transitions.MIN_RATIONALE_LENGTH} "
            "characters: the submitter reads it.",
        )


async def move_idea(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, if_match: str | None, move: StageMove
) -> tuple[Idea, StageChange]:
    """Move an idea one step through the funnel, when the table and the caller's roles allow it."""
    if not identity.has_role(transitions.REVIEWER_ROLE) and not identity.has_role(transitions.MANAGER_ROLE):
        raise Forbidden("Moving ideas between stages needs the 'reviewer' or 'manager' role.")
    idea = await ideas_service.get_idea(session, identity=identity, idea_id=idea_id)
    check_if_match(if_match, idea.version)
    _check_move(identity, idea, move)
    rationale = (move.rationale or "").strip() or None
    change = change_stage(
        session, idea=idea, target=IdeaStage(move.stage), actor_role=acting_role(identity), rationale=rationale
    )
    await session.flush()
    return idea, change


async def list_history(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[StageChange], str | None]:
    """An idea's moves, oldest first; a foreign or missing idea is NotFound."""
    await ideas_service.get_idea(session, identity=identity, idea_id=idea_id)
    return await repository.list_history(session, organization_id=identity.organization_id, idea_id=idea_id, page=page)


async def list_awaiting_review(
    session: AsyncSession, *, identity: Identity, days: int, page: PageRequest
) -> tuple[Sequence[Idea], str | None]:
    """Open ideas with no stage change and no reviewer comment for `days` days, longest waiting first."""
    if not identity.has_role(transitions.REVIEWER_ROLE) and not identity.has_role(transitions.MANAGER_ROLE):
        raise Forbidden("The review queue is for the 'reviewer' and 'manager' roles.")
    answered_before = utcnow() - dt.timedelta(days=days)
    return await repository.list_awaiting_review(
        session, organization_id=identity.organization_id, answered_before=answered_before, page=page
    )
