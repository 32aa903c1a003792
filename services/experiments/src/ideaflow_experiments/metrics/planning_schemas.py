"""What the planning endpoints accept and answer."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from ideaflow_shared.types import WholeNumber

Rate = Annotated[StrictFloat, Field(ge=0.0001, le=0.9999, allow_inf_nan=False)]
Alpha = Annotated[
    StrictFloat, Field(ge=0.001, le=0.2, allow_inf_nan=False, description="Two-sided significance level.")
]
Power = Annotated[
    StrictFloat, Field(ge=0.5, le=0.99, allow_inf_nan=False, description="Chance to detect a real effect.")
]


class SampleSizeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"baseline_rate": 0.2, "minimum_detectable_effect": 0.05}]},
    )

    baseline_rate: Rate = Field(description="The control's expected conversion rate, e.g. 0.2 for 20 %.")
    minimum_detectable_effect: Rate = Field(
        description="The smallest absolute increase worth detecting, e.g. 0.05 for 20 % → 25 %."
    )
    significance_level: Alpha = 0.05
    power: Power = 0.8


class SampleSizePlan(BaseModel):
    baseline_rate: float
    minimum_detectable_effect: float
    significance_level: float
    power: float
    sample_size_per_variant: int | None = Field(
        description="Subjects per variant; null when baseline + effect reaches 100 %, which no treatment can beat."
    )
    reason: str = Field(description="What the number means, or why there is none.")


class DetectableEffectRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"baseline_rate": 0.2, "sample_size_per_variant": 1030}]}
    )

    baseline_rate: Rate = Field(description="The control's expected conversion rate, e.g. 0.2 for 20 %.")
    sample_size_per_variant: Annotated[int, Field(ge=2, le=1_000_000_000), WholeNumber] = Field(
        description="Subjects you can get per variant."
    )
    significance_level: Alpha = 0.05
    power: Power = 0.8


class DetectableEffectPlan(BaseModel):
    baseline_rate: float
    sample_size_per_variant: int
    significance_level: float
    power: float
    minimum_detectable_effect: float | None = Field(
        description="The smallest absolute increase this sample detects; null when it cannot detect any."
    )
    reason: str
