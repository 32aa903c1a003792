"""The tables behind `/v1/feedback`: the items, and those of them waiting for a theme."""

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
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


class FeedbackKind(enum.StrEnum):
    """What sort of thing the customer said; suggested from the text when the sender gives none."""

    REQUEST = "request"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    QUESTION = "question"
    BUG = "bug"
    OTHER = "other"


class FeedbackStatus(enum.StrEnum):
    """Where the item is in the loop; the allowed moves are `status.TRANSITIONS`."""

    NEW = "new"
    TRIAGED = "triaged"
    LINKED = "linked"
    ADDRESSED = "addressed"
    LOOP_CLOSED = "loop_closed"
    ARCHIVED = "archived"
    SPAM = "spam"
    MERGED = "merged"
    """Folded into the item `merged_into_id` names, as a near-duplicate of it; for good."""


class SentimentLabel(enum.StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as a plain string with a CHECK constraint, so a new value is a one-line migration.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class Feedback(Base):
    __tablename__ = "feedback_items"
    __table_args__ = (
        # The one rule that makes posting from a CRM safe to repeat: an item of a source is stored
        # once per organisation. NULL external ids are distinct on every backend, so unconstrained.
        UniqueConstraint("organization_id", "source", "external_id"),
        Index("ix_feedback_items_org_received", "organization_id", "received_at", "id"),
        Index("ix_feedback_items_org_created", "organization_id", "created_at", "id"),
        Index("ix_feedback_items_org_customer", "organization_id", "customer_ref"),
        Index("ix_feedback_items_customer", "customer_id"),
        Index("ix_feedback_items_merged_into", "merged_into_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[FeedbackChannel] = mapped_column(_enum(FeedbackChannel, "feedback_channel"))
    # The customer's id in the source, copied from the sender; erasure nulls it with the customer.
    customer_ref: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("customers.id"))
    kind: Mapped[FeedbackKind] = mapped_column(_enum(FeedbackKind, "feedback_kind"), default=FeedbackKind.OTHER)
    kind_suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_area: Mapped[str | None] = mapped_column(String(40))
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_label: Mapped[SentimentLabel] = mapped_column(
        _enum(SentimentLabel, "sentiment_label"), default=SentimentLabel.NEUTRAL
    )
    status: Mapped[FeedbackStatus] = mapped_column(_enum(FeedbackStatus, "feedback_status"), default=FeedbackStatus.NEW)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("feedback_items.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class ThemePending(Base):
    """A stored item the background theme assigner (`themes.assigner`) has yet to put in a theme.

    Ingest queues new items here instead of assigning them inside the request; `position` keeps the
    order they arrived in, which the engine's choices depend on. The row goes in the transaction that
    assigns the item.
    """

    __tablename__ = "theme_pending"
    __table_args__ = (Index("ix_theme_pending_org_position", "organization_id", "position"),)

    # SQLite numbers only an INTEGER primary key by itself.
    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    feedback_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("feedback_items.id", ondelete="CASCADE"))
