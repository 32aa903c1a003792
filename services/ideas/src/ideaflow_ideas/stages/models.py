"""The history of an idea's stages: one row per move, never changed afterwards."""

import datetime as dt
import uuid

from sqlalchemy import Enum, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_ideas.db import Base
from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_shared.db import UTCDateTime, utcnow


def _stage(name: str) -> Enum:
    # Stored like `ideas.stage`: a plain string with a CHECK constraint.
    return Enum(
        IdeaStage,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class StageChange(Base):
    """One move of one idea. Only the actor's role is kept: naming who moved an idea is not
    needed to explain it to the submitter, and an anonymous author must never appear here."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_idea_at", "idea_id", "changed_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    from_stage: Mapped[IdeaStage] = mapped_column(_stage("from_stage"))
    to_stage: Mapped[IdeaStage] = mapped_column(_stage("to_stage"))
    actor_role: Mapped[str] = mapped_column(String(40))
    rationale: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
