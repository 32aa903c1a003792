"""The rules of evaluation: who may score, on what scale, when, and how scores rank ideas."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas import roles
from ideaflow_ideas.challenges.service import ensure_judgement_open, get_challenge
from ideaflow_ideas.evaluations import criteria, repository
from ideaflow_ideas.evaluations.models import CriteriaScheme, Evaluation
from ideaflow_ideas.evaluations.schemas import CriteriaUpdate, EvaluationCreate, EvaluationUpdate
from ideaflow_ideas.evaluations.scoring import Aggregate, aggregate
from ideaflow_ideas.ideas import service as ideas_service
from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict, NotFound

EVALUATOR_ROLES = (roles.REVIEWER, roles.MANAGER)


async def get_scheme(session: AsyncSession, *, identity: Identity) -> CriteriaScheme | None:
    """The organisation's stored scheme; None means it uses the defaults."""
    return await repository.get_scheme(session, organization_id=identity.organization_id)


async def update_criteria(
    session: AsyncSession, *, identity: Identity, if_match: str | None, data: CriteriaUpdate
) -> CriteriaScheme:
    """Change the organisation's criteria or scale (admins only; If-Match on the scheme's version)."""
    roles.ensure_any_role(identity, (roles.ADMIN,), action="change the evaluation criteria")
    scheme = await get_scheme(session, identity=identity)
    check_if_match(if_match, 0 if scheme is None else scheme.version)
    low, high = criteria.scale_of(scheme)
    current = [{"key": item.key, "name": item.name, "weight": item.weight} for item in criteria.criteria_of(scheme)]
    low = data.scale_min if data.scale_min is not None else low
    high = data.scale_max if data.scale_max is not None else high
    items = current
    if data.criteria is not None:
        by_key = {item.key: {"key": item.key, "name": item.name, "weight": item.weight} for item in data.criteria}
        items = list(by_key.values())
    if scheme is None:
        scheme = CriteriaScheme(organization_id=identity.organization_id, version=0)
        repository.add(session, scheme)
    scheme.scale_min, scheme.scale_max, scheme.criteria = low, high, items
    scheme.version += 1
    scheme.updated_at = utcnow()
    await session.flush()
    return scheme


def _check_scores(scheme: CriteriaScheme | None, scores: dict[str, int], *, complete: bool) -> None:
    """Scores must match the organisation's current criteria and scale, which admins may change
    while a reviewer has the form open: a mismatch is a conflict with that state (409)."""
    keys = [item.key for item in criteria.criteria_of(scheme)]
    low, high = criteria.scale_of(scheme)
    unknown = sorted(set(scores) - set(keys))
    missing = [key for key in keys if key not in scores] if complete else []
    off_scale = sorted(key for key, value in scores.items() if not low <= value <= high)
    if unknown or missing or off_scale:
        problems = [
            f"{label}: {', '.join(names)}"
            for label, names in (
                ("unknown criteria", unknown),
                ("missing", missing),
                (f"not {low} to {high}", off_scale),
            )
            if names
        ]
        raise Conflict(
            "The scores do not fit the organisation's criteria (" + "; ".join(problems) + ").",
            extra={"criteria": keys, "scale_min": low, "scale_max": high},
        )


async def _idea_open_to_scores(session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID) -> Idea:
    roles.ensure_any_role(identity, EVALUATOR_ROLES, action="evaluate ideas")
    idea = await ideas_service.get_idea(session, identity=identity, idea_id=idea_id)
    if idea.stage == IdeaStage.MERGED:
        raise Conflict(
            "This idea was merged into another; evaluate that one.", extra={"merged_into_id": str(idea.merged_into_id)}
        )
    await ensure_judgement_open(session, identity=identity, challenge_id=idea.challenge_id, what="evaluation scores")
    return idea


