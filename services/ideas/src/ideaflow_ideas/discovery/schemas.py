"""What search and the similarity check accept and answer."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_shared.types import Storable, WholeNumber

DraftText = Annotated[str, StringConstraints(max_length=10_000), Storable]


class SearchHit(BaseModel):
    """An idea that matches; never its author, so a search cannot unmask anyone."""

    id: uuid.UUID
    title: str
    stage: IdeaStage
    excerpt: str = Field(description="The start of the idea's problem statement.")
    score: float = Field(description="Relevance: higher is better; comparable only within one search.")


class SimilarityDraft(BaseModel):
    """An idea as it is being typed; every field may still be empty."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Repeat last order", "text": "Customers re-type the same weekly order", "limit": 5}]
        },
    )

    title: DraftText = Field(default="", description="The draft's title so far.")
    text: DraftText = Field(default="", description="The draft's problem and proposal so far.")
    exclude_idea_id: uuid.UUID | None = Field(
        default=None, description="Leave this idea out (the one being edited, if it already exists)."
    )
    limit: Annotated[int, Field(ge=1, le=20, description="At most this many matches."), WholeNumber] = 5


class SimilarIdea(BaseModel):
    id: uuid.UUID
    title: str
    stage: IdeaStage
    score: float = Field(
        ge=0,
        le=1,
        description="How much of the draft the idea covers, from 0 (nothing) to 1 (every word): the mean of "
        "the share of the draft's words found in the idea and the overlap (Jaccard) of the two titles' words.",
    )


class SimilarIdeas(BaseModel):
    matches: list[SimilarIdea] = Field(description="The closest ideas first.")


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"into": "0b7c6c0e-8d1e-4d0e-9c1b-4f9f2d4b7a10"}]}
    )

    into: uuid.UUID = Field(description="The idea that absorbs this one: its votes, comments and evaluations.")
