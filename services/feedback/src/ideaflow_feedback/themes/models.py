"""The tables behind `/v1/themes`: themes, their index keys, and which theme each feedback item is in."""

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class Theme(Base):
    """A recurring need: the running centroid of its items' vectors, and a label people may rename.

    A merged theme stays as a tombstone (`merged_into_id`), so links and bookmarks to it resolve.
    """

    __tablename__ = "themes"
    __table_args__ = (
        Index("ix_themes_org_last_seen", "organization_id", "last_seen_at", "id"),
        Index("ix_themes_merged_into", "merged_into_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    label: Mapped[str] = mapped_column(String(200))
    # Set once a person renames the theme: the engine then never relabels it.
    label_fixed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once people rename, merge, split it or move items in or out: the engine never merges it.
    curated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    engine: Mapped[str] = mapped_column(String(40))
    centroid: Mapped[dict[str, float]] = mapped_column(JSON)
    item_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("themes.id"))
    first_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class ThemeIndexKey(Base):
    """The inverted index: a key (strong feature or hash bucket) → the themes whose centroid has it.

    `item_count` is copied here so the bounded candidate lookup takes the largest themes per key.
    """

    __tablename__ = "theme_index_keys"
    __table_args__ = (Index("ix_theme_index_keys_lookup", "organization_id", "engine", "key", "item_count"),)

    theme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    engine: Mapped[str] = mapped_column(String(40))
    item_count: Mapped[int] = mapped_column(default=0)


class ThemeAssignment(Base):
    """Which theme a feedback item is in, with its vector so moves and splits can recompute centroids.

    `pinned` marks a person's decision (a move or a split): the engine never reassigns a pinned item.
    """

    __tablename__ = "theme_assignments"
    __table_args__ = (
        Index("ix_theme_assignments_theme", "organization_id", "theme_id", "received_at"),
        Index("ix_theme_assignments_fingerprint", "organization_id", "fingerprint"),
        Index(
            "ix_theme_assignments_customer_theme",
            "customer_id",
            "theme_id",
            "received_at",
            "feedback_id",
            postgresql_include=["fingerprint"],
        ),
    )

    feedback_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("feedback_items.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    theme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("themes.id"))
    vector: Mapped[dict[str, float]] = mapped_column(JSON)
    similarity: Mapped[float] = mapped_column(Float)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # The normalised words of the text, hashed: the same customer saying the same thing twice, or a
    # CRM resending under a new id, has the same fingerprint.
    fingerprint: Mapped[str] = mapped_column(String(64))
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("feedback_items.id", ondelete="SET NULL")
    )
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The item's customer (its feedback_items.customer_id, kept in step when a repeat names another):
    # a customer's latest items in a theme are then one index range, however long their history.
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
