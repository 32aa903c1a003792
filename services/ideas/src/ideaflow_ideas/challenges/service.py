"""The rules for challenges: who may run them, which phase allows what, and the phase moves."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.challenges import repository
from ideaflow_ideas.challenges.models import Challenge, ChallengePhase, ChallengePhaseChange
from ideaflow_ideas.challenges.schemas import (
    ChallengeCreate,
    ChallengeOrder,
    ChallengeSummary,
    ChallengeUpdate,
    PhaseMove,
    check_challenge_rules,
)
from ideaflow_ideas.roles import MANAGER, ensure_any_role
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import BadRequest, Conflict, FieldError, NotFound

# The one table of phase moves. Judgement is deferred in ideation and opens in evaluation.
PHASE_MOVES: dict[ChallengePhase, tuple[ChallengePhase, ...]] = {
    ChallengePhase.DRAFT: (ChallengePhase.IDEATION,),
    ChallengePhase.IDEATION: (ChallengePhase.EVALUATION,),
    ChallengePhase.EVALUATION: (ChallengePhase.CLOSED,),
    ChallengePhase.CLOSED: (),
}


def ensure_open_for_ideas(challenge: Challenge) -> None:
    """New ideas enter a challenge only while it is in ideation."""
    if challenge.phase != ChallengePhase.IDEATION:
        raise Conflict(
            f"The challenge is in its {challenge.phase} phase; ideas are submitted only during ideation.",
            extra={"phase": challenge.phase.value},
        )


def ensure_writable(challenge: Challenge) -> None:
    """A closed challenge, and everything in it, is read-only."""
    if challenge.phase == ChallengePhase.CLOSED:
        raise Conflict("The challenge is closed: it and its ideas are read-only.", extra={"phase": "closed"})


def ensure_not_draft(challenge: Challenge) -> None:
    if challenge.phase == ChallengePhase.DRAFT:
        raise Conflict("The challenge is still a draft; it opens with its ideation phase.", extra={"phase": "draft"})


def ensure_judgement_open_in(challenge: Challenge, *, what: str) -> None:
    """Critique and scores wait for the evaluation phase: judgement is deferred during ideation."""
    ensure_writable(challenge)
    if challenge.phase in (ChallengePhase.DRAFT, ChallengePhase.IDEATION):
        raise Conflict(
            f"Judgement is deferred while the challenge collects ideas: {what} opens when it moves to its "
            f"evaluation phase (a manager moves it; planned close of ideation: {challenge.closes_at.isoformat()}).",
            extra={"phase": challenge.phase.value, "opens_in_phase": ChallengePhase.EVALUATION.value},
        )


async def ensure_judgement_open(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID | None, what: str
) -> None:
    """409 unless `what` (critique, an evaluation score…) may be given to an idea of this challenge.

    Ideas outside any challenge (`challenge_id` None) are always open to judgement.
    """
    if challenge_id is not None:
        ensure_judgement_open_in(await get_challenge(session, identity=identity, challenge_id=challenge_id), what=what)


async def get_challenge(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID, for_update: bool = False
) -> Challenge:
    challenge = await repository.get_challenge(
        session, organization_id=identity.organization_id, challenge_id=challenge_id, for_update=for_update
    )
    if challenge is None:
        raise NotFound(f"No challenge with id {challenge_id} exists.")
    return challenge


async def list_challenges(
    session: AsyncSession, *, identity: Identity, phase: ChallengePhase | None, order: ChallengeOrder, page: PageRequest
) -> tuple[Sequence[Challenge], str | None]:
    return await repository.list_challenges(
        session, organization_id=identity.organization_id, phase=phase, order=order, page=page
    )


_RULE_FIELDS = ("audience", "departments", "opens_at", "closes_at", "dot_budget", "dots_per_idea_cap")


def _ensure_consistent(fields: dict[str, Any]) -> None:
    broken = check_challenge_rules(**{field: fields[field] for field in _RULE_FIELDS})
    if broken:
        raise BadRequest(
            "; ".join(why for _, why in broken),
            errors=[FieldError(pointer=f"/body/{field}", detail=why) for field, why in broken],
        )


async def create_challenge(session: AsyncSession, *, identity: Identity, data: ChallengeCreate) -> Challenge:
    """A new challenge, in draft until a manager opens its ideation."""
    ensure_any_role(identity, (MANAGER,), action="run challenges")
    _ensure_consistent(data.model_dump())
    now = utcnow()
    challenge = Challenge(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        **data.model_dump(),
        phase=ChallengePhase.DRAFT,
        phase_changes=[],
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_challenge(session, challenge)
    await session.flush()
    return challenge


async def update_challenge(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID, if_match: str | None, data: ChallengeUpdate
) -> Challenge:
    challenge = await get_challenge(session, identity=identity, challenge_id=challenge_id)
    check_if_match(if_match, challenge.version)
    ensure_any_role(identity, (MANAGER,), action="run challenges")
    ensure_writable(challenge)
    changes = data.changes()
    _ensure_consistent({field: changes.get(field, getattr(challenge, field)) for field in _RULE_FIELDS})
    for field, value in changes.items():
        setattr(challenge, field, value)
    challenge.version += 1
    challenge.updated_at = utcnow()
    await session.flush()
    return challenge


async def move_phase(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID, if_match: str | None, data: PhaseMove
) -> Challenge:
    """Move the challenge to its next phase and keep the move in its history."""
    challenge = await get_challenge(session, identity=identity, challenge_id=challenge_id)
    if if_match is not None:
        check_if_match(if_match, challenge.version)
    ensure_any_role(identity, (MANAGER,), action="move a challenge's phase")
    allowed = PHASE_MOVES[challenge.phase]
    if data.phase not in allowed:
        raise Conflict(
            f"A challenge in {challenge.phase} cannot move to {data.phase}.",
            extra={"phase": challenge.phase.value, "allowed": [phase.value for phase in allowed]},
        )
    now = utcnow()
    challenge.phase_changes.append(
        ChallengePhaseChange(
            id=uuid.uuid4(),
            from_phase=challenge.phase,
            to_phase=data.phase,
            actor_id=identity.principal_id,
            note=data.note or "",
            changed_at=now,
        )
    )
    challenge.phase = data.phase
    challenge.version += 1
    challenge.updated_at = now
    await session.flush()
    return challenge


async def summarise_challenge(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID
) -> ChallengeSummary:
    challenge = await get_challenge(session, identity=identity, challenge_id=challenge_id)
    counts = await repository.summarise(session, organization_id=identity.organization_id, challenge_id=challenge.id)
    return ChallengeSummary.model_validate({"challenge_id": challenge.id, "phase": challenge.phase, **counts})
