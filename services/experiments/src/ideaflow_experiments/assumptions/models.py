"""The table behind `/v1/assumptions`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import Index, SmallInteger, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class AssumptionKind(enum.StrEnum):
    DESIRABILITY = "desirability"
    FEASIBILITY = "feasibility"
    VIABILITY = "viability"


class AssumptionStatus(enum.StrEnum):
    UNTESTED = "untested"
    SUPPORTED = "supported"
    REFUTED = "refuted"
    UNCLEAR = "unclear"


def risk_score(*, importance: int, evidence: int) -> int:
    """importance * (6 - evidence), from 1 to 25: important assumptions with little evidence rank first."""
    return importance * (6 - evidence)


class Assumption(Base):
    __tablename__ = "assumptions"
    __table_args__ = (
        Index("ix_assumptions_org_created", "organization_id", "created_at", "id"),
        Index("ix_assumptions_org_risk", "organization_id", "risk_score", "id"),
        Index("ix_assumptions_org_idea_risk", "organization_id", "idea_id", "risk_score", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # An idea of the ideas service; that service owns it, so there is no foreign key.
    idea_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    statement: Mapped[str] = mapped_column(Text)
    kind: Mapped[AssumptionKind] = mapped_column(string_enum(AssumptionKind, "assumption_kind"))
    importance: Mapped[int] = mapped_column(SmallInteger)
    evidence: Mapped[int] = mapped_column(SmallInteger)
    # Kept with the row (see `risk_score`) so the risk ranking is an indexed keyset walk.
    risk_score: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[AssumptionStatus] = mapped_column(
        string_enum(AssumptionStatus, "assumption_status"), default=AssumptionStatus.UNTESTED
    )
    # The decided experiment whose outcome set `status`: the link to the evidence.
    evidence_experiment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
