"""HTTP endpoint of the programme view: `GET /v1/programme`."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from ideaflow_experiments.ideas_service import IdeasClientDep
from ideaflow_experiments.programme import service
from ideaflow_experiments.programme.schemas import ProgrammeReport
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Timestamp

router = APIRouter(prefix="/v1/programme", tags=["programme"])

_DEFAULT_PERIOD = dt.timedelta(days=90)


@router.get(
    "",
    response_model=ProgrammeReport,
    summary="Report the experiment programme of a period",
    responses=problem_responses(422),
)
async def report_programme(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    start: Annotated[
        Timestamp | None,
        Query(alias="from", description="Start of the period, inclusive (RFC 3339; default: 90 days before `to`)."),
    ] = None,
    end: Annotated[
        Timestamp | None, Query(alias="to", description="End of the period, exclusive (default: now).")
    ] = None,
) -> ProgrammeReport:
    """Experiments created in the period by status and type, decisions taken in it (validated share, median
    days from start to decision), budgets planned against spent per currency, learnings recorded, the share of
    the period's ideas that reached an experiment, and the experiments overdue now.

    The idea figures come from the ideas service; when it is unavailable they are null and
    `ideas.unavailable_reason` says why, while every other figure is still answered. A period with
    `to` at or before `from` is empty.
    """
    end = end or dt.datetime.now(dt.UTC)
    if start is None:
        start = end - _DEFAULT_PERIOD if end - dt.datetime.min.replace(tzinfo=dt.UTC) > _DEFAULT_PERIOD else end
    return await service.build_report(session, identity=identity, ideas=ideas, start=start, end=end)
