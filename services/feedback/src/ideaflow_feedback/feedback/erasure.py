"""Erasing a customer's personal data from the feedback they gave (called by customer erasure)."""

import re
import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_shared.db import utcnow

MASK = "[erased]"


def mask(text: str, personal: list[str]) -> str:
    """`text` with every case-insensitive occurrence of each personal value replaced by the mask."""
    for value in sorted(personal, key=len, reverse=True):
        text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    return text


async def scrub_customer_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, customer_id: uuid.UUID, personal: list[str]
) -> None:
    """Drop the CRM reference from the customer's items and mask their personal data in the text.

    Stored idempotent responses that copied these items are deleted too: they would otherwise
    replay the customer's reference for up to a day.
    """
    statement = select(Feedback).where(Feedback.organization_id == organization_id, Feedback.customer_id == customer_id)
    now = utcnow()
    for item in (await session.scalars(statement)).all():
        item.customer_ref = None
        item.text = mask(item.text, personal)
        item.title = None if item.title is None else mask(item.title, personal)
        item.updated_at = now
        item.version += 1
    await session.flush()
    await session.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.organization_id == organization_id,
            idempotency_keys.c.body.contains(str(customer_id)),
        )
    )
