"""What `GET /v1/programme` answers."""

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from ideaflow_experiments.experiments.models import ExperimentStatus, ExperimentType
from ideaflow_experiments.learnings.models import LearningKind


class StatusCount(BaseModel):
    status: ExperimentStatus
    experiments: int


class TypeCount(BaseModel):
    type: ExperimentType
    experiments: int


class ExperimentCounts(BaseModel):
    created: int = Field(description="Experiments created in the period.")
    by_status: list[StatusCount] = Field(description="Those experiments by their status now, every status listed.")
    by_type: list[TypeCount] = Field(description="Those experiments by type, every type listed.")


class DecisionFigures(BaseModel):
    decided: int = Field(description="Experiments decided in the period (whenever they were created).")
    validated: int = Field(description="Of those, the ones whose computed verdict was `validated` when decided.")
    validated_share: float | None = Field(
        description="validated / decided, rounded to 4 places; null when nothing was decided."
    )
    median_days_start_to_decision: float | None = Field(
        description="Median days from the start to the decision of those experiments, rounded to 2 places; null "
        "when none was decided."
    )


class CurrencyBudget(BaseModel):
    currency: str = Field(description="ISO 4217 code; budgets in different currencies are never added up.")
    experiments: int = Field(description="Experiments created in the period with a budget in this currency.")
    planned_amount: int = Field(description="Their planned budgets, summed, in minor units.")
    spent_amount: int = Field(description="Their recorded costs, summed, in minor units.")
    over_budget: int = Field(description="How many of them spent more than planned.")


class KindCount(BaseModel):
    kind: LearningKind
    learnings: int


class LearningFigures(BaseModel):
    recorded: int = Field(description="Learning cards recorded in the period.")
    by_kind: list[KindCount] = Field(description="Those cards by kind, every kind listed.")


class IdeaFigures(BaseModel):
    """From the ideas service; null figures when it could not answer, with `unavailable_reason` saying why."""

    submitted: int | None = Field(description="Ideas submitted in the period, counted by the ideas service.")
    reached_experiment: int | None = Field(
        description="Of those ideas, the ones with at least one experiment (created at any time)."
    )
    share_reached_experiment: float | None = Field(
        description="reached_experiment / submitted, rounded to 4 places; null without ideas or figures."
    )
    unavailable_reason: str | None = Field(description="Why the figures are null; null when they are there.")


class OverdueExperiment(BaseModel):
    id: uuid.UUID
    title: str
    status: ExperimentStatus
    owner_id: str
    planned_end_at: dt.datetime
    days_overdue: float = Field(description="Days since the planned end, rounded to 1 place.")


class OverdueFigures(BaseModel):
    total: int = Field(description="Experiments still draft or running after their planned end, as of now.")
    experiments: list[OverdueExperiment] = Field(
        description="The longest overdue first, at most 100 (see `GET /v1/experiments?overdue=true` for all)."
    )


class ProgrammeReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period_start": "2026-01-01T00:00:00Z",
                    "period_end": "2026-04-01T00:00:00Z",
                    "experiments": {
                        "created": 5,
                        "by_status": [
                            {"status": "draft", "experiments": 1},
                            {"status": "running", "experiments": 1},
                            {"status": "concluded", "experiments": 0},
                            {"status": "decided", "experiments": 2},
                            {"status": "cancelled", "experiments": 1},
                        ],
                        "by_type": [{"type": "ab_test", "experiments": 2}, {"type": "pilot", "experiments": 3}],
                    },
                    "decisions": {
                        "decided": 3,
                        "validated": 1,
                        "validated_share": 0.3333,
                        "median_days_start_to_decision": 10.0,
                    },
                    "budgets": [
                        {
                            "currency": "EUR",
                            "experiments": 2,
                            "planned_amount": 70000,
                            "spent_amount": 30000,
                            "over_budget": 1,
                        }
                    ],
                    "learnings": {
                        "recorded": 2,
                        "by_kind": [
                            {"kind": "confirmed", "learnings": 1},
                            {"kind": "refuted", "learnings": 1},
                            {"kind": "surprise", "learnings": 0},
                        ],
                    },
                    "ideas": {
                        "submitted": 40,
                        "reached_experiment": 6,
                        "share_reached_experiment": 0.15,
                        "unavailable_reason": None,
                    },
                    "overdue": {
                        "total": 1,
                        "experiments": [
                            {
                                "id": "5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11",
                                "title": "Morning route re-planning",
                                "status": "running",
                                "owner_id": "user-4711",
                                "planned_end_at": "2026-02-28T17:00:00Z",
                                "days_overdue": 12.5,
                            }
                        ],
                    },
                }
            ]
        }
    )

    period_start: dt.datetime = Field(description="Start of the period (inclusive).")
    period_end: dt.datetime = Field(description="End of the period (exclusive).")
    experiments: ExperimentCounts
    decisions: DecisionFigures
    budgets: list[CurrencyBudget] = Field(description="Planned against spent, one entry per currency, by code.")
    learnings: LearningFigures
    ideas: IdeaFigures
    overdue: OverdueFigures
