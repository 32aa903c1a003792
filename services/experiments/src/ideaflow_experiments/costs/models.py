"""The table behind `/v1/experiments/{id}/costs`."""

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class ExperimentCost(Base):
    """Money spent on an experiment, in the budget's currency and minor unit."""

    __tablename__ = "experiment_costs"
    __table_args__ = (Index("ix_experiment_costs_experiment", "experiment_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    experiment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiments.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(200))
    incurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
