"""What `GET /v1/experiments/{id}/verdict` answers: computed from results, never typed in."""

import datetime as dt
import enum
import uuid

from pydantic import BaseModel, Field


class Outcome(enum.StrEnum):
    VALIDATED = "validated"
    INVALIDATED = "invalidated"
    INCONCLUSIVE = "inconclusive"
    INSUFFICIENT_DATA = "insufficient_data"


class Interval(BaseModel):
    low: float
    high: float


class TreatmentComparison(BaseModel):
    """One treatment against the control of a proportion metric."""

    variant: str
    control_rate: float
    treatment_rate: float
    difference: float = Field(description="treatment_rate minus control_rate.")
    difference_interval: Interval
    relative_lift: float | None = Field(description="difference / control_rate; null when the control has none.")
    relative_lift_interval: Interval | None
    p_value: float = Field(description="Two-sided two-proportion z-test.")
    probability_to_beat_control: float = Field(description="Bayesian, uniform Beta(1, 1) priors.")
    significant: bool = Field(description="p_value below the metric's significance level.")


class SampleRatio(BaseModel):
    """Chi-square goodness of fit of the variants' trials against the planned split."""

    chi_square: float
    degrees_of_freedom: int
    p_value: float
    mismatch: bool = Field(description="p_value below 0.001: the split is broken; the comparison is not trusted.")


class VariantValue(BaseModel):
    variant: str | None
    value: float
    sample_size: int | None
    observed_at: dt.datetime


class MetricVerdict(BaseModel):
    metric_id: uuid.UUID
    name: str
    outcome: Outcome
    reason: str = Field(description="Why, in words.")
    criteria: str
    amended_at: dt.datetime | None = Field(description="Set when this metric's criteria were amended after the start.")
    values: list[VariantValue] = Field(description="The latest result of the metric (per variant) the verdict used.")
    comparisons: list[TreatmentComparison] = Field(description="Proportion metrics with variants only.")
    sample_ratio: SampleRatio | None = Field(description="Proportion metrics with variants only.")


class Verdict(BaseModel):
    experiment_id: uuid.UUID
    outcome: Outcome
    reason: str
    criteria_amended_after_start: bool = Field(
        description="True when any pre-registered criterion was amended after the start: read the verdict with that."
    )
    metrics: list[MetricVerdict]
