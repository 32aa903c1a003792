"""What `/v1/experiments/{id}/results` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from ideaflow_experiments.metrics.schemas import VariantName
from ideaflow_shared.types import LongText, Timestamp, WholeNumber

Count = Annotated[int, Field(ge=0, le=1_000_000_000), WholeNumber]


class ResultCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "metric_id": "0b8e5a50-7f2f-4d0c-9b61-3c9c2f1f9e10",
                    "variant": "one-click",
                    "successes": 130,
                    "trials": 1000,
                    "observed_at": "2026-02-08T17:00:00Z",
                    "note": "First week.",
                }
            ]
        },
    )

    metric_id: uuid.UUID = Field(description="A metric of this experiment.")
    variant: VariantName | None = Field(
        default=None, description="Required for a metric with variants (one of its names); omitted otherwise."
    )
    value: StrictFloat | None = Field(
        default=None,
        ge=-1e12,
        le=1e12,
        allow_inf_nan=False,
        description="The observed value; for proportions it is computed from successes and trials instead.",
    )
    sample_size: Count | None = Field(default=None, description="How many subjects the value rests on.")
    successes: Count | None = Field(default=None, description="Proportions only: subjects who converted.")
    trials: Count | None = Field(default=None, description="Proportions only: subjects exposed; at least successes.")
    observed_at: Timestamp | None = Field(default=None, description="When the value was observed; default now.")
    note: LongText = ""


class ResultPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    experiment_id: uuid.UUID
    metric_id: uuid.UUID
    variant: str | None
    value: float
    sample_size: int | None
    successes: int | None
    trials: int | None
    observed_at: dt.datetime
    note: str
    recorded_by: str = Field(description="The principal id of whoever recorded the result.")
    created_at: dt.datetime


class ResultOrder(enum.StrEnum):
    """Sort orders for the result list; a leading `-` means latest observation first."""

    OBSERVED_AT = "observed_at"
    OBSERVED_AT_DESC = "-observed_at"
