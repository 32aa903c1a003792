"""The tables behind `/v1/experiments` and their amendment records."""

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class ExperimentType(enum.StrEnum):
    PROTOTYPE = "prototype"
    SMOKE_TEST = "smoke_test"
    CONCIERGE = "concierge"
    WIZARD_OF_OZ = "wizard_of_oz"
    AB_TEST = "ab_test"
    PILOT = "pilot"
    PROCESS_TRIAL = "process_trial"
    PRICING_TEST = "pricing_test"
    CUSTOMER_INTERVIEWS = "customer_interviews"
    SURVEY = "survey"
    OTHER = "other"


class ExperimentStatus(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    CONCLUDED = "concluded"
    DECIDED = "decided"
    CANCELLED = "cancelled"


# Until it is concluded (or cancelled), an experiment past its planned end has overrun its time box.
OPEN_STATUSES = (ExperimentStatus.DRAFT, ExperimentStatus.RUNNING)


class Experiment(Base):
    __tablename__ = "experiments"
    __table_args__ = (
        Index("ix_experiments_org_created", "organization_id", "created_at", "id"),
        Index("ix_experiments_org_updated", "organization_id", "updated_at", "id"),
        Index("ix_experiments_org_idea", "organization_id", "idea_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # An idea of the ideas service; that service owns it, so there is no foreign key.
    idea_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The experiment whose pivot opened this one, if any.
    parent_experiment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    test_description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[ExperimentType] = mapped_column(string_enum(ExperimentType, "experiment_type"))
    status: Mapped[ExperimentStatus] = mapped_column(
        string_enum(ExperimentStatus, "experiment_status"), default=ExperimentStatus.DRAFT
    )
    owner_id: Mapped[str] = mapped_column(String(200))
    # Principal ids of the people running it with the owner.
    team: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Ids of the idea's assumptions this experiment tests; a decision sets their status.
    assumption_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    planned_start_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    concluded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    # Set by the first amendment after the start, so every read (and the verdict) can say so.
    amended_after_start: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Amounts in the currency's minor unit (cents), so sums are exact on every backend.
    budget_planned_amount: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    # The sum of the cost entries, kept here so reads and the over-budget filter need no aggregate.
    budget_spent_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @property
    def overdue(self) -> bool:
        """Still open after its planned end: the time box has overrun."""
        return self.status in OPEN_STATUSES and self.planned_end_at is not None and self.planned_end_at < utcnow()

    @property
    def over_budget(self) -> bool:
        return self.budget_planned_amount is not None and self.budget_spent_amount > self.budget_planned_amount


class ExperimentAmendment(Base):
    """A change to a pre-registered part of a started experiment: what, why, who and when."""

    __tablename__ = "experiment_amendments"
    __table_args__ = (Index("ix_experiment_amendments_experiment", "experiment_id", "amended_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    experiment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiments.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text)
    # {field: {"from": old, "to": new}} for every value the amendment changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    amended_by: Mapped[str] = mapped_column(String(200))
    amended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
