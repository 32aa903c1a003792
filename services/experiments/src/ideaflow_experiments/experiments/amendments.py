"""Amending the pre-registered hypothesis and test of a started experiment (the rule is in `preregistration`)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments import repository
from ideaflow_experiments.experiments.models import Experiment, ExperimentAmendment
from ideaflow_experiments.experiments.preregistration import amend
from ideaflow_experiments.experiments.schemas import AmendmentCreate
from ideaflow_experiments.experiments.service import get_experiment
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import NotFound


async def amend_experiment(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    if_match: str | None,
    data: AmendmentCreate,
) -> tuple[Experiment, ExperimentAmendment]:
    """Change the hypothesis and/or test of a started experiment, recording what changed and why."""
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    check_if_match(if_match, experiment.version)
    new_values = data.changed_fields()
    changes = {field: {"from": getattr(experiment, field), "to": value} for field, value in new_values.items()}
    amendment = await amend(
        session,
        experiment=experiment,
        identity=identity,
        what=", ".join(sorted(changes)),
        why=data.why,
        changes=changes,
    )
    for field, value in new_values.items():
        setattr(experiment, field, value)
    await session.flush()
    return experiment, amendment


async def list_amendments(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ExperimentAmendment], str | None]:
    await get_experiment(session, identity=identity, experiment_id=experiment_id)
    return await repository.list_amendments(
        session, organization_id=identity.organization_id, experiment_id=experiment_id, page=page
    )


async def get_amendment(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, amendment_id: uuid.UUID
) -> ExperimentAmendment:
    amendment = await repository.get_amendment(
        session, organization_id=identity.organization_id, experiment_id=experiment_id, amendment_id=amendment_id
    )
    if amendment is None:
        raise NotFound(f"Experiment {experiment_id} has no amendment with id {amendment_id}.")
    return amendment
