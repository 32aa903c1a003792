"""What `/v1/assumptions` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_experiments.assumptions.models import AssumptionKind, AssumptionStatus
from ideaflow_shared.types import NonBlank, PatchModel, WholeNumber

Statement = Annotated[str, StringConstraints(min_length=1, max_length=2000), NonBlank]
Rating = Annotated[int, Field(ge=1, le=5), WholeNumber]

_STATEMENT = "What must be true for the idea to work, e.g. 'Regular customers order the same items weekly.'"
_IMPORTANCE = "How much the idea depends on it: 1 (little) to 5 (everything)."
_EVIDENCE = "How much evidence there already is: 1 (none) to 5 (proven)."


class AssumptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "idea_id": "5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11",
                    "statement": "Regular customers order the same items every week.",
                    "kind": "desirability",
                    "importance": 5,
                    "evidence": 2,
                }
            ]
        },
    )

    idea_id: uuid.UUID = Field(description="The idea that rests on this assumption; fixed once created.")
    statement: Statement = Field(description=_STATEMENT)
    kind: AssumptionKind
    importance: Rating = Field(description=_IMPORTANCE)
    evidence: Rating = Field(description=_EVIDENCE)


class AssumptionUpdate(PatchModel):
    """Fields to change; the status changes only through a decision on an experiment that tested it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"evidence": 3}]})

    statement: Statement | None = Field(default=None, description=_STATEMENT)
    kind: AssumptionKind | None = None
    importance: Rating | None = Field(default=None, description=_IMPORTANCE)
    evidence: Rating | None = Field(default=None, description=_EVIDENCE)


class AssumptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    statement: str
    kind: AssumptionKind
    importance: int
    evidence: int
    risk_score: int = Field(description="importance * (6 - evidence), 1 to 25; higher is riskier.")
    status: AssumptionStatus
    evidence_experiment_id: uuid.UUID | None = Field(
        description="The decided experiment whose outcome set the status; null while untested."
    )
    status_changed_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class AssumptionOrder(enum.StrEnum):
    """`risk`: riskiest first (highest risk_score); `created_at`/`-created_at`: by creation."""

    RISK = "risk"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
