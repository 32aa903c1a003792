"""Signing secrets at rest: sealed with AES-GCM, because verifying an HMAC needs the secret itself.

The key comes from the `INTEGRATION_SECRETS_KEY` setting (or is derived from the internal token
secret); the integration's id is the associated data, so a sealed secret copied onto another
row does not open. Secrets never leave this module except to verify a signature, and the API
shows a generated one only in the answer that created it.
"""

import base64
import hashlib
import os
import secrets
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ideaflow_feedback.integrations.models import IntegrationType

_NONCE_BYTES = 12
STANDARD_WEBHOOKS_PREFIX = "whsec_"


class SecretBox:
    def __init__(self, key_material: str) -> None:
        self._aead = AESGCM(hashlib.sha256(key_material.encode()).digest())

    def seal(self, secret: str, *, integration_id: uuid.UUID) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), integration_id.bytes)

    def open(self, sealed: bytes, *, integration_id: uuid.UUID) -> str:
        """The secret; raises ValueError when the key changed or the row was tampered with."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], integration_id.bytes)
        except InvalidTag:
            raise ValueError("the sealed secret does not open with the configured key") from None
        return plain.decode()


def generate_secret(integration_type: IntegrationType) -> str:
    """A fresh secret in the form the sender expects (Standard Webhooks: `whsec_` + base64 of 32 bytes)."""
    if integration_type == IntegrationType.GENERIC:
        return STANDARD_WEBHOOKS_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(32)
