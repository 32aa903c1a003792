"""The rules for managing integrations (role `admin`) and reading their delivery log."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.integrations import repository
from ideaflow_feedback.integrations.models import Delivery, DeliveryOutcome, Integration, IntegrationType
from ideaflow_feedback.integrations.schemas import (
    DeliveryOrder,
    IntegrationCreate,
    IntegrationOrder,
    IntegrationPublic,
    IntegrationUpdate,
    check_standard_webhooks_secret,
)
from ideaflow_feedback.integrations.sealing import SecretBox, generate_secret
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound, UnprocessableContent

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class WithSecret:
    """An integration, and the secret generated for it just now (None when the caller chose it)."""

    integration: Integration
    generated_secret: str | None


def integration_url(integration_id: uuid.UUID) -> str:
    return f"/v1/integrations/{integration_id}"


def public(integration: Integration, *, secret: str | None = None) -> IntegrationPublic:
    return IntegrationPublic(
        id=integration.id,
        type=integration.type,
        name=integration.name,
        source=integration.source,
        enabled=integration.enabled,
        webhook_path=integration_url(integration.id) + "/webhook",
        secret=secret,
        secret_rotated_at=integration.secret_rotated_at,
        previous_secret_expires_at=previous_secret_expiry(integration, utcnow()),
        created_by=integration.created_by,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
        version=integration.version,
    )


def previous_secret_expiry(integration: Integration, now: dt.datetime) -> dt.datetime | None:
    """Until when the secret a rotation replaced is still accepted; None when it is not (any more)."""
    expires_at = integration.previous_secret_expires_at
    if integration.previous_sealed_secret is None or expires_at is None or expires_at <= now:
        return None
    return expires_at


def _ensure_admin(identity: Identity) -> None:
    if not identity.has_role(ADMIN_ROLE):
        raise Forbidden(f"Managing integrations needs the '{ADMIN_ROLE}' role.")


def _check_secret(integration_type: IntegrationType, secret: str) -> None:
    """A rotated secret must fit the sender's scheme; only Standard Webhooks prescribes a form."""
    if integration_type != IntegrationType.GENERIC:
        return
    try:
        check_standard_webhooks_secret(secret)
    except ValueError as invalid:
        raise UnprocessableContent.at("/body/secret", str(invalid)) from None


async def create_integration(
    session: AsyncSession, *, identity: Identity, box: SecretBox, data: IntegrationCreate
) -> WithSecret:
    _ensure_admin(identity)
    secret = data.secret or generate_secret(data.type)
    now = utcnow()
    integration_id = uuid.uuid4()
    integration = Integration(
        id=integration_id,
        organization_id=identity.organization_id,
        type=data.type,
        name=data.name,
        source=f"{data.type}-{integration_id.hex[:12]}",
        enabled=True,
        sealed_secret=box.seal(secret, integration_id=integration_id),
        created_by=identity.principal_id,
        created_at=now,
        updated_at=now,
        secret_rotated_at=now,
        version=1,
    )
    session.add(integration)
    await session.flush()
    return WithSecret(integration, None if data.secret else secret)


async def get_integration(session: AsyncSession, *, identity: Identity, integration_id: uuid.UUID) -> Integration:
    _ensure_admin(identity)
    integration = await repository.get_integration(
        session, organization_id=identity.organization_id, integration_id=integration_id
    )
    if integration is None:
        raise NotFound(f"No integration with id {integration_id} exists.")
    return integration


async def list_integrations(
    session: AsyncSession, *, identity: Identity, order: IntegrationOrder, page: PageRequest
) -> tuple[Sequence[Integration], str | None]:
    _ensure_admin(identity)
    return await repository.list_integrations(session, organization_id=identity.organization_id, order=order, page=page)


async def update_integration(
    session: AsyncSession,
    *,
    identity: Identity,
    box: SecretBox,
    integration_id: uuid.UUID,
    if_match: str | None,
    data: IntegrationUpdate,
) -> WithSecret:
    """Rename, enable/disable, or rotate the secret (given, or generated and shown once).

    A rotation with a grace period keeps the replaced secret, still sealed, until the period ends; a
    rotation without one forgets it, and any secret an earlier rotation kept, at once.
    """
    integration = await get_integration(session, identity=identity, integration_id=integration_id)
    check_if_match(if_match, integration.version)
    changes = data.changes()
    secret, generated = changes.pop("secret", None), None
    asks_grace = "previous_secret_grace_seconds" in changes
    grace = changes.pop("previous_secret_grace_seconds", 0)
    if changes.pop("generate_secret", False):
        if secret is not None:
            raise UnprocessableContent.at("/body/generate_secret", "Send a new secret or ask for one, not both.")
        secret = generated = generate_secret(integration.type)
    if secret is None and grace:
        raise UnprocessableContent.at(
            "/body/previous_secret_grace_seconds",
            "A grace period goes with a new secret; without one, only 0 (end the current grace period) is taken.",
        )
    now = utcnow()
    if secret is not None:
        _check_secret(integration.type, secret)
        integration.previous_sealed_secret = integration.sealed_secret if grace else None
        integration.previous_secret_expires_at = now + dt.timedelta(seconds=grace) if grace else None
        integration.sealed_secret = box.seal(secret, integration_id=integration.id)
        integration.secret_rotated_at = now
    elif asks_grace:
        integration.previous_sealed_secret = integration.previous_secret_expires_at = None
    for name, value in changes.items():
        setattr(integration, name, value)
    integration.updated_at = now
    integration.version += 1
    await session.flush()
    return WithSecret(integration, generated)


async def delete_integration(
    session: AsyncSession, *, identity: Identity, integration_id: uuid.UUID, if_match: str | None
) -> None:
    integration = await get_integration(session, identity=identity, integration_id=integration_id)
    check_if_match(if_match, integration.version)
    await repository.delete_integration(session, integration)


async def list_deliveries(
    session: AsyncSession,
    *,
    identity: Identity,
    integration_id: uuid.UUID,
    outcome: DeliveryOutcome | None,
    order: DeliveryOrder,
    page: PageRequest,
) -> tuple[Sequence[Delivery], str | None]:
    integration = await get_integration(session, identity=identity, integration_id=integration_id)
    return await repository.list_deliveries(
        session,
        organization_id=integration.organization_id,
        integration_id=integration.id,
        outcome=outcome,
        order=order,
        page=page,
    )


async def get_delivery(
    session: AsyncSession, *, identity: Identity, integration_id: uuid.UUID, delivery_id: uuid.UUID
) -> Delivery:
    integration = await get_integration(session, identity=identity, integration_id=integration_id)
    delivery = await repository.get_delivery(
        session, organization_id=integration.organization_id, integration_id=integration.id, delivery_id=delivery_id
    )
    if delivery is None:
        raise NotFound(f"Integration {integration_id} has no delivery with id {delivery_id}.")
    return delivery
