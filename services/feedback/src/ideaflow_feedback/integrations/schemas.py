"""What `/v1/integrations` accepts and answers."""

import datetime as dt
import enum
import re
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationInfo, field_validator

from ideaflow_feedback.integrations.models import DeliveryOutcome, IntegrationType
from ideaflow_shared.types import NonBlank, PatchModel, ShortText, WholeNumber

# Vendors issue the secrets they sign with (Zendesk's signing secret, HubSpot's and Intercom's
# client secret): opaque printable text.
VendorSecret = Annotated[str, StringConstraints(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$"), NonBlank]
# Standard Webhooks: `whsec_` + base64 (padded or not) of 24 to 64 random bytes.
STANDARD_WEBHOOKS_SECRET = (
    r"^whsec_(?:[A-Za-z0-9+/]{4}){8,21}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$"
)


MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "zendesk", "name": "Support desk", "secret": "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="},
                {"type": "generic", "name": "Shop backend"},
            ],
            # What `_generic_secret` checks, for clients and generated requests.
            "if": {"properties": {"type": {"const": "generic"}}, "required": ["type", "secret"]},
            "then": {"properties": {"secret": {"pattern": STANDARD_WEBHOOKS_SECRET}}},
        },
    )

    type: IntegrationType = Field(description="The sender; decides the signature scheme and the payload mapping.")
    name: ShortText = Field(description="What people call it, e.g. `Support desk`.")
    secret: VendorSecret | None = Field(
        default=None,
        description="The secret the sender signs with: Zendesk's webhook signing secret, HubSpot's or Intercom's "
        "app client secret; for generic, a Standard Webhooks secret (`whsec_` + base64 of 24-64 bytes). Omit it "
        "to have one generated and shown once, for senders that let you set theirs.",
    )

    @field_validator("secret")
    @classmethod
    def _generic_secret(cls, secret: str | None, info: ValidationInfo) -> str | None:
        if secret is not None and info.data.get("type") == IntegrationType.GENERIC:
            check_standard_webhooks_secret(secret)
        return secret


def check_standard_webhooks_secret(secret: str) -> None:
    if not re.fullmatch(STANDARD_WEBHOOKS_SECRET, secret):
        raise ValueError("a generic (Standard Webhooks) secret is 'whsec_' + base64 of 24-64 bytes")


class IntegrationUpdate(PatchModel):
    """Rename, enable or disable, or rotate the secret: send the new one, or ask for one to be generated."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"enabled": False},
                {"generate_secret": True},
                {"generate_secret": True, "previous_secret_grace_seconds": 86400},
                {"previous_secret_grace_seconds": 0},
            ]
        },
    )

    name: ShortText | None = None
    enabled: StrictBool | None = Field(default=None, description="A disabled integration refuses deliveries (409).")
    secret: VendorSecret | None = Field(
        default=None,
        description="The sender's new secret (generic: a `whsec_` secret). The old one stops working at once, "
        "unless `previous_secret_grace_seconds` keeps it a while.",
    )
    generate_secret: StrictBool | None = Field(
        default=None, description="`true` replaces the secret with a generated one, shown once in this answer."
    )
    previous_secret_grace_seconds: Annotated[int, Field(ge=0, le=MAX_SECRET_GRACE_SECONDS), WholeNumber] | None = Field(
        default=None,
        description="With a new secret: how long the replaced one is still accepted (at most 7 days), so "
        "deliveries signed before the sender switched still arrive; each delivery tells which secret it "
        "was signed with. Omitted or 0: the old secret stops working at once (a leaked secret). Without a new "
        "secret, only 0 is taken: it ends the grace period of the secret replaced last, now.",
    )


class IntegrationPublic(BaseModel):
    id: uuid.UUID
    type: IntegrationType
    name: str
    source: str = Field(
        description="The `source` of the feedback and customers it posts (filter `/v1/feedback?source=` by it)."
    )
    enabled: bool
    webhook_path: str = Field(description="Where the sender posts, relative to the gateway's public URL.")
    secret: str | None = Field(
        default=None,
        description="Only in the answer that generated the secret: store it now, it is never shown again "
        "(an Idempotency-Key replay omits it too; rotate it if it was lost).",
    )
    secret_rotated_at: dt.datetime
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until when deliveries signed with the secret replaced last are still accepted; null when "
        "none is (no grace period was asked for, or it has ended)."
    )
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class IntegrationOrder(enum.StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    integration_id: uuid.UUID
    received_at: dt.datetime
    outcome: DeliveryOutcome = Field(
        description="`accepted` (stored), `duplicate` (an event already delivered: nothing new stored), "
        "`ignored` (authentic but carries nothing to store) or `rejected` (see `reason`)."
    )
    reason: str | None = Field(description="Why it was ignored or rejected.")
    signature_valid: bool | None = Field(
        description="Whether the signature matched; null when the request was refused before it could be checked."
    )
    status_code: int = Field(description="The HTTP status the sender was answered with.")
    event_id: str | None = Field(description="The sender's id of the event (what a retry repeats).")
    event_type: str | None = Field(description="The sender's event type or topic, e.g. `ticket.propertyChange`.")
    duplicate_of: uuid.UUID | None = Field(description="For a duplicate: the delivery that first brought the event.")
    feedback_id: uuid.UUID | None = Field(description="The feedback item created or updated.")
    feedback_outcome: str | None = Field(description="`created`, `updated` or `unchanged`.")
    customer_id: uuid.UUID | None = Field(description="The customer the event named.")
    body_bytes: int = Field(description="The request body's size; bodies themselves are never kept.")
    body_sha256: str = Field(description="Hex SHA-256 of the request body, to match it with the sender's log.")
    signed_with_previous_secret: bool = Field(
        description="Signed with the secret a rotation replaced, during its grace period: the sender has not "
        "switched to the new secret yet."
    )


class WebhookReceipt(BaseModel):
    """What the sender is answered: one delivery per event the request carried."""

    deliveries: list[DeliveryPublic]


class DeliveryOrder(enum.StrEnum):
    RECEIVED_AT = "received_at"
    RECEIVED_AT_DESC = "-received_at"
