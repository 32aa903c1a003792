"""All SQL for API keys. Every query but the key lookup is scoped to one organisation."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_gateway.api_keys.models import ApiKey
from ideaflow_shared.pagination import PageRequest, next_page, paginate

_ORDERING = "-created_at"


async def get_api_key(session: AsyncSession, *, organization_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.organization_id == organization_id, ApiKey.id == key_id))


async def find_active_key(session: AsyncSession, *, key_hash: str) -> ApiKey | None:
    """The unrevoked key with this hash, whatever its organisation: the caller is not known yet."""
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)))


async def list_api_keys(
    session: AsyncSession, *, organization_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ApiKey], str | None]:
    statement = paginate(
        select(ApiKey).where(ApiKey.organization_id == organization_id),
        keys=[ApiKey.created_at, ApiKey.id],
        descending=True,
        page=page,
        ordering=_ORDERING,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=_ORDERING, key_of=lambda key: (key.created_at, key.id))


def add_api_key(session: AsyncSession, api_key: ApiKey) -> None:
    session.add(api_key)
