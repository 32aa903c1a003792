"""The tables behind `/v1/integrations`: integrations, their deliveries, and the events seen."""

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_feedback.feedback.models import _enum
from ideaflow_shared.db import UTCDateTime, utcnow


class IntegrationType(enum.StrEnum):
    """The sender, which decides the signature scheme and the payload's shape."""

    GENERIC = "generic"
    ZENDESK = "zendesk"
    HUBSPOT = "hubspot"
    INTERCOM = "intercom"


class DeliveryOutcome(enum.StrEnum):
    """What became of one delivered event."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"


class Integration(Base):
    """A registered sender. Its signing secret is stored sealed (see `integrations.secrets`)."""

    __tablename__ = "integrations"
    __table_args__ = (
        UniqueConstraint("organization_id", "source"),
        Index("ix_integrations_org_created", "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[IntegrationType] = mapped_column(_enum(IntegrationType, "integration_type"))
    name: Mapped[str] = mapped_column(String(200))
    # The `source` of the feedback and customers it posts: type plus a piece of the id, so two
    # accounts of the same vendor never overwrite each other's tickets.
    source: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary(512))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The secret a rotation replaced, still accepted until `previous_secret_expires_at` (the grace
    # period a rotation asked for), so deliveries the sender signed before it switched still arrive.
    previous_sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary(512))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)


class Delivery(Base):
    """One event an integration delivered (or one refused request), for people to inspect.

    Bodies are never kept, verified or not: only their size and SHA-256, so a delivery can be
    matched with the sender's own log without storing personal data twice.
    """

    __tablename__ = "integration_deliveries"
    __table_args__ = (
        Index("ix_integration_deliveries_received", "integration_id", "received_at", "id"),
        # The retention sweep deletes the oldest deliveries of every integration.
        Index("ix_integration_deliveries_received_at", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    integration_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("integrations.id", ondelete="CASCADE"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[DeliveryOutcome] = mapped_column(_enum(DeliveryOutcome, "delivery_outcome"))
    reason: Mapped[str | None] = mapped_column(String(500))
    signature_valid: Mapped[bool | None] = mapped_column(Boolean)
    status_code: Mapped[int] = mapped_column(SmallInteger)
    event_id: Mapped[str | None] = mapped_column(String(200))
    event_type: Mapped[str | None] = mapped_column(String(100))
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    feedback_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    feedback_outcome: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    body_bytes: Mapped[int] = mapped_column(Integer)
    body_sha256: Mapped[str] = mapped_column(String(64))
    signed_with_previous_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReceivedEvent(Base):
    """The vendor event ids an integration has delivered: the primary key makes a replay lose the race."""

    __tablename__ = "integration_events"
    __table_args__ = (Index("ix_integration_events_received_at", "received_at"),)

    integration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("integrations.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
