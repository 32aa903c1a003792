"""What `/v1/experiments/{id}/metrics` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StringConstraints

from ideaflow_experiments.metrics.models import MetricDirection, MetricKind
from ideaflow_shared.types import NonBlank, PatchModel, ShortText, Storable, WholeNumber

Threshold = Annotated[StrictFloat, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
SignificanceLevel = Annotated[StrictFloat, Field(ge=0.001, le=0.2, allow_inf_nan=False)]
SampleSize = Annotated[int, Field(ge=1, le=1_000_000_000), WholeNumber]
Unit = Annotated[str, StringConstraints(max_length=40), Storable]
VariantName = Annotated[str, StringConstraints(min_length=1, max_length=40), NonBlank]
AmendmentReason = Annotated[str, StringConstraints(min_length=1, max_length=2000), NonBlank]

_SUCCESS = (
    "We are right if the value reaches this (at least it for `increase`, at most it for `decrease`). With variants "
    "it applies to each treatment's difference from the control (treatment minus control), in the metric's unit; for "
    "proportions without variants it is a rate between 0 and 1."
)
_FAILURE = "We are wrong if the value reaches this, on the other side of the success threshold."
_VARIANTS = (
    "None, or 2 to 20 variants with unique names: the first is the control, the others treatments. "
    "Results are then recorded per variant."
)
_MINIMUM_SAMPLE = "Below this sample size (per variant) the verdict is `insufficient_data`."
_REASON = (
    "Required once the experiment has started: the change is then recorded as an amendment (what, why, who, "
    "when) and the verdict shows that criteria moved after the start."
)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: VariantName
    planned_split: StrictFloat = Field(
        ge=0.01, le=100, allow_inf_nan=False, description="Planned share of traffic; any positive weights, normalised."
    )


Variants = Annotated[list[Variant], Field(max_length=20, description=_VARIANTS)]


class MetricCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Repeat-order rate",
                    "unit": "orders per visit",
                    "kind": "proportion",
                    "direction": "increase",
                    "success_threshold": 0.02,
                    "failure_threshold": 0.0,
                    "minimum_sample_size": 1000,
                    "variants": [
                        {"name": "control", "planned_split": 50},
                        {"name": "one-click", "planned_split": 50},
                    ],
                }
            ]
        },
    )

    name: ShortText
    unit: Unit = ""
    kind: MetricKind
    direction: MetricDirection
    success_threshold: Threshold = Field(description=_SUCCESS)
    failure_threshold: Threshold = Field(description=_FAILURE)
    minimum_sample_size: SampleSize | None = Field(default=None, description=_MINIMUM_SAMPLE)
    significance_level: SignificanceLevel = Field(
        default=0.05, description="Alpha of the two-sided test and the intervals, for proportions with variants."
    )
    variants: Variants = []
    amendment_reason: AmendmentReason | None = Field(default=None, description=_REASON)


class MetricUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. After the start, send `amendment_reason`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"success_threshold": 0.03, "amendment_reason": "Costs rose; a smaller lift no longer pays."}]
        },
    )

    name: ShortText | None = None
    unit: Unit | None = None
    direction: MetricDirection | None = None
    success_threshold: Threshold | None = Field(default=None, description=_SUCCESS)
    failure_threshold: Threshold | None = Field(default=None, description=_FAILURE)
    minimum_sample_size: SampleSize | None = Field(default=None, description=_MINIMUM_SAMPLE)
    significance_level: SignificanceLevel | None = None
    variants: Variants | None = None
    amendment_reason: AmendmentReason | None = Field(default=None, description=_REASON)


class MetricPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    experiment_id: uuid.UUID
    name: str
    unit: str
    kind: MetricKind
    direction: MetricDirection
    success_threshold: float
    failure_threshold: float
    criteria: str = Field(description="The thresholds in words: we are right if …; we are wrong if ….")
    minimum_sample_size: int | None
    significance_level: float
    variants: list[Variant]
    amended_at: dt.datetime | None = Field(
        description="When the criteria were last amended after the start; null while they are as registered."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class MetricOrder(enum.StrEnum):
    """Sort orders for the metric list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
