"""What `/v1/experiments/{id}/decision` accepts and answers."""

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ideaflow_experiments.decisions.models import DecisionKind
from ideaflow_experiments.experiments.models import ExperimentType
from ideaflow_experiments.experiments.schemas import HypothesisText, PlanText, ReasonText
from ideaflow_shared.types import ShortText

EvidenceStatus = Literal["supported", "refuted", "unclear"]


class AssumptionOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assumption_id: uuid.UUID = Field(description="One of the assumptions the experiment tests.")
    status: EvidenceStatus


class FollowUpExperiment(BaseModel):
    """The next experiment a pivot opens: a draft for the same idea, linked to its parent."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    hypothesis: HypothesisText
    test_description: PlanText = ""
    type: ExperimentType


class DecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Only a pivot opens a follow-up experiment.
            "anyOf": [
                {"properties": {"decision": {"const": "pivot"}}},
                {"not": {"required": ["follow_up"]}},
                {"properties": {"follow_up": {"type": "null"}}},
            ],
            "examples": [
                {
                    "decision": "pivot",
                    "rationale": "Customers wanted reminders, not one-click reorders.",
                    "next_steps": "Test a weekly reminder e-mail instead.",
                    "follow_up": {
                        "title": "Weekly reorder reminder",
                        "hypothesis": "We believe that a reminder brings regular customers back.",
                        "type": "smoke_test",
                    },
                }
            ],
        },
    )

    decision: DecisionKind
    rationale: ReasonText = Field(description="Why this decision follows from the evidence.")
    next_steps: ReasonText = Field(description="What happens now.")
    assumption_outcomes: list[AssumptionOutcome] = Field(
        default_factory=list,
        max_length=20,
        description="Statuses that differ from the verdict's; every other tested assumption becomes supported "
        "(verdict validated), refuted (invalidated) or unclear.",
    )
    follow_up: FollowUpExperiment | None = Field(default=None, description="Only with `pivot`.")


class DecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    experiment_id: uuid.UUID
    decision: DecisionKind
    rationale: str
    next_steps: str
    decided_by: str = Field(description="The principal id of the manager who decided.")
    decided_at: dt.datetime
    verdict_outcome: str = Field(description="The experiment's computed verdict when the decision was taken.")
    assumption_outcomes: dict[str, str] = Field(description="Each tested assumption's id and the status it got.")
    follow_up_experiment_id: uuid.UUID | None = Field(description="The draft a pivot opened, if any.")
