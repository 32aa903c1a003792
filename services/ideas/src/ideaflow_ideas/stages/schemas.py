"""What the stage endpoints accept and answer."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_shared.types import Storable

Rationale = Annotated[str, StringConstraints(max_length=5000), Storable]


class MoveTarget(enum.StrEnum):
    """The stages a move can name; `merged` is reached through the merge action instead."""

    SUBMITTED = "submitted"
    SCREENING = "screening"
    BACKLOG = "backlog"
    EXPERIMENTING = "experimenting"
    ADOPTED = "adopted"
    PARKED = "parked"
    REJECTED = "rejected"


class StageMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"stage": "screening"},
                {"stage": "parked", "rationale": "Worth doing once the new order system is live next spring."},
            ]
        },
    )

    stage: MoveTarget = Field(description="The stage to move the idea to.")
    rationale: Rationale | None = Field(
        default=None,
        description="Why; shown to the submitter. Required (at least 20 characters) for parked and rejected.",
    )


class StageChangePublic(BaseModel):
    """One move in an idea's history, as the submitter sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    from_stage: IdeaStage
    to_stage: IdeaStage
    actor_role: str = Field(description="The role the move was made in; who made it is not recorded.")
    rationale: str | None
    changed_at: dt.datetime


class AwaitingIdea(BaseModel):
    """An idea nobody has answered for too long."""

    id: uuid.UUID
    title: str
    stage: IdeaStage
    created_at: dt.datetime
    waiting_since: dt.datetime = Field(description="The last stage change or reviewer comment, else submission.")

    @classmethod
    def of(cls, idea: Idea) -> "AwaitingIdea":
        waiting_since = idea.last_response_at or idea.created_at
        return cls(
            id=idea.id, title=idea.title, stage=idea.stage, created_at=idea.created_at, waiting_since=waiting_since
        )
