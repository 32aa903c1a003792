"""The tables behind evaluation: one criteria scheme per organisation, one evaluation per reviewer and idea."""

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_ideas.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class CriteriaScheme(Base):
    """An organisation's criteria (key, name, weight) and the scale they are scored on.

    One row per organisation, written the first time an admin changes the defaults.
    """

    __tablename__ = "evaluation_schemes"

    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    # [{"key": "impact", "name": "Impact", "weight": 3}, ...] in display order.
    criteria: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class Evaluation(Base):
    """One reviewer's scores for one idea, revisable by that reviewer."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("idea_id", "reviewer_id"),
        Index("ix_evaluations_org_idea", "organization_id", "idea_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    reviewer_id: Mapped[str] = mapped_column(String(200))
    # {"impact": 4, "feasibility": 2, ...}: one score per criterion of the scheme when scored.
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
