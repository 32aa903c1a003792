"""Anonymity without a trace of the author: follow tokens and voter keys (see docs/anonymity.md).

- A follow token is 256 random bits handed to an anonymous submitter once. Only its SHA-256 is
  stored: a plain hash suffices because the token cannot be guessed, and it says nothing about
  who holds it.
- A voter key is an HMAC of (purpose, organisation, scope, principal) under a key that lives
  only in the process's secrets, never in the database. It keeps votes one per person while
  the tables alone cannot tell whose they are, nor link one person's votes across ideas.
"""

import hashlib
import hmac
import secrets
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from ideaflow_shared.identity import Identity

FOLLOW_TOKEN_PREFIX = "ift_"
FOLLOW_TOKEN_HEADER = "Follow-Token"
COMMENT_TOKEN_HEADER = "Comment-Token"
_VOTER_KEY_CONTEXT = b"ideaflow-ideas/voter-keys/v1"


def new_follow_token() -> str:
    return FOLLOW_TOKEN_PREFIX + secrets.token_urlsafe(32)


def follow_token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _token_header(name: str, description: str) -> Any:
    return Header(alias=name, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$", description=description)


FollowToken = Annotated[
    str | None,
    _token_header(
        FOLLOW_TOKEN_HEADER,
        "The follow token an anonymous submitter received with their idea; lets them act as its author.",
    ),
]
CommentToken = Annotated[
    str | None,
    _token_header(COMMENT_TOKEN_HEADER, "The token an anonymous comment's author received when posting it."),
]


class VoterKeys:
    """Derives the per-purpose, per-scope pseudonyms under which votes and dots are stored."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _VOTER_KEY_CONTEXT, hashlib.sha256).digest()

    def key_for(self, identity: Identity, *, purpose: str, scope_id: uuid.UUID) -> bytes:
        message = f"{purpose}\x1f{identity.organization_id}\x1f{scope_id}\x1f{identity.principal_id}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).digest()


async def _voter_keys(request: Request) -> VoterKeys:
    keys: VoterKeys | None = getattr(request.app.state, "voter_keys", None)
    if keys is None:
        keys = request.app.state.voter_keys = VoterKeys(request.app.state.settings.voter_secret)
    return keys


VoterKeysDep = Annotated[VoterKeys, Depends(_voter_keys)]
