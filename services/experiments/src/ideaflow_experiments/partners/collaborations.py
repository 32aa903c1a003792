"""The rules for collaborations: a partner's part in one experiment.

    proposed → active | ended,  active → completed | ended   (completed and ended are final)

The experiment's owner or a manager sets one up and changes it. The information-sharing boundary
must fit what is shared: personal or customer data only under `confidential` or stricter. Only a
proposed collaboration may be deleted; one that ran is part of the experiment's record.
"""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments import repository as experiments_repository
from ideaflow_experiments.experiments import service as experiments
from ideaflow_experiments.experiments.models import Experiment, ExperimentStatus
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.partners import repository
from ideaflow_experiments.partners.collaboration_schemas import CollaborationCreate, CollaborationUpdate
from ideaflow_experiments.partners.models import Collaboration, CollaborationStatus, Confidentiality, DataCategory
from ideaflow_experiments.partners.repository import CollaborationFilters
from ideaflow_experiments.partners.service import get_partner
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound, UnprocessableContent

TRANSITIONS: Mapping[CollaborationStatus, tuple[CollaborationStatus, ...]] = {
    CollaborationStatus.PROPOSED: (CollaborationStatus.ACTIVE, CollaborationStatus.ENDED),
    CollaborationStatus.ACTIVE: (CollaborationStatus.COMPLETED, CollaborationStatus.ENDED),
    CollaborationStatus.COMPLETED: (),
    CollaborationStatus.ENDED: (),
}

# Sharing these puts people's or customers' data in a partner's hands: it needs a protected boundary.
PROTECTED_DATA = (DataCategory.PERSONAL_DATA, DataCategory.CUSTOMER_DATA)
PROTECTED_LEVELS = (Confidentiality.CONFIDENTIAL, Confidentiality.STRICTLY_CONFIDENTIAL)


def _check_boundary(shared_data: Sequence[str], confidentiality: Confidentiality, *, pointer: str) -> None:
    protected = [category for category in PROTECTED_DATA if category in shared_data]
    if protected and confidentiality not in PROTECTED_LEVELS:
        raise UnprocessableContent.at(
            pointer,
            f"Sharing {' and '.join(protected)} needs confidentiality confidential or strictly_confidential, "
            f"not {confidentiality}.",
        )


def _categories(categories: Sequence[DataCategory]) -> list[str]:
    return [category.value for category in dict.fromkeys(categories)]


def _check_dates(starts_on: dt.date | None, ends_on: dt.date | None, *, pointer: str) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise UnprocessableContent.at(pointer, "A collaboration cannot end before it starts.")


def _ensure_experiment_open(experiment: Experiment) -> None:
    if experiment.status is ExperimentStatus.CANCELLED:
        raise Conflict(
            "The experiment was cancelled; a partner cannot take part in it any more.",
            extra={"experiment_status": experiment.status.value},
        )


