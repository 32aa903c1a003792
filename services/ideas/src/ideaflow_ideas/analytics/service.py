"""Analytics: reviewers, managers and admins see whether ideas are genuinely considered."""

import datetime as dt
import itertools
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.analytics import repository
from ideaflow_ideas.analytics.repository import FUNNEL, Scope
from ideaflow_ideas.analytics.schemas import (
    AnalyticsReport,
    ChallengeDepartment,
    ChallengeParticipation,
    Conversion,
    DepartmentParticipation,
    Funnel,
    FunnelStage,
    Participation,
    Responsiveness,
    StageTime,
)
from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_ideas.roles import MANAGER, REVIEWER, ensure_any_role
from ideaflow_shared.identity import Identity

_HOUR = dt.timedelta(hours=1)


async def build_report(
    session: AsyncSession,
    *,
    identity: Identity,
    start: dt.datetime,
    end: dt.datetime,
    challenge_id: uuid.UUID | None,
    department: str | None,
    answered_within_days: int,
) -> AnalyticsReport:
    ensure_any_role(identity, (REVIEWER, MANAGER), action="see analytics")
    scope = Scope(
        organization_id=identity.organization_id,
        start=start,
        end=end,
        challenge_id=challenge_id,
        department=department,
    )
    participation = await _participation(session, scope=scope)
    return AnalyticsReport(
        period_start=start,
        period_end=end,
        challenge_id=challenge_id,
        department=department,
        participation=participation,
        funnel=await _funnel(session, scope=scope),
        time_in_stage=await _time_in_stage(session, scope=scope),
        responsiveness=await _responsiveness(session, scope=scope, within=dt.timedelta(days=answered_within_days)),
        challenges=await _challenges(session, scope=scope),
    )


async def _participation(session: AsyncSession, *, scope: Scope) -> Participation:
    departments = [
        DepartmentParticipation(department=row[0], submitters=row[1], ideas=row[2], anonymous_ideas=row[3])
        for row in await repository.submitters(session, scope=scope)
    ]
    departments.sort(key=lambda entry: (entry.department is None, entry.department or ""))
    submitters = await repository.submitters_overall(session, scope=scope)
    commenters, anonymous_comments = await repository.commenters(session, scope=scope)
    voters, votes = await repository.voters(session, scope=scope)
    return Participation(
        submitters=submitters,
        ideas=sum(entry.ideas for entry in departments),
        anonymous_ideas=sum(entry.anonymous_ideas for entry in departments),
        commenters=commenters,
        anonymous_comments=anonymous_comments,
        voters=voters,
        votes=votes,
        by_department=departments,
    )


async def _funnel(session: AsyncSession, *, scope: Scope) -> Funnel:
    current = await repository.current_stages(session, scope=scope)
    furthest = await repository.furthest_reached(session, scope=scope)
    reached = {
        stage: sum(n for rank, n in furthest.items() if rank >= position) for position, stage in enumerate(FUNNEL)
    }
    stages = [
        FunnelStage(stage=stage, current=current.get(stage, 0), reached=reached.get(stage)) for stage in IdeaStage
    ]
    conversions = [
        Conversion(from_stage=before, to_stage=after, rate=_ratio(reached[after], reached[before]))
        for before, after in itertools.pairwise(FUNNEL)
    ]
    return Funnel(stages=stages, conversions=conversions)


async def _time_in_stage(session: AsyncSession, *, scope: Scope) -> list[StageTime]:
    stays: dict[IdeaStage, list[float]] = defaultdict(list)
    previous_idea, entered = None, dt.datetime.min
    for idea_id, created_at, from_stage, changed_at in await repository.stage_history(session, scope=scope):
        if idea_id != previous_idea:
            previous_idea, entered = idea_id, created_at
        stays[IdeaStage(from_stage)].append((changed_at - entered) / _HOUR)
        entered = changed_at
    return [StageTime(stage=stage, stays=len(stays[stage]), median_hours=_median(stays[stage])) for stage in IdeaStage]


async def _responsiveness(session: AsyncSession, *, scope: Scope, within: dt.timedelta) -> Responsiveness:
    waits: list[dt.timedelta] = []
    rows = await repository.first_responses(session, scope=scope)
    for created_at, first_response in rows:
        if first_response is not None:
            waits.append(first_response - created_at)
    return Responsiveness(
        ideas=len(rows),
        answered=len(waits),
        median_hours_to_first_response=_median(wait / _HOUR for wait in waits),
        answered_within_days=within.days,
        answered_within_share=_ratio(sum(1 for wait in waits if wait <= within), len(rows)),
    )


async def _challenges(session: AsyncSession, *, scope: Scope) -> list[ChallengeParticipation]:
    per_challenge: dict[uuid.UUID, list[ChallengeDepartment]] = defaultdict(list)
    for challenge_id, department, ideas, votes, dots in await repository.challenge_departments(session, scope=scope):
        if challenge_id is not None:  # the query keeps challenge ideas only; this tells the type checker
            per_challenge[challenge_id].append(
                ChallengeDepartment(department=department, ideas=ideas, votes=votes, dots=dots)
            )
    report = []
    for challenge_id, departments in per_challenge.items():
        departments.sort(key=lambda entry: (entry.department is None, entry.department or ""))
        report.append(
            ChallengeParticipation(
                challenge_id=challenge_id,
                departments=sum(1 for entry in departments if entry.department is not None),
                ideas=sum(entry.ideas for entry in departments),
                votes=sum(entry.votes for entry in departments),
                dots=sum(entry.dots for entry in departments),
                by_department=departments,
            )
        )
    return sorted(report, key=lambda entry: str(entry.challenge_id))


def _median(values: Iterable[float]) -> float | None:
    collected = list(values)
    return round(statistics.median(collected), 2) if collected else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
