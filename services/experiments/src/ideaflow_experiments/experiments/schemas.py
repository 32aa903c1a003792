"""What `/v1/experiments` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ideaflow_experiments.experiments.models import ExperimentStatus, ExperimentType
from ideaflow_shared.types import NonBlank, PatchModel, ShortText, Storable, Timestamp, WholeNumber

HypothesisText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]
PlanText = Annotated[str, StringConstraints(max_length=5000), Storable]

PrincipalId = Annotated[str, StringConstraints(min_length=1, max_length=200), NonBlank]
Team = Annotated[list[PrincipalId], Field(max_length=50, description="Principal ids of the people running it.")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code, e.g. EUR.")]


MinorUnits = Annotated[
    int,
    Field(ge=0, le=1_000_000_000_000, description="An amount in the currency's minor unit (cents for EUR)."),
    WholeNumber,
]

_HYPOTHESIS = "We believe that … (what must be true for the idea to work)."
_TEST_DESCRIPTION = "To verify that, we will … (what the experiment does)."
_PLANNED_END = "When the experiment should end; not before `planned_start_at`."


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "idea_id": "5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11",
                    "title": "Repeat-order button on the order page",
                    "hypothesis": "We believe that regular customers would reorder with one click.",
                    "test_description": "To verify that, we will show the button to 10% of returning customers.",
                    "type": "ab_test",
                    "planned_start_at": "2026-02-01T09:00:00Z",
                    "planned_end_at": "2026-02-15T17:00:00Z",
                    "team": ["user-4711"],
                    "budget_planned_amount": 50000,
                    "budget_currency": "EUR",
                }
            ]
        },
    )

    idea_id: uuid.UUID = Field(description="The idea this experiment tests; fixed once created.")
    title: ShortText = Field(description="One line that names the experiment.")
    hypothesis: HypothesisText = Field(description=_HYPOTHESIS)
    test_description: PlanText = Field(default="", description=_TEST_DESCRIPTION)
    type: ExperimentType
    planned_start_at: Timestamp | None = Field(default=None, description="When the experiment should start.")
    planned_end_at: Timestamp | None = Field(default=None, description=_PLANNED_END)
    team: Team = Field(default_factory=list)
    assumption_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="Assumptions of the same idea that this experiment tests."
    )
    budget_planned_amount: MinorUnits | None = Field(default=None, description="The planned budget in minor units.")
    budget_currency: Currency | None = Field(default=None, description="Required with a planned budget.")


class ExperimentUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. The idea and the status are not changed here."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"planned_end_at": "2026-02-22T17:00:00Z"}]}
    )

    title: ShortText | None = None
    hypothesis: HypothesisText | None = Field(default=None, description=_HYPOTHESIS)
    test_description: PlanText | None = Field(default=None, description=_TEST_DESCRIPTION)
    type: ExperimentType | None = None
    planned_start_at: Timestamp | None = None
    planned_end_at: Timestamp | None = Field(default=None, description=_PLANNED_END)
    owner_id: PrincipalId | None = Field(default=None, description="Hand the experiment over to someone else.")
    team: Team | None = None
    budget_planned_amount: MinorUnits | None = None
    budget_currency: Currency | None = Field(default=None, description="Fixed once costs are recorded.")


class ExperimentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    parent_experiment_id: uuid.UUID | None = Field(description="The experiment whose pivot opened this one.")
    title: str
    hypothesis: str
    test_description: str
    type: ExperimentType
    status: ExperimentStatus
    owner_id: str = Field(description="The principal id of whoever is responsible (the creator unless handed over).")
    team: list[str]
    assumption_ids: list[uuid.UUID] = Field(description="The idea's assumptions this experiment tests.")
    planned_start_at: dt.datetime | None
    planned_end_at: dt.datetime | None
    overdue: bool = Field(description="Still draft or running after `planned_end_at`: the time box has overrun.")
    budget_planned_amount: int | None = Field(description="The planned budget in the currency's minor unit.")
    budget_currency: str | None
    budget_spent_amount: int = Field(description="The sum of the recorded costs, in minor units.")
    over_budget: bool = Field(description="More was spent than planned.")
    started_at: dt.datetime | None = Field(description="When it started; its pre-registered parts are locked since.")
    concluded_at: dt.datetime | None
    decided_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancellation_reason: str | None = Field(description="Why it was cancelled; null unless it was.")
    amended_after_start: bool = Field(
        description="True once a pre-registered part (hypothesis, test, metrics, criteria) was amended after the start."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class ExperimentOrder(enum.StrEnum):
    """Sort orders for the experiment list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"


ReasonText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]


class ExperimentCancellation(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "The supplier withdrew the prototype."}]}
    )

    reason: ReasonText = Field(description="Why the experiment stops; kept with it for later readers.")


class AmendmentCreate(PatchModel):
    """A change to the pre-registered hypothesis or test of a started experiment, with its reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["hypothesis"]}, {"required": ["test_description"]}],
            "examples": [
                {
                    "why": "The button is only shown to logged-in customers; the hypothesis now says so.",
                    "hypothesis": "We believe that logged-in regular customers would reorder with one click.",
                }
            ],
        },
    )

    why: ReasonText = Field(description="Why the pre-registered plan changes after the start.")
    hypothesis: HypothesisText | None = Field(default=None, description=_HYPOTHESIS)
    test_description: PlanText | None = Field(default=None, description=_TEST_DESCRIPTION)

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if self.hypothesis is None and self.test_description is None:
            raise ValueError("an amendment changes hypothesis, test_description or both")
        return self

    def changed_fields(self) -> dict[str, str]:
        return self.model_dump(exclude={"why"}, exclude_none=True)


class AmendmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    experiment_id: uuid.UUID
    what: str = Field(description="What was amended, e.g. `hypothesis` or a metric's criteria.")
    why: str
    changes: dict[str, Any] = Field(description='Each changed item as {"from": old, "to": new}.')
    amended_by: str = Field(description="The principal id of whoever amended it.")
    amended_at: dt.datetime
