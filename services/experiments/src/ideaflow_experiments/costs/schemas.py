"""What `/v1/experiments/{id}/costs` accepts and answers."""

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from ideaflow_experiments.experiments.schemas import Currency, MinorUnits
from ideaflow_shared.types import ShortText, Timestamp


class CostCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": 12000,
                    "currency": "EUR",
                    "description": "Printed flyers for the smoke test",
                    "incurred_at": "2026-02-03T10:00:00Z",
                }
            ]
        },
    )

    amount: MinorUnits = Field(description="What was spent, in the currency's minor unit (cents for EUR).")
    currency: Currency = Field(description="Must be the experiment's budget currency.")
    description: ShortText = Field(description="What the money was spent on.")
    incurred_at: Timestamp = Field(description="When the cost arose.")


class CostPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    experiment_id: uuid.UUID
    amount: int
    currency: str
    description: str
    incurred_at: dt.datetime
    recorded_by: str = Field(description="The principal id of whoever recorded it.")
    created_at: dt.datetime
