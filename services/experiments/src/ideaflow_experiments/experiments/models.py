"""The table behind `/v1/experiments`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import Enum, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base
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


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint, so new values are a one-line migration.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


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
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    test_description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[ExperimentType] = mapped_column(_enum(ExperimentType, "experiment_type"))
    status: Mapped[ExperimentStatus] = mapped_column(
        _enum(ExperimentStatus, "experiment_status"), default=ExperimentStatus.DRAFT
    )
    owner_id: Mapped[str] = mapped_column(String(200))
    planned_start_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
