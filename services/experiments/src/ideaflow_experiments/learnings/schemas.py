"""What `/v1/learnings` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_experiments.learnings.models import FailureCause, LearningKind
from ideaflow_shared.types import Label, NonBlank, PatchModel, ShortText, WholeNumber

CardText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]
Tags = Annotated[list[Label], Field(max_length=20, description="Up to 20 labels, lower-cased.")]
LinkedIds = Annotated[list[uuid.UUID], Field(max_length=20)]


class FailureAnalysis(BaseModel):
    """Why it failed, by process and not by person: a cause category and what the process will change."""

    model_config = ConfigDict(extra="forbid")

    cause: FailureCause
    process_change: CardText = Field(description="What the team's process will do differently from now on.")


class LearningCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Regulars do not reorder online",
                    "we_believed": "Regular customers would reorder with one click.",
                    "we_observed": "3 % of regulars used the button in two weeks; most still phoned.",
                    "we_learned": "Our regulars order by phone because they want to talk about substitutions.",
                    "therefore_we_will": "Test a call-back service instead of a button.",
                    "kind": "refuted",
                    "experiment_ids": ["5b0c6a52-3f0e-4c1e-9a57-0c7f2d8e4a11"],
                    "tags": ["orders", "regulars"],
                    "failure_analysis": {
                        "cause": "wrong_assumption",
                        "process_change": "Interview five customers before building a self-service feature.",
                    },
                }
            ]
        },
    )

    title: ShortText
    we_believed: CardText
    we_observed: CardText
    we_learned: CardText
    therefore_we_will: CardText
    kind: LearningKind
    experiment_ids: LinkedIds = Field(default=[], description="Experiments this learning came from (up to 20).")
    assumption_ids: LinkedIds = Field(default=[], description="Assumptions it speaks to (up to 20).")
    tags: Tags = []
    failure_analysis: FailureAnalysis | None = None


class LearningUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. Lists replace the stored ones."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"tags": ["orders", "phone"]}]})

    title: ShortText | None = None
    we_believed: CardText | None = None
    we_observed: CardText | None = None
    we_learned: CardText | None = None
    therefore_we_will: CardText | None = None
    kind: LearningKind | None = None
    experiment_ids: LinkedIds | None = None
    assumption_ids: LinkedIds | None = None
    tags: Tags | None = None
    failure_analysis: FailureAnalysis | None = None


class LearningPublic(BaseModel):
    id: uuid.UUID
    title: str
    we_believed: str
    we_observed: str
    we_learned: str
    therefore_we_will: str
    kind: LearningKind
    experiment_ids: list[uuid.UUID]
    assumption_ids: list[uuid.UUID]
    tags: list[str]
    failure_analysis: FailureAnalysis | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class LearningOrder(enum.StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class SearchScope(enum.StrEnum):
    ALL = "all"
    LEARNINGS = "learnings"
    EXPERIMENTS = "experiments"


class HitKind(enum.StrEnum):
    LEARNING = "learning"
    EXPERIMENT = "experiment"


class MemorySearchHit(BaseModel):
    kind: HitKind
    id: uuid.UUID
    title: str
    excerpt: str = Field(description="The start of the learning (what we learned) or of the hypothesis.")
    score: float = Field(description="Relevance; higher is better. Comparable within one answer only.")


class RelatedRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"hypothesis": "We believe that regulars would reorder with one click."}]},
    )

    hypothesis: Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank] = Field(
        description="A draft hypothesis; learnings sharing its significant words come back, best first."
    )
    limit: Annotated[int, Field(ge=1, le=50), WholeNumber] = Field(
        default=10, description="How many learnings at most."
    )
