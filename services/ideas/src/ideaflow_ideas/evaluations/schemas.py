"""What the evaluation endpoints accept and answer."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from ideaflow_ideas.ideas.models import IdeaCategory, IdeaStage
from ideaflow_shared.types import PatchModel, ShortText, WholeNumber

Score = Annotated[int, Field(ge=0, le=10), WholeNumber]
Weight = Annotated[int, Field(ge=1, le=100, description="Relative weight in the weighted score."), WholeNumber]
ScaleMin = Annotated[int, Field(ge=0, le=1), WholeNumber]
ScaleMax = Annotated[int, Field(ge=2, le=10), WholeNumber]
CriterionKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
_KEY_PATTERN = "^[a-z0-9_]{1,40}$"
# Spelled out: pydantic would put the key pattern in patternProperties, which lets other keys through.
Scores = Annotated[
    dict[CriterionKey, Score],
    Field(min_length=1, max_length=12),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": _KEY_PATTERN},
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 10},
            "minProperties": 1,
            "maxProperties": 12,
        }
    ),
]


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: CriterionKey = Field(description="Stable identifier, e.g. `impact`; scores are keyed by it.")
    name: ShortText = Field(description="What reviewers see.")
    weight: Weight


class CriteriaUpdate(PatchModel):
    """Replace the criteria, change the scale, or both. Existing evaluations keep their scores;
    aggregates use the criteria they share with the new scheme."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "criteria": [
                        {"key": "impact", "name": "Impact", "weight": 3},
                        {"key": "feasibility", "name": "Feasibility", "weight": 2},
                        {"key": "confidence", "name": "Confidence", "weight": 1},
                    ],
                    "scale_max": 5,
                }
            ]
        },
    )

    criteria: Annotated[list[CriterionIn], Field(min_length=1, max_length=12)] | None = Field(
        default=None, description="Every criterion in display order; of entries sharing a key, the last counts."
    )
    scale_min: ScaleMin | None = None
    scale_max: ScaleMax | None = None


class CriterionPublic(BaseModel):
    key: str
    name: str
    weight: int


class CriteriaPublic(BaseModel):
    criteria: list[CriterionPublic]
    scale_min: int
    scale_max: int
    version: int = Field(description="0 while the organisation uses the defaults; the ETag is derived from it.")


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scores": {"impact": 4, "feasibility": 3, "confidence": 2, "strategic_fit": 5}}]
        },
    )

    scores: Scores = Field(description="One score per criterion of the organisation, on its scale.")


class EvaluationUpdate(PatchModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scores": {"impact": 5}}]})

    scores: Scores | None = Field(default=None, description="Scores to change; the others stay.")


class EvaluationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    reviewer_id: str
    scores: dict[str, int]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ContributionPublic(BaseModel):
    key: str
    mean: float = Field(description="The reviewers' mean score on this criterion.")
    weight: int
    points: float = Field(description="mean * weight / Σ weights: this criterion's part of the weighted score.")


class AggregatePublic(BaseModel):
    reviewers: int
    weighted_score: float | None = Field(description="Σ points of the contributions, on the scale; null unscored.")
    disagreement: float | None = Field(description="Standard deviation of the reviewers' weighted scores.")
    ice_score: float | None = Field(description="Mean impact * confidence * feasibility, when those are criteria.")
    contributions: list[ContributionPublic]


class BlindIdea(BaseModel):
    """The idea as a reviewer evaluates it: what it says, never who said it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    problem: str
    proposal: str
    expected_benefit: str
    category: IdeaCategory
    tags: list[str]
    stage: IdeaStage
    challenge_id: uuid.UUID | None


class EvaluationView(BaseModel):
    """Everything a reviewer needs to evaluate an idea, author-blind. The aggregate is shown only
    once the caller has given their own evaluation (or manages), so that it does not anchor them."""

    idea: BlindIdea
    criteria: CriteriaPublic
    my_evaluation: EvaluationPublic | None
    aggregate: AggregatePublic | None


class RankedIdea(BaseModel):
    rank: int
    idea_id: uuid.UUID
    title: str
    stage: IdeaStage
    challenge_id: uuid.UUID | None
    weighted_score: float | None
    ice_score: float | None
    reviewers: int
    disagreement: float | None
    up_votes: int
    dots: int
    why: list[ContributionPublic] = Field(description="Why this rank: each criterion's part of the score.")


class Ranking(BaseModel):
    items: list[RankedIdea] = Field(description="Best first: weighted score, then up-votes and dots, then age.")
