"""The experiment lifecycle: the one table of allowed status changes, and the actions that follow it.

    draft → running → concluded → decided
    draft | running → cancelled (with a reason)

Every status change goes through `transition`, so an illegal one is always the same 409
problem listing the statuses the experiment may move to.
"""

import datetime as dt
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments.models import Experiment, ExperimentStatus
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_experiments.experiments.service import get_experiment
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict

TRANSITIONS: Mapping[ExperimentStatus, tuple[ExperimentStatus, ...]] = {
    ExperimentStatus.DRAFT: (ExperimentStatus.RUNNING, ExperimentStatus.CANCELLED),
    ExperimentStatus.RUNNING: (ExperimentStatus.CONCLUDED, ExperimentStatus.CANCELLED),
    ExperimentStatus.CONCLUDED: (ExperimentStatus.DECIDED,),
    ExperimentStatus.DECIDED: (),
    ExperimentStatus.CANCELLED: (),
}

# When each status was reached is kept on the experiment (start→decision time, audits).
_REACHED_AT = {
    ExperimentStatus.RUNNING: "started_at",
    ExperimentStatus.CONCLUDED: "concluded_at",
    ExperimentStatus.DECIDED: "decided_at",
    ExperimentStatus.CANCELLED: "cancelled_at",
}


def transition(experiment: Experiment, target: ExperimentStatus, *, now: dt.datetime) -> None:
    """Move the experiment to `target`, or raise 409 listing the statuses it may move to."""
    allowed = TRANSITIONS[experiment.status]
    if target not in allowed:
        raise Conflict(
            f"A {experiment.status} experiment cannot become {target}.",
            extra={"current_status": experiment.status.value, "allowed": [status.value for status in allowed]},
        )
    experiment.status = target
    setattr(experiment, _REACHED_AT[target], now)
    experiment.version += 1
    experiment.updated_at = now


async def _act(
    session: AsyncSession,
    *,
    identity: Identity,
    experiment_id: uuid.UUID,
    if_match: str | None,
    target: ExperimentStatus,
) -> Experiment:
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    if if_match is not None:
        check_if_match(if_match, experiment.version)
    ensure_may_edit(identity, experiment)
    transition(experiment, target, now=utcnow())
    await session.flush()
    return experiment


async def start_experiment(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, if_match: str | None
) -> Experiment:
    """Start a draft: from now on its pre-registered parts change only by amendment."""
    return await _act(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match, target=ExperimentStatus.RUNNING
    )


async def conclude_experiment(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, if_match: str | None
) -> Experiment:
    """End a running experiment's data collection; a decision comes next."""
    return await _act(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match, target=ExperimentStatus.CONCLUDED
    )


async def cancel_experiment(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, if_match: str | None, reason: str
) -> Experiment:
    """Stop a draft or running experiment for good, keeping why (failures are memory too)."""
    experiment = await _act(
        session, identity=identity, experiment_id=experiment_id, if_match=if_match, target=ExperimentStatus.CANCELLED
    )
    experiment.cancellation_reason = reason
    await session.flush()
    return experiment
