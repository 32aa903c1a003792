"""What `GET /v1/programme` answers."""

import datetime as dt
import uuid

from pydantic import BaseModel, Field

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
    period_start: dt.datetime = Field(description="Start of the period (inclusive).")
    period_end: dt.datetime = Field(description="End of the period (exclusive).")
    experiments: ExperimentCounts
    decisions: DecisionFigures
    budgets: list[CurrencyBudget] = Field(description="Planned against spent, one entry per currency, by code.")
    learnings: LearningFigures
    ideas: IdeaFigures
    overdue: OverdueFigures
