"""Deciding on a concluded experiment. `record_decision` is the one way in (later published as an event)."""

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.assumptions.models import AssumptionStatus
from ideaflow_experiments.assumptions.service import record_evidence
from ideaflow_experiments.decisions import repository
from ideaflow_experiments.decisions.models import Decision, DecisionKind
from ideaflow_experiments.decisions.schemas import DecisionCreate, FollowUpExperiment
from ideaflow_experiments.experiments.lifecycle import transition
from ideaflow_experiments.experiments.models import Experiment, ExperimentStatus
from ideaflow_experiments.experiments.service import get_experiment
from ideaflow_experiments.metrics.verdict_schemas import Outcome
from ideaflow_experiments.metrics.verdict_service import compute_verdict
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Forbidden, NotFound, UnprocessableContent

DECIDER_ROLE = "manager"

# What a verdict says about the assumptions the experiment tested, unless the decider says otherwise.
_EVIDENCE_BY_VERDICT = {Outcome.VALIDATED: AssumptionStatus.SUPPORTED, Outcome.INVALIDATED: AssumptionStatus.REFUTED}


def _assumption_outcomes(experiment: Experiment, data: DecisionCreate, verdict: Outcome) -> dict[str, AssumptionStatus]:
    """Each tested assumption's new status: the decider's where given, else what the verdict implies."""
    tested = [uuid.UUID(assumption_id) for assumption_id in experiment.assumption_ids]
    overrides: dict[uuid.UUID, AssumptionStatus] = {}
    for index, outcome in enumerate(data.assumption_outcomes):
        if outcome.assumption_id not in tested:
            raise UnprocessableContent.at(
                f"/body/assumption_outcomes/{index}/assumption_id",
                f"The experiment does not test an assumption with id {outcome.assumption_id}.",
            )
        overrides[outcome.assumption_id] = AssumptionStatus(outcome.status)
    default = _EVIDENCE_BY_VERDICT.get(verdict, AssumptionStatus.UNCLEAR)
    return {str(assumption_id): overrides.get(assumption_id, default) for assumption_id in tested}


def _follow_up(parent: Experiment, plan: FollowUpExperiment, *, identity: Identity, now: dt.datetime) -> Experiment:
    """A draft for the same idea, owned by the decider, that remembers which experiment it continues."""
    return Experiment(
        id=uuid.uuid4(),
        organization_id=parent.organization_id,
        idea_id=parent.idea_id,
        parent_experiment_id=parent.id,
        title=plan.title,
        hypothesis=plan.hypothesis,
        test_description=plan.test_description,
        type=plan.type,
        status=ExperimentStatus.DRAFT,
        owner_id=identity.principal_id,
        team=[],
        assumption_ids=[],
        budget_currency=parent.budget_currency,
        budget_spent_amount=0,
        created_at=now,
        updated_at=now,
        version=1,
    )


async def record_decision(
    session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID, data: DecisionCreate
) -> tuple[Experiment, Decision]:
    """Decide on a concluded experiment (managers only): it becomes `decided`, its tested assumptions
    take their new status with the experiment as evidence, and a pivot may open a follow-up draft."""
    if not identity.has_role(DECIDER_ROLE):
        raise Forbidden(f"Deciding on an experiment needs the '{DECIDER_ROLE}' role.")
    experiment = await get_experiment(session, identity=identity, experiment_id=experiment_id)
    now = utcnow()
    transition(experiment, ExperimentStatus.DECIDED, now=now)
    if data.follow_up is not None and data.decision is not DecisionKind.PIVOT:
        raise UnprocessableContent.at("/body/follow_up", "Only a pivot opens a follow-up experiment.")
    verdict = await compute_verdict(session, identity=identity, experiment_id=experiment.id)
    outcomes = _assumption_outcomes(experiment, data, verdict.outcome)
    by_status: dict[AssumptionStatus, list[uuid.UUID]] = defaultdict(list)
    for assumption_id, status in outcomes.items():
        by_status[status].append(uuid.UUID(assumption_id))
    for status, assumption_ids in by_status.items():
        await record_evidence(
            session,
            organization_id=identity.organization_id,
            assumption_ids=assumption_ids,
            status=status,
            experiment_id=experiment.id,
            now=now,
        )
    follow_up = None if data.follow_up is None else _follow_up(experiment, data.follow_up, identity=identity, now=now)
    if follow_up is not None:
        session.add(follow_up)
    decision = Decision(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        experiment_id=experiment.id,
        decision=data.decision,
        rationale=data.rationale,
        next_steps=data.next_steps,
        decided_by=identity.principal_id,
        decided_at=now,
        verdict_outcome=verdict.outcome.value,
        assumption_outcomes={assumption_id: status.value for assumption_id, status in outcomes.items()},
        follow_up_experiment_id=None if follow_up is None else follow_up.id,
    )
    repository.add_decision(session, decision)
    await session.flush()
    return experiment, decision


async def get_decision(session: AsyncSession, *, identity: Identity, experiment_id: uuid.UUID) -> Decision:
    await get_experiment(session, identity=identity, experiment_id=experiment_id)
    decision = await repository.get_decision(
        session, organization_id=identity.organization_id, experiment_id=experiment_id
    )
    if decision is None:
        raise NotFound(f"Experiment {experiment_id} has not been decided yet.")
    return decision
