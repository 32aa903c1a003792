"""What `/v1/ideas/{idea_id}/comments` accepts and answers."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ideaflow_ideas.comments.models import CommentKind
from ideaflow_shared.types import NonBlank, PatchModel

CommentBody = Annotated[str, StringConstraints(min_length=1, max_length=5000), NonBlank]


class CommentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "build_on", "body": "And remind them by e-mail on Mondays."}]},
    )

    kind: CommentKind = Field(
        description="`build_on` and `question` are welcome any time; `critique` waits for a challenge's "
        "evaluation phase (judgement is deferred during ideation)."
    )
    body: CommentBody
    parent_id: uuid.UUID | None = Field(
        default=None, description="Reply to this top-level comment of the same idea; threads are one level deep."
    )
    anonymous: StrictBool = Field(
        default=False,
        description="Store no author. The answer then carries a `Comment-Token` header, shown once, to edit "
        "or delete the comment later. Sending the idea's `Follow-Token` instead makes it a reply by the "
        "idea's anonymous author.",
    )


class CommentUpdate(PatchModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"body": "Fixed a typo."}]})

    body: CommentBody | None = None


class CommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: CommentKind
    body: str
    anonymous: StrictBool = Field(description="True when no author is stored.")
    author_id: str | None = Field(description="The author's principal id; null for anonymous comments.")
    by_idea_author: StrictBool = Field(description="Written by the idea's anonymous author, with its follow token.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")
