"""Who is calling: API keys in, internal identity tokens out, both cached off the hot path.

A verified key is remembered for `api_key_cache_seconds`, so a revoked key keeps working for at
most that long. The internal token minted for it lives 60 s and is re-minted once less than
30 s remain, so a service never receives a token about to expire in flight.
"""

import asyncio
import math
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ideaflow_gateway.api_keys import service
from ideaflow_shared.identity import TOKEN_TTL_SECONDS, WEBHOOK_SENDER, Identity, mint_token

_REMINT_BEFORE_EXPIRY_SECONDS = 30
_MAX_CACHED_KEYS = 10_000
_BEARER = "bearer "


@dataclass(slots=True)
class Caller:
    """An authenticated caller: their identity and the internal token that vouches for it."""

    identity: Identity
    token: str
    token_fresh_until: float
    verified_until: float


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key from `X-API-Key`, or from `Authorization: Bearer`."""
    bearer = None
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip() or None
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[: len(_BEARER)].lower() == _BEARER:
                bearer = text[len(_BEARER) :].strip() or None
    return bearer


class Authenticator:
    def __init__(self, *, token_secret: str, cache_seconds: float) -> None:
        self._token_secret = token_secret
        self._cache_seconds = cache_seconds
        self._cache: dict[str, Caller] = {}
        # One database lookup per key at a time: when a cached key expires under load, the
        # concurrent requests that carry it all wait for that one lookup instead of each making one.
        self._lookups: dict[str, asyncio.Future[Caller | None]] = {}
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None  # set in lifespan
        # Webhook senders carry no key: one caller, never re-verified, whose token is re-minted alike.
        self._webhook_sender = Caller(identity=WEBHOOK_SENDER, token="", token_fresh_until=0.0, verified_until=math.inf)

    def webhook_sender_token(self) -> str:
        """The internal token for an inbound webhook, which carries no API key."""
        return self._with_fresh_token(self._webhook_sender, time.monotonic()).token

    async def authenticate(self, key: str) -> Caller | None:
        """The caller this key belongs to, or None for an unknown or revoked key."""
        now = time.monotonic()
        caller = self._cache.get(key)
        if caller is None or caller.verified_until <= now:
            caller = await self._verify_once(key, now)
            if caller is None:
                return None
        return self._with_fresh_token(caller, now)

    def recently_verified(self, key: str) -> Caller | None:
        """The caller, if this key was verified within the cache time; None when it needs a lookup."""
        now = time.monotonic()
        caller = self._cache.get(key)
        if caller is None or caller.verified_until <= now:
            return None
        return self._with_fresh_token(caller, now)

    def _with_fresh_token(self, caller: Caller, now: float) -> Caller:
        if caller.token_fresh_until <= now:
            caller.token = mint_token(caller.identity, self._token_secret)
            caller.token_fresh_until = now + TOKEN_TTL_SECONDS - _REMINT_BEFORE_EXPIRY_SECONDS
        return caller

    async def _verify_once(self, key: str, now: float) -> Caller | None:
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.ensure_future(self._verify(key, now))
            self._lookups[key] = lookup
            lookup.add_done_callback(lambda _: self._lookups.pop(key, None))
        return await asyncio.shield(lookup)

    async def _verify(self, key: str, now: float) -> Caller | None:
        assert self.sessionmaker is not None, "the gateway's lifespan has not started"
        async with self.sessionmaker() as session:
            api_key = await service.find_active_key(session, secret=key)
        if api_key is None:
            self._cache.pop(key, None)
            return None
        identity = Identity(
            organization_id=api_key.organization_id, principal_id=api_key.principal_id, roles=frozenset(api_key.roles)
        )
        previous = self._cache.get(key)
        caller = Caller(
            identity=identity,
            token=previous.token if previous and previous.identity == identity else "",
            token_fresh_until=previous.token_fresh_until if previous and previous.identity == identity else 0.0,
            verified_until=now + self._cache_seconds,
        )
        if len(self._cache) >= _MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[key] = caller
        return caller
