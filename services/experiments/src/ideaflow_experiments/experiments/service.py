"""The rules for experiments. State changes go through these functions, never through routers."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.assumptions.service import ensure_assumptions_of_idea, get_assumption
from ideaflow_experiments.experiments import repository
from ideaflow_experiments.experiments.models import Experiment, ExperimentStatus
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.experiments.preregistration import ensure_unlocked
from ideaflow_experiments.experiments.repository import ExperimentFilters
from ideaflow_experiments.experiments.schemas import ExperimentCreate, ExperimentOrder, ExperimentUpdate
from ideaflow_shared.clients.ideas import IdeasClient
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound, UnprocessableContent


def _ensure_plan_is_consistent(start: dt.datetime | None, end: dt.datetime | None, *, pointer: str) -> None:
    """A time box that ends before it starts cannot be run; say which field made it so."""
    if start is not None and end is not None and end < start:
        raise UnprocessableContent.at(pointer, "planned_end_at must not be before planned_start_at.")


def _ensure_budget_has_currency(amount: int | None, currency: str | None, *, pointer: str) -> None:
    if amount is not None and currency is None:
        raise UnprocessableContent.at(pointer, "A planned budget needs its currency (budget_currency).")


async def create_experiment(
    session: AsyncSession, *, identity: Identity, ideas: IdeasClient, data: ExperimentCreate
) -> Experiment:
    """Record a new `draft` experiment for an idea the caller's organisation has.

    The idea lives in the ideas service, so it is checked there, as the caller: another
    organisation's idea looks missing. When that service is unreachable nothing is written.
    """
    _ensure_plan_is_consistent(data.planned_start_at, data.planned_end_at, pointer="/body/planned_end_at")
    _ensure_budget_has_currency(data.budget_planned_amount, data.budget_currency, pointer="/body/budget_currency")
    if await ideas.get_idea(data.idea_id, identity=identity) is None:
        raise UnprocessableContent.at("/body/idea_id", f"Your organisation has no idea with id {data.idea_id}.")
    assumption_ids = list(dict.fromkeys(data.assumption_ids))
    await ensure_assumptions_of_idea(
        session, identity=identity, idea_id=data.idea_id, assumption_ids=assumption_ids, pointer="/body/assumption_ids"
    )
    now = utcnow()
    experiment = Experiment(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        idea_id=data.idea_id,
        title=data.title,
        hypothesis=data.hypothesis,
        test_description=data.test_description,
        type=data.type,
        status=ExperimentStatus.DRAFT,
        owner_id=identity.principal_id,
        planned_start_at=data.planned_start_at,
        planned_end_at=data.planned_end_at,
        team=list(dict.fromkeys(data.team)),
        assumption_ids=[str(assumption_id) for assumption_id in assumption_ids],
        budget_planned_amount=data.budget_planned_amount,
        budget_currency=data.budget_currency,
        budget_spent_amount=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_experiment(session, experiment)
    await session.flush()
    return experiment


async def get_experiment(session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID) -> Experiment:
    """The experiment, or NotFound when the caller's organisation has no such experiment."""
    experiment = await repository.get_experiment(
        session, organization_id=identity.organization_id, experiment_id=experiment_id
    )
    if experiment is None:
        raise NotFound(f"No experiment with id {experiment_id} exists.")
    return experiment


async def list_experiments(
    session: AsyncSession,
    *,
    identity: Identity,
    filters: ExperimentFilters,
    order: ExperimentOrder,
    page: PageRequest,
) -> tuple[Sequence[Experiment], str | None]:
    return await repository.list_experiments(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


def _ensure_budget_change_is_consistent(experiment: Experiment, changes: dict[str, object]) -> None:
    """Costs are recorded in the budget's currency, so it stays fixed once there are any."""
    currency = changes.get("budget_currency", experiment.budget_currency)
    if currency != experiment.budget_currency and experiment.budget_spent_amount > 0:
        raise Conflict(f"Costs are already recorded in {experiment.budget_currency}; the currency cannot change.")
    if changes.get("budget_planned_amount", experiment.budget_planned_amount) is not None and currency is None:
        raise Conflict("The experiment has no budget currency; send budget_currency with the planned amount.")


async def update_experiment(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    if_match: str | None,
    data: ExperimentUpdate,
) -> Experiment:
    """Apply a partial update when If-Match names the current version and the time box stays valid."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    check_if_match(if_match, experiment.version)
    ensure_may_edit(identity, experiment)
    changes = data.changes()
    ensure_unlocked(experiment, changes)
    if "planned_start_at" in changes or "planned_end_at" in changes:
        _ensure_plan_is_consistent(
            changes.get("planned_start_at", experiment.planned_start_at),
            changes.get("planned_end_at", experiment.planned_end_at),
            pointer="/body/planned_end_at" if "planned_end_at" in changes else "/body/planned_start_at",
        )
    _ensure_budget_change_is_consistent(experiment, changes)
    if "team" in changes:
        changes["team"] = list(dict.fromkeys(changes["team"]))
    for field, value in changes.items():
        setattr(experiment, field, value)
    experiment.version += 1
    experiment.updated_at = utcnow()
    await session.flush()
    return experiment


async def delete_experiment(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, if_match: str | None
) -> None:
    """Delete a draft; an experiment that has started is history and stays."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    check_if_match(if_match, experiment.version)
    ensure_may_edit(identity, experiment)
    if experiment.status is not ExperimentStatus.DRAFT:
        raise Conflict(
            f"Only a draft can be deleted; a {experiment.status} experiment is kept as the organisation's memory "
            "(cancel it instead).",
            extra={"current_status": experiment.status.value, "allowed": [ExperimentStatus.DRAFT.value]},
        )
    await repository.delete_experiment(session, experiment)


async def link_assumption(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    assumption_id: uuid.UUID,
    if_match: str | None,
) -> Experiment:
    """Name one more assumption (of the same idea) as tested by the experiment; linking twice changes nothing."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    if if_match is not None:
        check_if_match(if_match, experiment.version)
    ensure_may_edit(identity, experiment)
    assumption = await get_assumption(session, identity=identity, assumption_id=assumption_id)
    if assumption.idea_id != experiment.idea_id:
        raise NotFound(f"The experiment's idea has no assumption with id {assumption_id}.")
    if str(assumption_id) not in experiment.assumption_ids:
        experiment.assumption_ids = [*experiment.assumption_ids, str(assumption_id)]
        _touch(experiment)
    await session.flush()
    return experiment


async def unlink_assumption(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    assumption_id: uuid.UUID,
    if_match: str | None,
) -> Experiment:
    """Stop naming an assumption as tested by the experiment (404 when it was not named)."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    check_if_match(if_match, experiment.version)
    ensure_may_edit(identity, experiment)
    if str(assumption_id) not in experiment.assumption_ids:
        raise NotFound(f"The experiment does not test an assumption with id {assumption_id}.")
    experiment.assumption_ids = [linked for linked in experiment.assumption_ids if linked != str(assumption_id)]
    _touch(experiment)
    await session.flush()
    return experiment


def _touch(experiment: Experiment) -> None:
    experiment.version += 1
    experiment.updated_at = utcnow()
