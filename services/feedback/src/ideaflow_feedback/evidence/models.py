"""The table behind `/v1/feedback/ideas/links`: feedback items or whole themes linked to ideas."""

import datetime as dt
import enum
import uuid

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class Importance(enum.StrEnum):
    """How much the linked feedback matters to the idea; weighs demand (1, 2, 3)."""

    NICE_TO_HAVE = "nice_to_have"
    IMPORTANT = "important"
    CRITICAL = "critical"


IMPORTANCE_WEIGHT = {Importance.NICE_TO_HAVE: 1, Importance.IMPORTANT: 2, Importance.CRITICAL: 3}


class IdeaLink(Base):
    """One feedback item, or one whole theme (its items now and later), as evidence for an idea.

    The idea lives in the ideas service: `idea_id` was checked there when the link was made.
    """

    __tablename__ = "idea_links"
    __table_args__ = (
        UniqueConstraint("organization_id", "idea_id", "feedback_id"),
        UniqueConstraint("organization_id", "idea_id", "theme_id"),
        CheckConstraint("(feedback_id IS NULL) <> (theme_id IS NULL)", name="one_target"),
        Index("ix_idea_links_org_idea", "organization_id", "idea_id"),
        Index("ix_idea_links_org_created", "organization_id", "created_at", "id"),
        # A theme merge moves the merged theme's links.
        Index("ix_idea_links_theme", "theme_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    idea_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    feedback_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("feedback_items.id", ondelete="CASCADE"))
    theme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("themes.id", ondelete="CASCADE"))
    importance: Mapped[Importance] = mapped_column(
        Enum(
            Importance,
            name="idea_link_importance",
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda members: [member.value for member in members],
        )
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