async def create_collaboration(
    session: AsyncSession, *, identity: Identity, partner_id: uuid.UUID, data: CollaborationCreate
) -> Collaboration:
    """Propose the partner's part in an experiment of the caller's organisation."""
    partner = await get_partner(session, identity=identity, partner_id=partner_id)
    experiment = await experiments_repository.get_experiment(
        session, organization_id=identity.organization_id, experiment_id=data.experiment_id
    )
    if experiment is None:
        raise UnprocessableContent.at(
            "/body/experiment_id", f"Your organisation has no experiment with id {data.experiment_id}."
        )
    ensure_may_edit(identity, experiment)
    _ensure_experiment_open(experiment)
    _check_boundary(data.shared_data, data.confidentiality, pointer="/body/confidentiality")
    _check_dates(data.starts_on, data.ends_on, pointer="/body/ends_on")
    existing = await repository.find_collaboration(
        session, organization_id=identity.organization_id, partner_id=partner.id, experiment_id=experiment.id
    )
    if existing is not None:
        raise Conflict(
            "This partner already collaborates on this experiment; change that collaboration instead.",
            extra={"collaboration_id": str(existing.id)},
        )
    now = utcnow()
    collaboration = Collaboration(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        partner_id=partner.id,
        experiment_id=experiment.id,
        **data.model_dump(
            include={"goals", "our_responsibilities", "their_responsibilities", "success_criteria", "confidentiality"}
        ),
        shared_data=_categories(data.shared_data),
        status=CollaborationStatus.PROPOSED,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    try:
        async with session.begin_nested():  # a concurrent request may have created it since the check above
            repository.add(session, collaboration)
    except IntegrityError:
        raise Conflict(
            "This partner already collaborates on this experiment; change that collaboration instead."
        ) from None
    return collaboration


async def get_collaboration(
    session: AsyncSession, *, identity: Identity, partner_id: uuid.UUID, collaboration_id: uuid.UUID
) -> Collaboration:
    collaboration = await repository.get_collaboration(
        session, organization_id=identity.organization_id, partner_id=partner_id, collaboration_id=collaboration_id
    )
    if collaboration is None:
        raise NotFound(f"The partner has no collaboration with id {collaboration_id}.")
    return collaboration


async def list_partner_collaborations(
    session: AsyncSession,
    *,
    identity: Identity,
    partner_id: uuid.UUID,
    status: CollaborationStatus | None,
    page: PageRequest,
) -> tuple[Sequence[Collaboration], str | None]:
    await get_partner(session, identity=identity, partner_id=partner_id)
    filters = CollaborationFilters(partner_id=partner_id, status=status)
    return await repository.list_collaborations(
        session, organization_id=identity.organization_id, filters=filters, page=page
    )


async def list_experiment_collaborations(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    status: CollaborationStatus | None,
    page: PageRequest,
) -> tuple[Sequence[Collaboration], str | None]:
    await experiments.get_experiment(session, identity=identity, experiment_id=experiment_id)
    filters = CollaborationFilters(experiment_id=experiment_id, status=status)
    return await repository.list_collaborations(
        session, organization_id=identity.organization_id, filters=filters, page=page
    )


async def _editable(
    session: AsyncSession,
    *,
    identity: Identity,
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    if_match: str | None,
) -> tuple[Collaboration, Experiment]:
    collaboration = await get_collaboration(
        session, identity=identity, partner_id=partner_id, collaboration_id=collaboration_id
    )
    check_if_match(if_match, collaboration.version)
    experiment = await experiments.get_experiment(session, identity=identity, experiment_id=collaboration.experiment_id)
    ensure_may_edit(identity, experiment)
    return collaboration, experiment


def _move(collaboration: Collaboration, target: CollaborationStatus, experiment: Experiment) -> None:
    allowed = TRANSITIONS[collaboration.status]
    if target not in allowed:
        raise Conflict(
            f"A {collaboration.status} collaboration cannot become {target}.",
            extra={"current_status": collaboration.status.value, "allowed": [status.value for status in allowed]},
        )
    if target is CollaborationStatus.ACTIVE:
        _ensure_experiment_open(experiment)
    collaboration.status = target


async def update_collaboration(
    session: AsyncSession,
    *,
    identity: Identity,
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    if_match: str | None,
    data: CollaborationUpdate,
) -> Collaboration:
    collaboration, experiment = await _editable(
        session, identity=identity, partner_id=partner_id, collaboration_id=collaboration_id, if_match=if_match
    )
    changes = data.changes()
    shared_data = _categories(data.shared_data) if data.shared_data is not None else collaboration.shared_data
    confidentiality = data.confidentiality or collaboration.confidentiality
    pointer = "/body/confidentiality" if "confidentiality" in changes else "/body/shared_data"
    _check_boundary(shared_data, confidentiality, pointer=pointer)
    starts_on = data.starts_on if "starts_on" in changes else collaboration.starts_on
    ends_on = data.ends_on if "ends_on" in changes else collaboration.ends_on
    _check_dates(starts_on, ends_on, pointer="/body/ends_on" if "ends_on" in changes else "/body/starts_on")
    if data.status is not None and data.status is not collaboration.status:
        _move(collaboration, data.status, experiment)
    for field in ("goals", "our_responsibilities", "their_responsibilities", "success_criteria"):
        if field in changes:
            setattr(collaboration, field, changes[field])
    collaboration.shared_data = shared_data
    collaboration.confidentiality = confidentiality
    collaboration.starts_on, collaboration.ends_on = starts_on, ends_on
    collaboration.version += 1
    collaboration.updated_at = utcnow()
    await session.flush()
    return collaboration


async def delete_collaboration(
    session: AsyncSession,
    *,
    identity: Identity,
    partner_id: uuid.UUID,
    collaboration_id: uuid.UUID,
    if_match: str | None,
) -> None:
    """Delete a proposed collaboration; one that became active is ended instead (409)."""
    collaboration, _ = await _editable(
        session, identity=identity, partner_id=partner_id, collaboration_id=collaboration_id, if_match=if_match
    )
    if collaboration.status is not CollaborationStatus.PROPOSED:
        raise Conflict(
            f"A {collaboration.status} collaboration is part of the experiment's record; only a proposed one "
            "can be deleted (set its status to ended instead).",
            extra={"current_status": collaboration.status.value},
        )
    await repository.delete(session, collaboration)
