"""The rules for assumptions. Their status changes only through `record_evidence`, called by decisions."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.assumptions import repository
from ideaflow_experiments.assumptions.models import Assumption, AssumptionStatus, risk_score
from ideaflow_experiments.assumptions.repository import AssumptionFilters
from ideaflow_experiments.assumptions.schemas import AssumptionCreate, AssumptionOrder, AssumptionUpdate
from ideaflow_shared.clients.ideas import IdeasClient
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound, UnprocessableContent

EDITOR_ROLE = "manager"


async def create_assumption(
    session: AsyncSession, *, identity: Identity, ideas: IdeasClient, data: AssumptionCreate
) -> Assumption:
    """Record an `untested` assumption of an idea the caller's organisation has (checked with the ideas service)."""
    if await ideas.get_idea(data.idea_id, identity=identity) is None:
        raise UnprocessableContent.at("/body/idea_id", f"Your organisation has no idea with id {data.idea_id}.")
    now = utcnow()
    assumption = Assumption(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        idea_id=data.idea_id,
        statement=data.statement,
        kind=data.kind,
        importance=data.importance,
        evidence=data.evidence,
        risk_score=risk_score(importance=data.importance, evidence=data.evidence),
        status=AssumptionStatus.UNTESTED,
        created_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_assumption(session, assumption)
    await session.flush()
    return assumption


async def get_assumption(session: AsyncSession, *, identity: Identity, assumption_id: uuid.UUID) -> Assumption:
    assumption = await repository.get_assumption(
        session, organization_id=identity.organization_id, assumption_id=assumption_id
    )
    if assumption is None:
        raise NotFound(f"No assumption with id {assumption_id} exists.")
    return assumption


async def list_assumptions(
    session: AsyncSession,
    *,
    identity: Identity,
    filters: AssumptionFilters,
    order: AssumptionOrder,
    page: PageRequest,
) -> tuple[Sequence[Assumption], str | None]:
    return await repository.list_assumptions(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


async def update_assumption(
    session: AsyncSession,
    *,
    identity: Identity,
    assumption_id: uuid.UUID,
    if_match: str | None,
    data: AssumptionUpdate,
) -> Assumption:
    """Apply a partial update (its author or a manager) and re-rank it."""
    assumption = await get_assumption(session, identity=identity, assumption_id=assumption_id)
    check_if_match(if_match, assumption.version)
    if assumption.created_by != identity.principal_id and not identity.has_role(EDITOR_ROLE):
        raise Forbidden("Only the assumption's author or a manager may change it.")
    for field, value in data.changes().items():
        setattr(assumption, field, value)
    assumption.risk_score = risk_score(importance=assumption.importance, evidence=assumption.evidence)
    assumption.version += 1
    assumption.updated_at = utcnow()
    await session.flush()
    return assumption


async def ensure_assumptions_of_idea(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, assumption_ids: Sequence[uuid.UUID], pointer: str
) -> None:
    """422 at the first id that names no assumption of this idea in the caller's organisation."""
    found = await repository.get_assumptions(
        session, organization_id=identity.organization_id, assumption_ids=assumption_ids
    )
    of_idea = {assumption.id for assumption in found if assumption.idea_id == idea_id}
    for index, assumption_id in enumerate(assumption_ids):
        if assumption_id not in of_idea:
            raise UnprocessableContent.at(
                f"{pointer}/{index}", f"The experiment's idea has no assumption with id {assumption_id}."
            )


async def record_evidence(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    assumption_ids: Sequence[uuid.UUID],
    status: AssumptionStatus,
    experiment_id: uuid.UUID,
    now: dt.datetime,
) -> Sequence[Assumption]:
    """Set the status of tested assumptions, linking each to the experiment that is its evidence."""
    assumptions = await repository.get_assumptions(
        session, organization_id=organization_id, assumption_ids=assumption_ids
    )
    for assumption in assumptions:
        assumption.status = status
        assumption.evidence_experiment_id = experiment_id
        assumption.status_changed_at = now
        assumption.version += 1
        assumption.updated_at = now
    await session.flush()
    return assumptions
