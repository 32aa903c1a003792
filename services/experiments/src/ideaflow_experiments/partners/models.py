"""The tables behind `/v1/partners` and `/v1/partners/{id}/collaborations`."""

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class PartnerType(enum.StrEnum):
    UNIVERSITY_OR_RESEARCH_CENTRE = "university_or_research_centre"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    STARTUP = "startup"
    INDUSTRY_NETWORK = "industry_network"
    OTHER = "other"


class DataCategory(enum.StrEnum):
    """What kind of information may cross the boundary to the partner."""

    EXPERIMENT_DESIGN = "experiment_design"
    RESULTS_AGGREGATED = "results_aggregated"
    RESULTS_RAW = "results_raw"
    CUSTOMER_DATA = "customer_data"
    PERSONAL_DATA = "personal_data"
    FINANCIALS = "financials"
    SOURCE_CODE = "source_code"


class Confidentiality(enum.StrEnum):
    """How strictly what is shared must be protected, from least to most."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    STRICTLY_CONFIDENTIAL = "strictly_confidential"


class CollaborationStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED = "ended"


class Partner(Base):
    """An external organisation the business experiments with."""

    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_org_name", "organization_id", "name", "id"),
        Index("ix_partners_org_created", "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[PartnerType] = mapped_column(string_enum(PartnerType, "partner_type"))
    website: Mapped[str | None] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"name": ..., "role": ..., "email": ..., "phone": ...}, ...]: the people to talk to there.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class Collaboration(Base):
    """A partner's part in one experiment: goals, who does what, and what may be shared."""

    __tablename__ = "collaborations"
    __table_args__ = (
        UniqueConstraint("partner_id", "experiment_id", name="uq_collaborations_partner_experiment"),
        Index("ix_collaborations_org_partner", "organization_id", "partner_id", "created_at", "id"),
        Index("ix_collaborations_org_experiment", "organization_id", "experiment_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # No cascade: a partner with collaborations is kept (deleting it is a 409).
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("partners.id"))
    experiment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiments.id", ondelete="CASCADE"))
    goals: Mapped[str] = mapped_column(Text)
    our_responsibilities: Mapped[str] = mapped_column(Text, default="")
    their_responsibilities: Mapped[str] = mapped_column(Text, default="")
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    shared_data: Mapped[list[str]] = mapped_column(JSON, default=list)
    confidentiality: Mapped[Confidentiality] = mapped_column(string_enum(Confidentiality, "confidentiality"))
    status: Mapped[CollaborationStatus] = mapped_column(
        string_enum(CollaborationStatus, "collaboration_status"), default=CollaborationStatus.PROPOSED
    )
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
