"""HTTP endpoint for analytics: `GET /v1/ideas/analytics`."""

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from ideaflow_ideas.analytics import service
from ideaflow_ideas.analytics.schemas import AnalyticsReport
from ideaflow_ideas.fixed_paths import refuse_other_methods
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Label, Timestamp

router = APIRouter(prefix="/v1/ideas", tags=["analytics"])

_DEFAULT_PERIOD = dt.timedelta(days=90)


@router.get(
    "/analytics",
    response_model=AnalyticsReport,
    summary="Report how ideas are taken up and answered",
    responses=problem_responses(400, 403, 422),
)
async def report_idea_analytics(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    start: Annotated[
        Timestamp | None,
        Query(alias="from", description="Start of the period, inclusive (RFC 3339; default: 90 days before `to`)."),
    ] = None,
    end: Annotated[
        Timestamp | None, Query(alias="to", description="End of the period, exclusive (default: now).")
    ] = None,
    challenge_id: Annotated[uuid.UUID | None, Query(description="Only ideas of this challenge.")] = None,
    department: Annotated[Label | None, Query(description="Only ideas submitted from this department.")] = None,
    answered_within_days: Annotated[
        int, Query(ge=1, le=365, description="N for the share of ideas answered within N days of submission.")
    ] = 7,
) -> AnalyticsReport:
    """For reviewers, managers and admins (others get 403): whether ideas are genuinely considered.

    Ideas count when submitted in `[from, to)`; comments and votes when written or cast in it.
    `challenge_id` and `department` narrow everything to ideas of that challenge or submitted from
    that department (comments and votes on those ideas). Anonymous contributions are counted, never
    identified. A period with `to` at or before `from` is empty: its figures are zeros and nulls.
    Each figure's definition is in the response schema.
    """
    end = end or dt.datetime.now(dt.UTC)
    return await service.build_report(
        session,
        identity=identity,
        start=start or end - _DEFAULT_PERIOD,
        end=end,
        challenge_id=challenge_id,
        department=department,
        answered_within_days=answered_within_days,
    )


refuse_other_methods(router, "/analytics", allowed="GET")
