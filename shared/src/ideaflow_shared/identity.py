"""The internal identity token: minted by the gateway, verified by every service."""

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from ideaflow_shared.problems import Forbidden, Unauthorized

INTERNAL_TOKEN_HEADER = "X-Ideaflow-Token"
TOKEN_ISSUER = "ideaflow-gateway"
TOKEN_AUDIENCE = "ideaflow-services"
TOKEN_TTL_SECONDS = 60
_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: their organisation, their principal id and their roles."""

    organization_id: uuid.UUID
    principal_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # The token that vouched for this identity, forwarded on calls to other services.
    token: str = field(default="", compare=False, repr=False)

    def has_role(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles


# Inbound CRM webhooks cannot carry an API key: the gateway passes `POST` requests on this path
# through unauthenticated, under the webhook-sender identity below, which vouches only that the
# request came through the gateway. The receiving service authenticates the sender itself, by the
# integration's signature, and takes the organisation from the integration.
WEBHOOK_PATH = re.compile(r"/v1/integrations/[^/]+/webhook")
WEBHOOK_SENDER_ROLE = "webhook-sender"
WEBHOOK_SENDER = Identity(
    organization_id=uuid.UUID(int=0), principal_id=WEBHOOK_SENDER_ROLE, roles=frozenset({WEBHOOK_SENDER_ROLE})
)


def mint_token(identity: Identity, secret: str, *, ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
        "org": str(identity.organization_id),
        "sub": identity.principal_id,
        "roles": sorted(identity.roles),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_token(token: str, secret: str) -> Identity:
    """Return the token's identity, or raise Unauthorized saying why not."""
    return _verify(token, secret)[0]


def _verify(token: str, secret: str) -> tuple[Identity, int]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            issuer=TOKEN_ISSUER,
            options={"require": ["exp", "iat", "org", "sub"]},
        )
        identity = Identity(
            organization_id=uuid.UUID(claims["org"]),
            principal_id=str(claims["sub"]),
            roles=frozenset(str(role) for role in claims.get("roles", [])),
            token=token,
        )
        return identity, int(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The internal identity token has expired.") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("The internal identity token is invalid.") from None


class TokenVerifier:
    """`verify_token` with a memory of tokens already verified, kept until they expire.

    The gateway reuses one token per API key for half a minute, so almost every request carries a
    token this process has seen: a dictionary lookup instead of an HMAC and two JSON documents.
    """

    def __init__(self, secret: str, *, max_entries: int = 10_000) -> None:
        self._secret = secret
        self._max_entries = max_entries
        self._verified: dict[str, tuple[Identity, int]] = {}

    def verify(self, token: str) -> Identity:
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        identity, expires = _verify(token, self._secret)
        if len(self._verified) >= self._max_entries:
            self._verified.clear()
        self._verified[token] = (identity, expires)
        return identity


# Dependencies here and in the services are `async def` even with nothing to await: FastAPI runs a
# plain function in a worker thread, which costs more per request than the function itself.
async def _current_identity(request: Request) -> Identity:
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is None:  # only on routes the auth middleware exempts
        raise Unauthorized("This request carries no identity.")
    return identity


CurrentIdentity = Annotated[Identity, Depends(_current_identity)]


def require_role(role: str) -> Any:
    """Dependency that refuses callers without `role` (admins have every role)."""

    async def check(identity: CurrentIdentity) -> Identity:
        if not identity.has_role(role):
            raise Forbidden(f"This operation needs the '{role}' role.")
        return identity

    return Depends(check)
