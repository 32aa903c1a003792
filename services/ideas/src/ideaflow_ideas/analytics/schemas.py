"""The analytics report; every figure's definition is in its field description."""

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from ideaflow_ideas.ideas.models import IdeaStage


class DepartmentParticipation(BaseModel):
    department: str | None = Field(description="The submitters' department; null when they withheld it.")
    submitters: int = Field(description="Distinct named submitters of this department with an idea in the period.")
    ideas: int = Field(description="Ideas of this department submitted in the period, anonymous ones included.")
    anonymous_ideas: int = Field(description="Of those, the anonymous ones (counted, never identified).")


class Participation(BaseModel):
    submitters: int = Field(description="Distinct named people who submitted an idea in the period.")
    ideas: int = Field(description="Ideas submitted in the period.")
    anonymous_ideas: int = Field(description="Ideas submitted anonymously in the period: counted without identities.")
    commenters: int = Field(description="Distinct named people who commented in the period on ideas in scope.")
    anonymous_comments: int = Field(description="Anonymous comments written in the period on ideas in scope.")
    voters: int = Field(
        description="Distinct people who up-voted in the period on ideas in scope, counted by their secret-ballot "
        "voter key (one per person in the organisation), never by identity."
    )
    votes: int = Field(description="Up-votes cast in the period on ideas in scope.")
    by_department: list[DepartmentParticipation] = Field(
        description="Submitters and ideas per department. Commenters and voters have no department on record "
        "(comments keep only the author, votes only a voter key), so they are not split."
    )


class FunnelStage(BaseModel):
    stage: IdeaStage
    current: int = Field(description="Ideas submitted in the period that are in this stage now.")
    reached: int | None = Field(
        description="For the main line (submitted → screening → backlog → experimenting → adopted): ideas of the "
        "period that ever reached this stage or a later one of the line, per their stage history. "
        "Null for stages off the line (parked, rejected, merged)."
    )


class Conversion(BaseModel):
    from_stage: IdeaStage
    to_stage: IdeaStage
    rate: float | None = Field(
        description="reached(to_stage) / reached(from_stage), rounded to 4 places; null when none reached from_stage."
    )


class Funnel(BaseModel):
    stages: list[FunnelStage]
    conversions: list[Conversion] = Field(description="Between consecutive stages of the main line.")


class StageTime(BaseModel):
    stage: IdeaStage
    stays: int = Field(description="Completed stays in this stage by ideas submitted in the period.")
    median_hours: float | None = Field(
        description="Median hours of those stays: from entering the stage (submission, or the move into it) to the "
        "next move out of it, per the stage history; stays still open are not counted. Null when there are none."
    )


class Responsiveness(BaseModel):
    ideas: int = Field(description="Ideas submitted in the period.")
    answered: int = Field(description="Of those, the ideas with a first response.")
    median_hours_to_first_response: float | None = Field(
        description="Median hours from submission to the first response: the first stage change or reviewer's or "
        "manager's comment, whichever came first (later answers do not replace it). Null when none was answered."
    )
    answered_within_days: int = Field(description="The N of the share below (the request's answered_within_days).")
    answered_within_share: float | None = Field(
        description="Share of the period's ideas whose first response came within N days of submission, "
        "rounded to 4 places; unanswered ideas count as not answered. Null when the period has no ideas."
    )


class ChallengeDepartment(BaseModel):
    department: str | None = Field(description="The submitters' department; null when withheld.")
    ideas: int
    votes: int = Field(description="Up-votes these ideas hold (whenever cast).")
    dots: int = Field(description="Dots these ideas hold (whenever placed).")


class ChallengeParticipation(BaseModel):
    challenge_id: uuid.UUID
    departments: int = Field(description="Distinct disclosed departments that submitted ideas to the challenge.")
    ideas: int = Field(description="The challenge's ideas submitted in the period.")
    votes: int = Field(description="Up-votes those ideas hold.")
    dots: int = Field(description="Dots those ideas hold.")
    by_department: list[ChallengeDepartment]


class AnalyticsReport(BaseModel):
    period_start: dt.datetime = Field(description="Start of the period (inclusive).")
    period_end: dt.datetime = Field(description="End of the period (exclusive).")
    challenge_id: uuid.UUID | None
    department: str | None
    participation: Participation
    funnel: Funnel
    time_in_stage: list[StageTime]
    responsiveness: Responsiveness
    challenges: list[ChallengeParticipation] = Field(
        description="Cross-department participation, per challenge with ideas submitted in the period."
    )
