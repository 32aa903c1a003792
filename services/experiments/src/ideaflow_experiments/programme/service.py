"""The programme view: what the organisation's experimenting looked like in a period.

Experiments and budgets count when the experiment was created in the period, decisions when they
were taken in it, learnings when recorded in it; overdue experiments are those overdue now. The
share of ideas that reached an experiment needs the ideas submitted in the period from the ideas
service: when it cannot answer, those figures are null with the reason, and the rest still comes
back (a programme review should not fail because one service is down).
"""

import datetime as dt
import statistics

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments.models import ExperimentStatus, ExperimentType
from ideaflow_experiments.learnings.models import LearningKind
from ideaflow_experiments.metrics.verdict_schemas import Outcome
from ideaflow_experiments.programme import repository
from ideaflow_experiments.programme.repository import Period
from ideaflow_experiments.programme.schemas import (
    CurrencyBudget,
    DecisionFigures,
    ExperimentCounts,
    IdeaFigures,
    KindCount,
    LearningFigures,
    OverdueExperiment,
    OverdueFigures,
    ProgrammeReport,
    StatusCount,
    TypeCount,
)
from ideaflow_shared.clients.ideas import IdeasClient
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import GatewayTimeout, ServiceUnavailable

MAX_IDEAS = 10_000  # ideas of one period fetched from the ideas service; beyond, the share is not computed
OVERDUE_LISTED = 100
_DAY = dt.timedelta(days=1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def _experiment_counts(session: AsyncSession, period: Period) -> ExperimentCounts:
    by_status = dict.fromkeys(ExperimentStatus, 0)
    by_type = dict.fromkeys(ExperimentType, 0)
    for status, kind, count in await repository.experiments_by_status_and_type(session, period):
        by_status[status] += count
        by_type[kind] += count
    return ExperimentCounts(
        created=sum(by_status.values()),
        by_status=[StatusCount(status=status, experiments=count) for status, count in by_status.items()],
        by_type=[TypeCount(type=kind, experiments=count) for kind, count in by_type.items()],
    )


async def _decision_figures(session: AsyncSession, period: Period) -> DecisionFigures:
    decided = await repository.decided_experiments(session, period)
    validated = sum(1 for _, _, outcome in decided if outcome == Outcome.VALIDATED)
    durations = [(decided_at - started_at) / _DAY for started_at, decided_at, _ in decided if started_at is not None]
    return DecisionFigures(
        decided=len(decided),
        validated=validated,
        validated_share=_share(validated, len(decided)),
        median_days_start_to_decision=round(statistics.median(durations), 2) if durations else None,
    )


async def _learning_figures(session: AsyncSession, period: Period) -> LearningFigures:
    by_kind = dict.fromkeys(LearningKind, 0)
    for kind, count in await repository.learnings_by_kind(session, period):
        by_kind[kind] = count
    return LearningFigures(
        recorded=sum(by_kind.values()),
        by_kind=[KindCount(kind=kind, learnings=count) for kind, count in by_kind.items()],
    )


async def _idea_figures(
    session: AsyncSession, period: Period, *, identity: Identity, ideas: IdeasClient
) -> IdeaFigures:
    try:
        idea_ids = await ideas.idea_ids_created_between(
            period.start, period.end, identity=identity, max_ideas=MAX_IDEAS
        )
    except (ServiceUnavailable, GatewayTimeout) as error:
        return IdeaFigures(
            submitted=None,
            reached_experiment=None,
            share_reached_experiment=None,
            unavailable_reason=f"{error.detail} The idea figures could not be computed.",
        )
    if idea_ids is None:
        return IdeaFigures(
            submitted=None,
            reached_experiment=None,
            share_reached_experiment=None,
            unavailable_reason=f"More than {MAX_IDEAS} ideas were submitted in the period; choose a shorter one.",
        )
    reached = await repository.ideas_with_experiments(
        session, organization_id=period.organization_id, idea_ids=idea_ids
    )
    return IdeaFigures(
        submitted=len(idea_ids),
        reached_experiment=len(reached),
        share_reached_experiment=_share(len(reached), len(idea_ids)),
        unavailable_reason=None,
    )


async def _overdue_figures(session: AsyncSession, period: Period) -> OverdueFigures:
    now = utcnow()
    total, rows = await repository.overdue_experiments(
        session, organization_id=period.organization_id, now=now, limit=OVERDUE_LISTED
    )
    return OverdueFigures(
        total=total,
        experiments=[
            OverdueExperiment(
                id=row.id,
                title=row.title,
                status=row.status,
                owner_id=row.owner_id,
                planned_end_at=row.planned_end_at,
                days_overdue=round((now - row.planned_end_at) / _DAY, 1),
            )
            for row in rows
            if row.planned_end_at is not None
        ],
    )


async def build_report(
    session: AsyncSession, *, identity: Identity, ideas: IdeasClient, start: dt.datetime, end: dt.datetime
) -> ProgrammeReport:
    """Every figure of the programme view for `[start, end)`; any member of the organisation may read it."""
    period = Period(organization_id=identity.organization_id, start=start, end=end)
    budgets = await repository.budgets_by_currency(session, period)
    return ProgrammeReport(
        period_start=start,
        period_end=end,
        experiments=await _experiment_counts(session, period),
        decisions=await _decision_figures(session, period),
        budgets=[
            CurrencyBudget(
                currency=currency, experiments=count, planned_amount=planned, spent_amount=spent, over_budget=over
            )
            for currency, count, planned, spent, over in budgets
        ],
        learnings=await _learning_figures(session, period),
        ideas=await _idea_figures(session, period, identity=identity, ideas=ideas),
        overdue=await _overdue_figures(session, period),
    )
