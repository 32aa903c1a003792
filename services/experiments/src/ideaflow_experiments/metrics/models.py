"""The tables behind `/v1/experiments/{id}/metrics` and `/v1/experiments/{id}/results`."""

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_experiments.db import Base, string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class MetricKind(enum.StrEnum):
    COUNT = "count"
    PROPORTION = "proportion"
    MEAN = "mean"
    CURRENCY = "currency"
    DURATION = "duration"


class MetricDirection(enum.StrEnum):
    """Which way is good: `increase` means higher values support the hypothesis."""

    INCREASE = "increase"
    DECREASE = "decrease"


class Metric(Base):
    __tablename__ = "experiment_metrics"
    __table_args__ = (
        Index("ix_experiment_metrics_org_experiment", "organization_id", "experiment_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    experiment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiments.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[MetricKind] = mapped_column(string_enum(MetricKind, "metric_kind"))
    direction: Mapped[MetricDirection] = mapped_column(string_enum(MetricDirection, "metric_direction"))
    success_threshold: Mapped[float] = mapped_column(Float)
    failure_threshold: Mapped[float] = mapped_column(Float)
    minimum_sample_size: Mapped[int | None] = mapped_column(Integer)
    significance_level: Mapped[float] = mapped_column(Float, default=0.05)
    # [{"name": ..., "planned_split": ...}, ...], the control first; empty for a metric without variants.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the criteria last changed by amendment after the start; null when they are as registered.
    amended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class MetricResult(Base):
    """One observation of a metric (for one variant, when it has variants); never changed afterwards."""

    __tablename__ = "metric_results"
    __table_args__ = (
        Index("ix_metric_results_org_experiment", "organization_id", "experiment_id", "observed_at", "id"),
        Index("ix_metric_results_metric_variant", "metric_id", "variant", "observed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    experiment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiments.id", ondelete="CASCADE"))
    metric_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("experiment_metrics.id", ondelete="CASCADE"))
    variant: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    sample_size: Mapped[int | None] = mapped_column(Integer)
    successes: Mapped[int | None] = mapped_column(Integer)
    trials: Mapped[int | None] = mapped_column(Integer)
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
