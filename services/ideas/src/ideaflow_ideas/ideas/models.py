"""The tables behind `/v1/ideas`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaflow_ideas.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class IdeaStage(enum.StrEnum):
    SUBMITTED = "submitted"
    SCREENING = "screening"
    BACKLOG = "backlog"
    EXPERIMENTING = "experimenting"
    ADOPTED = "adopted"
    PARKED = "parked"
    REJECTED = "rejected"
    MERGED = "merged"


class IdeaCategory(enum.StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    PROCESS = "process"
    CUSTOMER_EXPERIENCE = "customer_experience"
    COST = "cost"
    WORKPLACE = "workplace"
    OTHER = "other"


def string_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """Stored as a plain string with a CHECK constraint, so a new value is a one-line migration."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (
        Index("ix_ideas_org_created", "organization_id", "created_at", "id"),
        # Lists filtered by stage (review queues) whatever their stage's share of the ideas.
        Index("ix_ideas_org_stage_created", "organization_id", "stage", "created_at", "id"),
        Index("ix_ideas_org_updated", "organization_id", "updated_at", "id"),
        Index("ix_ideas_org_author", "organization_id", "author_id", "created_at", "id"),
        Index("ix_ideas_org_challenge", "organization_id", "challenge_id", "created_at", "id"),
        Index("ix_ideas_follow_token_hash", "follow_token_hash", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text)
    expected_benefit: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[IdeaCategory] = mapped_column(string_enum(IdeaCategory, "idea_category"))
    stage: Mapped[IdeaStage] = mapped_column(string_enum(IdeaStage, "idea_stage"), default=IdeaStage.SUBMITTED)
    # None when the idea is anonymous: the author is then not stored in any form.
    author_id: Mapped[str | None] = mapped_column(String(200))
    # The author's department; an anonymous author may withhold it (see docs/anonymity.md).
    department: Mapped[str | None] = mapped_column(String(40))
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("challenges.id"))
    # Links only, never uploads: [{"url": ..., "title": ...}].
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # SHA-256 of the anonymous submitter's follow token; the token itself is shown once and not kept.
    follow_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    up_votes: Mapped[int] = mapped_column(default=0)
    dots: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Set by the stages package: the idea this one was merged into, and when a reviewer last answered it.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    last_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The first such answer, kept when later answers move last_response_at (time to first response).
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tag_rows: Mapped[list["IdeaTag"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IdeaTag.tag"
    )

    @property
    def anonymous(self) -> bool:
        return self.author_id is None

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class IdeaTag(Base):
    """One tag of one idea; a table of its own so that filtering by tag uses an index."""

    __tablename__ = "idea_tags"
    __table_args__ = (Index("ix_idea_tags_tag", "tag", "idea_id"),)

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