async def create_evaluation(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, data: EvaluationCreate
) -> Evaluation:
    """The caller's evaluation of an idea; a second one is a 409 (revise the first instead)."""
    idea = await _idea_open_to_scores(session, identity=identity, idea_id=idea_id)
    existing = await repository.find_evaluation_by(
        session, organization_id=identity.organization_id, idea_id=idea.id, reviewer_id=identity.principal_id
    )
    if existing is not None:
        raise Conflict(
            "You have already evaluated this idea; revise that evaluation with PATCH.",
            extra={"evaluation_id": str(existing.id)},
        )
    _check_scores(await get_scheme(session, identity=identity), data.scores, complete=True)
    now = utcnow()
    evaluation = Evaluation(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        idea_id=idea.id,
        reviewer_id=identity.principal_id,
        scores=dict(data.scores),
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add(session, evaluation)
    await session.flush()
    return evaluation


async def get_evaluation(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, evaluation_id: uuid.UUID
) -> Evaluation:
    """An evaluation, seen by its reviewer and by managers only."""
    evaluation = await repository.get_evaluation(
        session, organization_id=identity.organization_id, idea_id=idea_id, evaluation_id=evaluation_id
    )
    if evaluation is None or (evaluation.reviewer_id != identity.principal_id and not identity.has_role(roles.MANAGER)):
        raise NotFound(f"No evaluation with id {evaluation_id} exists for this idea.")
    return evaluation


async def update_evaluation(
    session: AsyncSession,
    *,
    identity: Identity,
    idea_id: uuid.UUID,
    evaluation_id: uuid.UUID,
    if_match: str | None,
    data: EvaluationUpdate,
) -> Evaluation:
    """Revise one's own evaluation; the phase rules apply as when it was given."""
    await _idea_open_to_scores(session, identity=identity, idea_id=idea_id)
    evaluation = await get_evaluation(session, identity=identity, idea_id=idea_id, evaluation_id=evaluation_id)
    check_if_match(if_match, evaluation.version)
    if evaluation.reviewer_id != identity.principal_id:
        roles.ensure_any_role(identity, (roles.ADMIN,), action="revise another reviewer's evaluation")
    if data.scores is not None:
        _check_scores(await get_scheme(session, identity=identity), data.scores, complete=False)
        evaluation.scores = {**evaluation.scores, **data.scores}
    evaluation.version += 1
    evaluation.updated_at = utcnow()
    await session.flush()
    return evaluation


async def aggregate_for(session: AsyncSession, *, identity: Identity, idea: Idea) -> Aggregate:
    scheme = await get_scheme(session, identity=identity)
    scores = await repository.scores_by_idea(session, organization_id=identity.organization_id, idea_ids=[idea.id])
    return aggregate(scores.get(idea.id, []), criteria.criteria_of(scheme))


async def evaluation_view(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID
) -> tuple[Idea, CriteriaScheme | None, Evaluation | None, Aggregate | None]:
    """The author-blind view a reviewer evaluates from."""
    roles.ensure_any_role(identity, EVALUATOR_ROLES, action="evaluate ideas")
    idea = await ideas_service.get_idea(session, identity=identity, idea_id=idea_id)
    scheme = await get_scheme(session, identity=identity)
    mine = await repository.find_evaluation_by(
        session, organization_id=identity.organization_id, idea_id=idea.id, reviewer_id=identity.principal_id
    )
    shown = mine is not None or identity.has_role(roles.MANAGER)
    return idea, scheme, mine, (await aggregate_for(session, identity=identity, idea=idea)) if shown else None


async def rank_ideas(
    session: AsyncSession, *, identity: Identity, challenge_id: uuid.UUID | None, limit: int
) -> list[tuple[Idea, Aggregate]]:
    """The evaluated ideas of a challenge (or, without one, of the backlog), best first."""
    roles.ensure_any_role(identity, EVALUATOR_ROLES, action="see the ranking")
    if challenge_id is not None:
        await get_challenge(session, identity=identity, challenge_id=challenge_id)
    stage = None if challenge_id is not None else IdeaStage.BACKLOG
    ideas = await repository.evaluated_ideas(
        session, organization_id=identity.organization_id, challenge_id=challenge_id, stage=stage
    )
    scheme = await get_scheme(session, identity=identity)
    scores = await repository.scores_by_idea(
        session, organization_id=identity.organization_id, idea_ids=[idea.id for idea in ideas]
    )
    ranked = [(idea, aggregate(scores.get(idea.id, []), criteria.criteria_of(scheme))) for idea in ideas]
    ranked.sort(
        key=lambda pair: (
            -(pair[1].weighted_score or 0.0),
            -pair[0].up_votes,
            -pair[0].dots,
            pair[0].created_at,
            pair[0].id,
        )
    )
    return ranked[:limit]
