"""What the vote and dot endpoints accept and answer."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ideaflow_shared.types import WholeNumber


class VoteState(BaseModel):
    idea_id: uuid.UUID
    voted: StrictBool = Field(description="Whether the caller up-votes the idea.")
    up_votes: int = Field(description="The idea's up-votes, one per person.")


class DotsPlacement(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"dots": 2}]})

    dots: Annotated[int, Field(ge=0, le=100), WholeNumber] = Field(
        description="How many of your dots this idea gets (0 takes them back); at most the challenge's per-idea cap."
    )


class DotAllocationPublic(BaseModel):
    idea_id: uuid.UUID
    dots: int


class DotBudget(BaseModel):
    challenge_id: uuid.UUID
    budget: int = Field(description="Dots each participant may place in this challenge.")
    dots_per_idea_cap: int
    used: int
    remaining: int
    allocations: list[DotAllocationPublic] = Field(description="Where the caller's dots are.")
