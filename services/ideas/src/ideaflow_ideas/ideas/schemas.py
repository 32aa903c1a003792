"""What `/v1/ideas` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool, StringConstraints, UrlConstraints

from ideaflow_ideas.ideas.models import IdeaCategory, IdeaStage
from ideaflow_shared.types import Label, NonBlank, PatchModel, ShortText, Storable

ProblemText = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]
BenefitText = Annotated[str, StringConstraints(max_length=5000), Storable]
Tags = Annotated[list[Label], Field(max_length=20, description="Up to 20 labels, lower-cased.")]
Department = Annotated[Label, Field(description="The author's department, lower-cased.")]
LinkUrl = Annotated[HttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"])]


class Attachment(BaseModel):
    """A link to a document, sketch or photo kept elsewhere; the service stores no files."""

    model_config = ConfigDict(extra="forbid")

    url: LinkUrl = Field(description="An http(s) URL.")
    title: ShortText | None = Field(default=None, description="What the link shows.")


Attachments = Annotated[list[Attachment], Field(max_length=10, description="Up to 10 links.")]


class AttachmentPublic(BaseModel):
    url: str
    title: str | None


class IdeaCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Pre-fill repeat orders",
                    "problem": "Regular customers re-type the same order every week.",
                    "proposal": "Offer a one-click 'repeat last order' on the order page.",
                    "expected_benefit": "Fewer abandoned weekly orders.",
                    "category": "customer_experience",
                    "tags": ["orders", "self-service"],
                    "department": "sales",
                    "attachments": [{"url": "https://example.com/sketch.png", "title": "Sketch"}],
                    "anonymous": False,
                }
            ]
        },
    )

    title: ShortText = Field(description="One line that names the idea.")
    problem: ProblemText = Field(description="What is wrong or missing today, and for whom.")
    proposal: ProblemText = Field(description="What the author proposes to do about it.")
    expected_benefit: BenefitText = Field(default="", description="What gets better, for whom, if it works.")
    category: IdeaCategory = IdeaCategory.OTHER
    tags: Tags = []
    department: Department | None = Field(
        default=None, description="The author's department; anonymous authors may leave it out."
    )
    challenge_id: uuid.UUID | None = Field(
        default=None, description="The challenge this idea answers (only while it is in ideation); none for the inbox."
    )
    attachments: Attachments = []
    anonymous: StrictBool = Field(
        default=False,
        description="Submit without any link to the author: none is stored, in any form. The answer then "
        "carries a `Follow-Token` header, shown once, to follow the idea and answer questions as its author.",
    )


class IdeaUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "Repeat last order in one click"}]}
    )

    title: ShortText | None = None
    problem: ProblemText | None = None
    proposal: ProblemText | None = None
    expected_benefit: BenefitText | None = None
    category: IdeaCategory | None = None
    tags: Tags | None = None
    department: Department | None = None
    attachments: Attachments | None = None


class IdeaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    problem: str
    proposal: str
    expected_benefit: str
    category: IdeaCategory
    tags: list[str]
    department: str | None = Field(description="The author's department; null when withheld.")
    challenge_id: uuid.UUID | None
    attachments: list[AttachmentPublic]
    stage: IdeaStage
    merged_into_id: uuid.UUID | None = Field(
        default=None, description="In the `merged` stage: the idea this one was merged into."
    )
    anonymous: StrictBool = Field(description="True when no author is stored.")
    author_id: str | None = Field(description="The author's principal id; null for anonymous ideas.")
    up_votes: int = Field(description="How many people up-voted the idea.")
    dots: int = Field(description="Dots placed on the idea in its challenge's dot voting.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class IdeaOrder(enum.StrEnum):
    """Sort orders for the idea list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
