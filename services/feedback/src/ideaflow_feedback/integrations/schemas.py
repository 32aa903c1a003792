"""What `/v1/integrations` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_feedback.integrations.models import DeliveryOutcome, IntegrationType
from ideaflow_shared.types import NonBlank, PatchModel, ShortText

# Vendors issue the secrets they sign with (Zendesk's signing secret, HubSpot's and Intercom's
# client secret); for generic senders it is a Standard Webhooks `whsec_` secret.
Secret = Annotated[str, StringConstraints(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$"), NonBlank]


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "zendesk", "name": "Support desk", "secret": "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="},
                {"type": "generic", "name": "Shop backend"},
            ]
        },
    )

    type: IntegrationType = Field(description="The sender; decides the signature scheme and the payload mapping.")
    name: ShortText = Field(description="What people call it, e.g. `Support desk`.")
    secret: Secret | None = Field(
        default=None,
        description="The secret the sender signs with, as the vendor shows it (generic: `whsec_` + base64 of "
        "24-64 bytes). Omit it to have one generated and shown once, for senders that let you set theirs.",
    )


class IntegrationUpdate(PatchModel):
    """Rename, enable or disable, or rotate the secret: send the new one, or ask for one to be generated."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"enabled": False}, {"generate_secret": True}]}
    )

    name: ShortText | None = None
    enabled: bool | None = Field(default=None, description="A disabled integration refuses deliveries (409).")
    secret: Secret | None = Field(default=None, description="The sender's new secret; the old one stops working.")
    generate_secret: bool | None = Field(
        default=None, description="`true` replaces the secret with a generated one, shown once in this answer."
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


class WebhookReceipt(BaseModel):
    """What the sender is answered: one delivery per event the request carried."""

    deliveries: list[DeliveryPublic]


class DeliveryOrder(enum.StrEnum):
    RECEIVED_AT = "received_at"
    RECEIVED_AT_DESC = "-received_at"
