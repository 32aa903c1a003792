"""Pre-registration: once an experiment has started, what it set out to test is fixed.

Its hypothesis, its test description and (in the metrics package) its metrics and their
criteria change only through an amendment record — what, why, who and when — and the
experiment then says `amended_after_start` on every read, so a verdict can never quietly
rest on criteria moved after the data came in. This module is the one place that rule lives.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.experiments.models import Experiment, ExperimentAmendment, ExperimentStatus
from ideaflow_experiments.experiments.permissions import ensure_may_edit
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict

LOCKED_FIELDS = frozenset({"hypothesis", "test_description"})
AMENDABLE_STATUSES = (ExperimentStatus.RUNNING, ExperimentStatus.CONCLUDED)


def is_locked(experiment: Experiment) -> bool:
    """Whether the pre-registered parts may now change only by amendment (from the start on)."""
    return experiment.started_at is not None


def ensure_unlocked(experiment: Experiment, fields: Iterable[str]) -> None:
    """Refuse (409) a direct change of pre-registered fields of a started experiment."""
    locked = sorted(LOCKED_FIELDS.intersection(fields)) if is_locked(experiment) else []
    if locked:
        raise Conflict(
            f"{', '.join(locked)} cannot be changed directly once the experiment has started; "
            f"POST /v1/experiments/{experiment.id}/amendments with the reason instead.",
            extra={"locked_fields": locked},
        )


async def amend(
    session: AsyncSession,
    *,
    experiment: Experiment,
    identity: Identity,
    what: str,
    why: str,
    changes: dict[str, dict[str, Any]],
) -> ExperimentAmendment:
    """Record an amendment of a started experiment and mark the experiment as amended.

    `changes` maps each changed item to `{"from": old, "to": new}` (JSON values), e.g.
    `{"metrics/<id>/success_threshold": {"from": 0.1, "to": 0.15}}`; the caller applies the
    change itself in the same transaction. Only the owner or a manager may amend (403), and
    only a running or concluded experiment (409 otherwise, listing the statuses that allow it).
    """
    ensure_may_edit(identity, experiment)
    if not is_locked(experiment) or experiment.status not in AMENDABLE_STATUSES:
        raise Conflict(
            f"A {experiment.status} experiment is not amended: before the start change it directly, "
            "after a decision or cancellation it is closed.",
            extra={
                "current_status": experiment.status.value,
                "allowed": [status.value for status in AMENDABLE_STATUSES],
            },
        )
    now = utcnow()
    amendment = ExperimentAmendment(
        id=uuid.uuid4(),
        organization_id=experiment.organization_id,
        experiment_id=experiment.id,
        what=what,
        why=why,
        changes=changes,
        amended_by=identity.principal_id,
        amended_at=now,
    )
    session.add(amendment)
    experiment.amended_after_start = True
    experiment.version += 1
    experiment.updated_at = now
    await session.flush()
    return amendment
