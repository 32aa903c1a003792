"""The table behind `/v1/feedback`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import Enum, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class FeedbackChannel(enum.StrEnum):
    """How the customer said it."""

    CRM = "crm"
    SUPPORT_TICKET = "support_ticket"
    EMAIL = "email"
    PHONE = "phone"
    SURVEY = "survey"
    INTERVIEW = "interview"
    SOCIAL = "social"
    IN_PERSON = "in_person"
    OTHER = "other"


class Feedback(Base):
    __tablename__ = "feedback_items"
    __table_args__ = (
        # The one rule that makes posting from a CRM safe to repeat: an item of a source is stored
        # once per organisation. NULL external ids are distinct on every backend, so unconstrained.
        UniqueConstraint("organization_id", "source", "external_id"),
        Index("ix_feedback_items_org_received", "organization_id", "received_at", "id"),
        Index("ix_feedback_items_org_created", "organization_id", "created_at", "id"),
        Index("ix_feedback_items_org_customer", "organization_id", "customer_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    # Stored as a plain string with a CHECK constraint, so a new channel is a one-line migration.
    channel: Mapped[FeedbackChannel] = mapped_column(
        Enum(
            FeedbackChannel,
            name="feedback_channel",
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda members: [member.value for member in members],
        )
    )
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
