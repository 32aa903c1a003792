"""The rules for API keys: how they are made, recognised and revoked."""

import hashlib
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_gateway.api_keys import repository
from ideaflow_gateway.api_keys.models import ApiKey
from ideaflow_gateway.api_keys.schemas import ApiKeyCreate
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound

KEY_PREFIX = "ifk_"
_DISPLAY_LENGTH = 12


def hash_key(secret: str) -> str:
    """Keys carry 256 random bits, so a plain SHA-256 is enough to make the stored value useless."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, *, organization_id: uuid.UUID, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """A new key for the organisation; the secret is returned here and never stored."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = uuid.uuid4()
    api_key = ApiKey(
        id=key_id,
        organization_id=organization_id,
        principal_id=data.principal_id or f"api-key:{key_id}",
        name=data.name,
        roles=sorted(set(data.roles)),
        key_hash=hash_key(secret),
        prefix=secret[:_DISPLAY_LENGTH],
        created_at=utcnow(),
        revoked_at=None,
        version=1,
    )
    repository.add_api_key(session, api_key)
    await session.flush()
    return api_key, secret


async def get_api_key(session: AsyncSession, *, organization_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    api_key = await repository.get_api_key(session, organization_id=organization_id, key_id=key_id)
    if api_key is None:
        raise NotFound(f"No API key with id {key_id} exists.")
    return api_key


async def list_api_keys(
    session: AsyncSession, *, organization_id: uuid.UUID, page: PageRequest
) -> tuple[Sequence[ApiKey], str | None]:
    return await repository.list_api_keys(session, organization_id=organization_id, page=page)


async def revoke_api_key(
    session: AsyncSession, *, organization_id: uuid.UUID, key_id: uuid.UUID, if_match: str | None
) -> None:
    """Stop a key from working (within the gateway's key cache time); the record stays for audit."""
    api_key = await get_api_key(session, organization_id=organization_id, key_id=key_id)
    check_if_match(if_match, api_key.version)
    if api_key.revoked_at is not None:
        raise Conflict("This API key is already revoked.")
    api_key.revoked_at = utcnow()
    api_key.version += 1
    await session.flush()


async def find_active_key(session: AsyncSession, *, secret: str) -> ApiKey | None:
    if not secret.startswith(KEY_PREFIX):
        return None
    return await repository.find_active_key(session, key_hash=hash_key(secret))
