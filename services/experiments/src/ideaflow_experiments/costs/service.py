"""The rules for recording what an experiment costs."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.costs import repository
from ideaflow_experiments.costs.models import ExperimentCost
from ideaflow_experiments.costs.schemas import CostCreate
from ideaflow_experiments.experiments.models import Experiment
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.experiments.service import get_experiment
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound


async def record_cost(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, data: CostCreate
) -> tuple[Experiment, ExperimentCost]:
    """Add a cost entry (owner or manager) in the budget's currency; spent grows by its amount."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    ensure_may_edit(identity, experiment)
    if experiment.budget_currency is None:
        raise Conflict("The experiment has no budget currency yet; set budget_currency before recording costs.")
    if data.currency != experiment.budget_currency:
        raise Conflict(
            f"Costs of this experiment are recorded in {experiment.budget_currency}, its budget currency.",
            extra={"budget_currency": experiment.budget_currency},
        )
    cost = ExperimentCost(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        experiment_id=experiment.id,
        amount=data.amount,
        currency=data.currency,
        description=data.description,
        incurred_at=data.incurred_at,
        recorded_by=identity.principal_id,
        created_at=utcnow(),
    )
    await repository.add_cost(session, experiment=experiment, cost=cost)
    return experiment, cost


async def list_costs(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ExperimentCost], str | None]:
    await get_experiment(session, identity=identity, experiment_id=experiment_id)
    return await repository.list_costs(
        session, organization_id=identity.organization_id, experiment_id=experiment_id, page=page
    )


async def get_cost(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, cost_id: uuid.UUID
) -> ExperimentCost:
    cost = await repository.get_cost(
        session, organization_id=identity.organization_id, experiment_id=experiment_id, cost_id=cost_id
    )
    if cost is None:
        raise NotFound(f"Experiment {experiment_id} has no cost entry with id {cost_id}.")
    return cost
