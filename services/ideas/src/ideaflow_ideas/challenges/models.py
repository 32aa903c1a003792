"""The tables behind `/v1/challenges`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaflow_ideas.db import Base
from ideaflow_ideas.ideas.models import string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class ChallengePhase(enum.StrEnum):
    DRAFT = "draft"
    IDEATION = "ideation"
    EVALUATION = "evaluation"
    CLOSED = "closed"


class ChallengeAudience(enum.StrEnum):
    ORGANIZATION = "organization"
    DEPARTMENTS = "departments"
    PARTNERS = "partners"


class Challenge(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        Index("ix_challenges_org_created", "organization_id", "created_at", "id"),
        Index("ix_challenges_org_phase", "organization_id", "phase", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    focus_question: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[ChallengeAudience] = mapped_column(string_enum(ChallengeAudience, "challenge_audience"))
    # The departments invited when the audience is `departments`; empty otherwise.
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    dot_budget: Mapped[int] = mapped_column(default=10)
    dots_per_idea_cap: Mapped[int] = mapped_column(default=3)
    phase: Mapped[ChallengePhase] = mapped_column(
        string_enum(ChallengePhase, "challenge_phase"), default=ChallengePhase.DRAFT
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    phase_changes: Mapped[list["ChallengePhaseChange"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ChallengePhaseChange.changed_at"
    )


class ChallengePhaseChange(Base):
    """One move of a challenge's phase, kept for good: who (by principal: managers act in the
    open), from, to, why and when."""

    __tablename__ = "challenge_phase_changes"
    __table_args__ = (Index("ix_challenge_phase_changes_challenge", "challenge_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    from_phase: Mapped[ChallengePhase] = mapped_column(string_enum(ChallengePhase, "from_phase"))
    to_phase: Mapped[ChallengePhase] = mapped_column(string_enum(ChallengePhase, "to_phase"))
    actor_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
