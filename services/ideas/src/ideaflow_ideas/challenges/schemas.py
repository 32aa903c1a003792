"""What `/v1/challenges` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_ideas.challenges.models import ChallengeAudience, ChallengePhase
from ideaflow_shared.types import Label, LongText, NonBlank, PatchModel, ShortText, Timestamp, WholeNumber

FocusQuestion = Annotated[str, StringConstraints(min_length=1, max_length=500), NonBlank]
Note = Annotated[str, StringConstraints(max_length=2000), NonBlank]
Departments = Annotated[list[Label], Field(max_length=50, description="Invited departments, lower-cased.")]
DotBudget = Annotated[
    int, Field(ge=1, le=100, description="Dots each participant may spread across ideas."), WholeNumber
]
DotCap = Annotated[int, Field(ge=1, le=100, description="Most dots one participant may give one idea."), WholeNumber]


def check_challenge_rules(
    *,
    audience: ChallengeAudience,
    departments: list[str],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    dot_budget: int,
    dots_per_idea_cap: int,
) -> list[tuple[str, str]]:
    """The rules across fields, as (field, why) pairs: empty when the challenge is consistent.

    A schema cannot express them, so they are checked by the service and refused with a 400 that
    points at each field, like a page token that decodes to nothing.
    """
    broken = []
    if closes_at <= opens_at:
        broken.append(("closes_at", "closes_at must be after opens_at"))
    if audience == ChallengeAudience.DEPARTMENTS and not departments:
        broken.append(("departments", "name at least one department when the audience is `departments`"))
    if audience != ChallengeAudience.DEPARTMENTS and departments:
        broken.append(("departments", "departments are only named when the audience is `departments`"))
    if dots_per_idea_cap > dot_budget:
        broken.append(("dots_per_idea_cap", "the per-idea cap cannot exceed the dot budget"))
    return broken


class ChallengeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Faster deliveries",
                    "focus_question": "How might we deliver regular orders a day sooner?",
                    "description": "Ideas from everyone who touches an order.",
                    "audience": "organization",
                    "opens_at": "2026-12-01T08:00:00Z",
                    "closes_at": "2026-12-15T17:00:00Z",
                    "dot_budget": 10,
                    "dots_per_idea_cap": 3,
                }
            ]
        },
    )

    title: ShortText
    focus_question: FocusQuestion = Field(description="The one clearly defined question ideas answer.")
    description: LongText = ""
    audience: ChallengeAudience = ChallengeAudience.ORGANIZATION
    departments: Departments = []
    opens_at: Timestamp
    closes_at: Timestamp
    dot_budget: DotBudget = 10
    dots_per_idea_cap: DotCap = 3


class ChallengeUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. Closed challenges cannot change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"dot_budget": 12}]})

    title: ShortText | None = None
    focus_question: FocusQuestion | None = None
    description: LongText | None = None
    audience: ChallengeAudience | None = None
    departments: Departments | None = None
    opens_at: Timestamp | None = None
    closes_at: Timestamp | None = None
    dot_budget: DotBudget | None = None
    dots_per_idea_cap: DotCap | None = None


class PhaseMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phase": "evaluation", "note": "Enough ideas."}]}
    )

    phase: ChallengePhase = Field(description="The phase to move to; see the allowed moves in the 409 problem.")
    note: Note | None = Field(default=None, description="Why, for the history.")


class PhaseChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_phase: ChallengePhase
    to_phase: ChallengePhase
    actor_id: str
    note: str
    changed_at: dt.datetime


class ChallengePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    focus_question: str
    description: str
    audience: ChallengeAudience
    departments: list[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    dot_budget: int
    dots_per_idea_cap: int
    phase: ChallengePhase
    phase_history: list[PhaseChangePublic] = Field(validation_alias="phase_changes")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class ChallengeSummary(BaseModel):
    challenge_id: uuid.UUID
    phase: ChallengePhase
    ideas: int
    named_contributors: int = Field(description="Distinct named authors of ideas and comments.")
    anonymous_contributions: int = Field(
        description="Anonymous ideas and comments; they cannot be told apart by person, by design."
    )
    dot_voters: int = Field(description="Distinct participants who placed dots.")
    departments: list[str] = Field(description="Departments of the ideas' authors, where not withheld.")
    up_votes: int
    dots: int
    comments: int


class ChallengeOrder(enum.StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
