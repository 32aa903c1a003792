"""All SQL for evaluation. Every query is scoped to one organisation."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.evaluations.models import CriteriaScheme, Evaluation
from ideaflow_ideas.ideas.models import Idea, IdeaStage


async def get_scheme(session: AsyncSession, *, organization_id: uuid.UUID) -> CriteriaScheme | None:
    return await session.get(CriteriaScheme, organization_id)


def add(session: AsyncSession, row: CriteriaScheme | Evaluation) -> None:
    session.add(row)


async def get_evaluation(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID, evaluation_id: uuid.UUID
) -> Evaluation | None:
    return await session.scalar(
        select(Evaluation).where(
            Evaluation.organization_id == organization_id,
            Evaluation.idea_id == idea_id,
            Evaluation.id == evaluation_id,
        )
    )


async def find_evaluation_by(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_id: uuid.UUID, reviewer_id: str
) -> Evaluation | None:
    return await session.scalar(
        select(Evaluation).where(
            Evaluation.organization_id == organization_id,
            Evaluation.idea_id == idea_id,
            Evaluation.reviewer_id == reviewer_id,
        )
    )


async def scores_by_idea(
    session: AsyncSession, *, organization_id: uuid.UUID, idea_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, int]]]:
    rows = await session.execute(
        select(Evaluation.idea_id, Evaluation.scores).where(
            Evaluation.organization_id == organization_id, Evaluation.idea_id.in_(idea_ids)
        )
    )
    grouped: dict[uuid.UUID, list[dict[str, int]]] = defaultdict(list)
    for idea_id, scores in rows:
        grouped[idea_id].append(scores)
    return grouped


async def evaluated_ideas(
    session: AsyncSession, *, organization_id: uuid.UUID, challenge_id: uuid.UUID | None, stage: IdeaStage | None
) -> Sequence[Idea]:
    """The ideas of a challenge or a stage that at least one reviewer has evaluated."""
    statement = select(Idea).where(
        Idea.organization_id == organization_id,
        Idea.id.in_(select(Evaluation.idea_id).where(Evaluation.organization_id == organization_id)),
    )
    if challenge_id is not None:
        statement = statement.where(Idea.challenge_id == challenge_id, Idea.stage != IdeaStage.MERGED)
    if stage is not None:
        statement = statement.where(Idea.stage == stage)
    return (await session.scalars(statement)).all()
