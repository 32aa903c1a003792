"""What `/v1/partners/{id}/collaborations` and `/v1/experiments/{id}/collaborations` accept and answer."""

import datetime as dt
import re
import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ideaflow_experiments.partners.models import CollaborationStatus, Confidentiality, DataCategory
from ideaflow_shared.types import NonBlank, PatchModel, Storable

AgreementText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]
OptionalText = Annotated[str, StringConstraints(max_length=5000), Storable]
SharedData = Annotated[
    list[DataCategory],
    Field(max_length=len(DataCategory), description="The data categories that may be shared with the partner."),
]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_text(value: object) -> object:
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError("expected a calendar date as YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_day_text)]

_GOALS = "What the collaboration should achieve, as agreed with the partner."
_BOUNDARY = (
    "Sharing personal_data or customer_data requires confidentiality confidential or strictly_confidential (422)."
)


class CollaborationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "experiment_id": "5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11",
                    "goals": "Find out whether dynamic route planning cuts delivery time by 10 %.",
                    "our_responsibilities": "Run the pilot with two drivers; record delivery times.",
                    "their_responsibilities": "Provide the planning software and analyse the results.",
                    "success_criteria": "A report with the measured time saving by 31 March.",
                    "shared_data": ["experiment_design", "results_aggregated"],
                    "confidentiality": "confidential",
                    "starts_on": "2026-02-01",
                    "ends_on": "2026-03-31",
                }
            ]
        },
    )

    experiment_id: uuid.UUID = Field(description="The experiment of the caller's organisation the partner joins.")
    goals: AgreementText = Field(description=_GOALS)
    our_responsibilities: OptionalText = Field(default="", description="What we do.")
    their_responsibilities: OptionalText = Field(default="", description="What the partner does.")
    success_criteria: OptionalText = Field(default="", description="When the collaboration has done its job.")
    shared_data: SharedData = Field(default_factory=list)
    confidentiality: Confidentiality = Field(description=_BOUNDARY)
    starts_on: Day | None = Field(default=None, description="First day, YYYY-MM-DD.")
    ends_on: Day | None = Field(default=None, description="Last day, YYYY-MM-DD; not before `starts_on` (422).")


class CollaborationUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. `shared_data` replaces the stored list.

    `status` moves proposed → active | ended, active → completed | ended (409 otherwise).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "active"}]})

    goals: AgreementText | None = Field(default=None, description=_GOALS)
    our_responsibilities: OptionalText | None = None
    their_responsibilities: OptionalText | None = None
    success_criteria: OptionalText | None = None
    shared_data: SharedData | None = None
    confidentiality: Confidentiality | None = Field(default=None, description=_BOUNDARY)
    status: CollaborationStatus | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None


class CollaborationPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0f8e4a7c-2b1d-4c3e-9f6a-5d4c3b2a1e0f",
                    "partner_id": "7c1e9b52-8a3d-4f6e-b2c1-0d9e8f7a6b5c",
                    "experiment_id": "5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11",
                    "goals": "Find out whether dynamic route planning cuts delivery time by 10 %.",
                    "our_responsibilities": "Run the pilot with two drivers; record delivery times.",
                    "their_responsibilities": "Provide the planning software and analyse the results.",
                    "success_criteria": "A report with the measured time saving by 31 March.",
                    "shared_data": ["experiment_design", "results_aggregated"],
                    "confidentiality": "confidential",
                    "status": "active",
                    "starts_on": "2026-02-01",
                    "ends_on": "2026-03-31",
                    "created_by": "user-4711",
                    "created_at": "2026-01-20T10:00:00Z",
                    "updated_at": "2026-02-01T08:00:00Z",
                    "version": 2,
                }
            ]
        },
    )

    id: uuid.UUID
    partner_id: uuid.UUID
    experiment_id: uuid.UUID
    goals: str
    our_responsibilities: str
    their_responsibilities: str
    success_criteria: str
    shared_data: list[DataCategory]
    confidentiality: Confidentiality
    status: CollaborationStatus
    starts_on: dt.date | None
    ends_on: dt.date | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")
