"""The tables behind `/v1/learnings`.

A card stores no author and no field that could name a person: failures are analysed by
process (a cause category and what the process will change), never by who was involved.
"""

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class LearningKind(enum.StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    SURPRISE = "surprise"


class FailureCause(enum.StrEnum):
    """What in the process let the experiment fail or mislead: categories, never people."""

    WRONG_ASSUMPTION = "wrong_assumption"
    EXECUTION = "execution"
    MEASUREMENT = "measurement"
    EXTERNAL_CHANGE = "external_change"
    RESOURCES = "resources"


class LinkTarget(enum.StrEnum):
    EXPERIMENT = "experiment"
    ASSUMPTION = "assumption"


class Learning(Base):
    __tablename__ = "learnings"
    __table_args__ = (
        Index("ix_learnings_org_created", "organization_id", "created_at", "id"),
        Index("ix_learnings_org_kind_created", "organization_id", "kind", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    we_believed: Mapped[str] = mapped_column(Text)
    we_observed: Mapped[str] = mapped_column(Text)
    we_learned: Mapped[str] = mapped_column(Text)
    therefore_we_will: Mapped[str] = mapped_column(Text)
    kind: Mapped[LearningKind] = mapped_column(string_enum(LearningKind, "learning_kind"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    failure_cause: Mapped[FailureCause | None] = mapped_column(string_enum(FailureCause, "failure_cause"))
    process_change: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class LearningLink(Base):
    """A learning's link to an experiment or an assumption, by id (kept when the target is deleted)."""

    __tablename__ = "learning_links"
    __table_args__ = (Index("ix_learning_links_target", "organization_id", "target_kind", "target_id"),)

    learning_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("learnings.id", ondelete="CASCADE"), primary_key=True
    )
    target_kind: Mapped[LinkTarget] = mapped_column(string_enum(LinkTarget, "learning_link_target"), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
