"""What the evidence endpoints accept and answer."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_feedback.evidence.models import Importance
from ideaflow_feedback.themes.schemas import MoneyTotal
from ideaflow_shared.types import PatchModel, Storable

Note = Annotated[str, StringConstraints(max_length=2_000), Storable]


class IdeaLinkCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "idea_id": "3f1c2a9e-8d4b-4c1e-9a57-0b6f3e2d1c4a",
                    "importance": "critical",
                    "note": "Blocks their rollout to 200 users.",
                }
            ]
        },
    )

    idea_id: uuid.UUID = Field(description="An idea of your organisation, checked with the ideas service.")
    importance: Importance = Importance.IMPORTANT
    note: Note | None = None


class IdeaLinkUpdate(PatchModel):
    importance: Importance | None = None
    note: Note | None = None


class IdeaLinkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idea_id: uuid.UUID
    feedback_id: uuid.UUID | None
    theme_id: uuid.UUID | None
    importance: Importance
    note: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class Quote(BaseModel):
    feedback_id: uuid.UUID
    text: str
    importance: Importance
    received_at: dt.datetime


class Evidence(BaseModel):
    idea_id: uuid.UUID
    item_count: int = Field(description="Feedback items linked directly or through a linked theme.")
    customer_count: int
    customer_value: list[MoneyTotal]
    importance: dict[Importance, int] = Field(description="Items per importance.")
    quotes: list[Quote] = Field(description="Representative quotes: the most important, newest first.")


class Demand(BaseModel):
    idea_id: uuid.UUID
    item_count: int
    customer_count: int
    weighted_value: int = Field(
        description="Sum over distinct customers of value (minor units, in `currency`) x importance weight (1 to 3)."
    )
