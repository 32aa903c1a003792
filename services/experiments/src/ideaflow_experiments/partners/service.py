"""The rules for partner organisations.

Any member may record a partner; its author or a manager changes or deletes it. A partner with
collaborations is not deleted (409): they are part of the experiments' record.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.partners import repository
from ideaflow_experiments.partners.models import Partner
from ideaflow_experiments.partners.repository import PartnerFilters
from ideaflow_experiments.partners.schemas import PartnerCreate, PartnerOrder, PartnerUpdate
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, Forbidden, NotFound

EDITOR_ROLE = "manager"


async def create_partner(session: AsyncSession, *, identity: Identity, data: PartnerCreate) -> Partner:
    now = utcnow()
    partner = Partner(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        name=data.name,
        type=data.type,
        website=data.website,
        description=data.description,
        contacts=[contact.model_dump() for contact in data.contacts],
        created_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add(session, partner)
    await session.flush()
    return partner


async def get_partner(session: AsyncSession, *, identity: Identity, partner_id: uuid.UUID) -> Partner:
    partner = await repository.get_partner(session, organization_id=identity.organization_id, partner_id=partner_id)
    if partner is None:
        raise NotFound(f"No partner with id {partner_id} exists.")
    return partner


async def list_partners(
    session: AsyncSession, *, identity: Identity, filters: PartnerFilters, order: PartnerOrder, page: PageRequest
) -> tuple[Sequence[Partner], str | None]:
    return await repository.list_partners(
        session, organization_id=identity.organization_id, filters=filters, order=order, page=page
    )


def _ensure_may_edit(identity: Identity, partner: Partner) -> None:
    if partner.created_by != identity.principal_id and not identity.has_role(EDITOR_ROLE):
        raise Forbidden("Only the partner's author or a manager may change or delete it.")


async def update_partner(
    session: AsyncSession, *, identity: Identity, partner_id: uuid.UUID, if_match: str | None, data: PartnerUpdate
) -> Partner:
    partner = await get_partner(session, identity=identity, partner_id=partner_id)
    check_if_match(if_match, partner.version)
    _ensure_may_edit(identity, partner)
    changes = data.changes()
    for field in ("name", "type", "website", "description"):
        if field in changes:
            setattr(partner, field, changes[field])
    if data.contacts is not None:
        partner.contacts = [contact.model_dump() for contact in data.contacts]
    partner.version += 1
    partner.updated_at = utcnow()
    await session.flush()
    return partner


async def delete_partner(
    session: AsyncSession, *, identity: Identity, partner_id: uuid.UUID, if_match: str | None
) -> None:
    """Delete a partner without collaborations (409 naming how many it has otherwise)."""
    partner = await get_partner(session, identity=identity, partner_id=partner_id)
    check_if_match(if_match, partner.version)
    _ensure_may_edit(identity, partner)
    count = await repository.count_collaborations(
        session, organization_id=identity.organization_id, partner_id=partner.id
    )
    if count:
        raise Conflict(
            f"The partner has {count} collaboration(s), which are part of the experiments' record; "
            "delete the proposed ones first, or keep the partner.",
            extra={"collaborations": count},
        )
    try:
        async with session.begin_nested():  # a collaboration may have been added since the count above
            await repository.delete(session, partner)
    except IntegrityError:
        raise Conflict("A collaboration was just added to the partner, so it is kept.") from None
