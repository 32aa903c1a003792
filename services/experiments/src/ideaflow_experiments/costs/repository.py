"""All SQL for cost entries. Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.costs.models import ExperimentCost
from ideaflow_experiments.experiments.models import Experiment
from ideaflow_shared.db import utcnow
from ideaflow_shared.pagination import PageRequest, next_page, paginate


async def add_cost(session: AsyncSession, *, experiment: Experiment, cost: ExperimentCost) -> None:
    """Store the cost and add it to the experiment's spent amount in one atomic update.

    The increment happens in SQL, so two costs recorded at the same moment are both counted.
    """
    session.add(cost)
    await session.execute(
        update(Experiment)
        .where(Experiment.id == experiment.id)
        .values(
            budget_spent_amount=Experiment.budget_spent_amount + cost.amount,
            version=Experiment.version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await session.refresh(experiment)


async def list_costs(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ExperimentCost], str | None]:
    """An experiment's costs in the order they were recorded."""
    statement = select(ExperimentCost).where(
        ExperimentCost.organization_id == organization_id, ExperimentCost.experiment_id == experiment_id
    )
    keys = [ExperimentCost.created_at, ExperimentCost.id]
    statement = paginate(statement, keys=keys, descending=False, page=page, ordering="created_at")
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering="created_at", key_of=lambda row: (row.created_at, row.id))


async def get_cost(
    session: AsyncSession, *, organization_id: uuid.UUID, experiment_id: uuid.UUID, cost_id: uuid.UUID
) -> ExperimentCost | None:
    return await session.scalar(
        select(ExperimentCost).where(
            ExperimentCost.organization_id == organization_id,
            ExperimentCost.experiment_id == experiment_id,
            ExperimentCost.id == cost_id,
        )
    )
