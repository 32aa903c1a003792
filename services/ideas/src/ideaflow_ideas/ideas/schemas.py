"""What `/v1/ideas` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ideaflow_ideas.ideas.models import IdeaCategory, IdeaStage
from ideaflow_shared.types import Label, NonBlank, PatchModel, ShortText

ProblemText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]
Tags = Annotated[list[Label], Field(max_length=20, description="Up to 20 labels, lower-cased.")]


class IdeaCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Pre-fill repeat orders",
                    "problem": "Regular customers re-type the same order every week.",
                    "proposal": "Offer a one-click 'repeat last order' on the order page.",
                    "category": "customer_experience",
                    "tags": ["orders", "self-service"],
                    "anonymous": False,
                }
            ]
        },
    )

    title: ShortText = Field(description="One line that names the idea.")
    problem: ProblemText = Field(description="What is wrong or missing today, and for whom.")
    proposal: ProblemText = Field(description="What the author proposes to do about it.")
    category: IdeaCategory = IdeaCategory.OTHER
    tags: Tags = []
    anonymous: StrictBool = Field(
        default=False, description="Submit without any link to the author: none is stored, in any form."
    )


class IdeaUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "Repeat last order in one click"}]}
    )

    title: ShortText | None = None
    problem: ProblemText | None = None
    proposal: ProblemText | None = None
    category: IdeaCategory | None = None
    tags: Tags | None = None


class IdeaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    problem: str
    proposal: str
    category: IdeaCategory
    tags: list[str]
    stage: IdeaStage
    anonymous: StrictBool = Field(description="True when no author is stored.")
    author_id: str | None = Field(description="The author's principal id; null for anonymous ideas.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class IdeaOrder(enum.StrEnum):
    """Sort orders for the idea list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
