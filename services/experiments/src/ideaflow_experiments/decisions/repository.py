"""All SQL for decisions. Every query is scoped to one organisation."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.decisions.models import Decision


async def get_decision(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID
) -> Decision | None:
    return await session.scalar(
        select(Decision).where(Decision.organization_id == organization_id, Decision.experiment_id == experiment_id)
    )


def add_decision(session: AsyncSession, decision: Decision) -> None:
    session.add(decision)
