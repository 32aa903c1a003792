"""The table behind `/v1/experiments/{id}/decision`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class DecisionKind(enum.StrEnum):
    PERSEVERE = "persevere"
    PIVOT = "pivot"
    SCALE = "scale"
    KILL = "kill"


class Decision(Base):
    """What was decided after an experiment, by whom and why; one per experiment."""

    __tablename__ = "decisions"
    # The programme view counts an organisation's decisions of a period.
    __table_args__ = (Index("ix_decisions_org_decided_at", "organization_id", "decided_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experiments.id", ondelete="CASCADE"), unique=True
    )
    decision: Mapped[DecisionKind] = mapped_column(string_enum(DecisionKind, "decision_kind"))
    rationale: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The computed verdict when the decision was taken (validated, invalidated, …).
    verdict_outcome: Mapped[str] = mapped_column(String(32))
    # {assumption id: status} as the decision set them.
    assumption_outcomes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    follow_up_experiment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
