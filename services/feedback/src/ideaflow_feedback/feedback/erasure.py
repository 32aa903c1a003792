"""Erasing a customer's personal data from the feedback they gave and what was copied from it.

Called by customer erasure. Besides the items themselves: theme labels (the engine labels a new theme
with its first item's title or text, and people type labels) and the notes on idea links.
"""

import re
import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.evidence.models import IdeaLink
from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes.models import Theme
from ideaflow_shared.db import utcnow

MASK = "[erased]"


def mask(text: str, personal: list[str]) -> str:
    """`text` with every case-insensitive occurrence of each personal value replaced by the mask.

    A value is matched whole, not inside a longer word: erasing "Ada" leaves "Adaptive" alone (which
    matters in theme labels, masked across the organisation) but masks "Ada's".
    """
    for value in sorted(personal, key=len, reverse=True):
        before = r"(?<!\w)" if re.match(r"\w", value) else ""
        after = r"(?!\w)" if re.search(r"\w$", value) else ""
        text = re.sub(before + re.escape(value) + after, MASK, text, flags=re.IGNORECASE)
    return text


async def scrub_customer_feedback(
    session: AsyncSession, *, organization_id: uuid.UUID, customer_id: uuid.UUID, personal: list[str]
) -> Sequence[Feedback]:
    """Drop the CRM reference from the customer's items and mask their personal data in the text.

    Stored idempotent responses that copied these items are deleted too: they would otherwise
    replay the customer's reference for up to a day. Answers the items, as they now read.
    """
    statement = select(Feedback).where(Feedback.organization_id == organization_id, Feedback.customer_id == customer_id)
    now = utcnow()
    items = (await session.scalars(statement)).all()
    for item in items:
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
    return items


async def scrub_copies(session: AsyncSession, *, organization_id: uuid.UUID, personal: list[str]) -> None:
    """Mask the personal values in the organisation's theme labels and idea-link notes.

    Every label and note is read and masked here rather than filtered in SQL, since SQLite's
    case-insensitive matching knows ASCII only. Erasure is rare, and the rows are short.
    """
    if not personal:
        return
    now = utcnow()
    for model, name in ((Theme, "label"), (IdeaLink, "note")):
        table = cast(Table, model.__table__)
        rows = await session.execute(
            select(table.c.id, table.c[name]).where(table.c.organization_id == organization_id)
        )
        changed = [
            {"row_id": row_id, "masked": masked}
            for row_id, text in rows
            if text is not None and (masked := mask(text, personal)) != text
        ]
        if changed:
            await session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({name: bindparam("masked"), "version": table.c.version + 1, "updated_at": now}),
                changed,
            )
