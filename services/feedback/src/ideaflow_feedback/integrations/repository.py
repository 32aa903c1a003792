"""All SQL for integrations and their deliveries. Every query is scoped to one organisation,
except finding the integration a webhook names: the sender has no organisation but the integration's."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.integrations.models import Delivery, DeliveryOutcome, Integration, ReceivedEvent
from ideaflow_feedback.integrations.schemas import DeliveryOrder, IntegrationOrder
from ideaflow_shared.db import dialect_of, insert_skipping_duplicates
from ideaflow_shared.pagination import PageRequest, next_page, paginate


async def get_integration(
    session: AsyncSession, *, organization_id: uuid.UUID, integration_id: uuid.UUID
) -> Integration | None:
    return await session.scalar(
        select(Integration).where(Integration.organization_id == organization_id, Integration.id == integration_id)
    )


async def find_webhook_target(session: AsyncSession, *, integration_id: uuid.UUID) -> Integration | None:
    """The integration a webhook URL names, whatever its organisation: the URL carries no other."""
    return await session.get(Integration, integration_id)


async def list_integrations(
    session: AsyncSession, *, organization_id: uuid.UUID, order: IntegrationOrder, page: PageRequest
) -> tuple[Sequence[Integration], str | None]:
    statement = paginate(
        select(Integration).where(Integration.organization_id == organization_id),
        keys=[Integration.created_at, Integration.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda item: (item.created_at, item.id))


async def claim_event(
    session: AsyncSession, *, integration_id: uuid.UUID, event_id: str, delivery_id: uuid.UUID, now: dt.datetime
) -> uuid.UUID | None:
    """Record that `delivery_id` brought the event; if an earlier delivery did, return that one's id.

    The primary key decides, so of two concurrent deliveries of one event exactly one claims it.
    """
    row = {"integration_id": integration_id, "event_id": event_id, "delivery_id": delivery_id, "received_at": now}
    statement = insert_skipping_duplicates(dialect_of(session), ReceivedEvent, "integration_id", "event_id").values(row)
    if await session.scalar(statement.returning(ReceivedEvent.delivery_id)) is not None:
        return None
    return await session.scalar(
        select(ReceivedEvent.delivery_id).where(
            ReceivedEvent.integration_id == integration_id, ReceivedEvent.event_id == event_id
        )
    )


async def get_delivery(
    session: AsyncSession, *, organization_id: uuid.UUID, integration_id: uuid.UUID, delivery_id: uuid.UUID
) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(
            Delivery.organization_id == organization_id,
            Delivery.integration_id == integration_id,
            Delivery.id == delivery_id,
        )
    )


async def list_deliveries(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    integration_id: uuid.UUID,
    outcome: DeliveryOutcome | None,
    order: DeliveryOrder,
    page: PageRequest,
) -> tuple[Sequence[Delivery], str | None]:
    statement = select(Delivery).where(
        Delivery.organization_id == organization_id, Delivery.integration_id == integration_id
    )
    if outcome is not None:
        statement = statement.where(Delivery.outcome == outcome)
    statement = paginate(
        statement,
        keys=[Delivery.received_at, Delivery.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda item: (item.received_at, item.id))


async def delete_integration(session: AsyncSession, integration: Integration) -> None:
    """The integration with its delivery log; the feedback it brought stays."""
    await session.execute(delete(ReceivedEvent).where(ReceivedEvent.integration_id == integration.id))
    await session.execute(delete(Delivery).where(Delivery.integration_id == integration.id))
    await session.delete(integration)
    await session.flush()


async def delete_log_before(session: AsyncSession, *, before: dt.datetime, limit: int) -> None:
    """Delete the oldest deliveries and seen event ids received before `before`: at most `limit` of each."""
    old_deliveries = select(Delivery.id).where(Delivery.received_at < before).order_by(Delivery.received_at)
    await session.execute(delete(Delivery).where(Delivery.id.in_(old_deliveries.limit(limit))))
    old_events = (
        select(ReceivedEvent.integration_id, ReceivedEvent.event_id)
        .where(ReceivedEvent.received_at < before)
        .order_by(ReceivedEvent.received_at)
        .limit(limit)
    )
    await session.execute(
        delete(ReceivedEvent).where(tuple_(ReceivedEvent.integration_id, ReceivedEvent.event_id).in_(old_events))
    )
