"""The rules for learning cards.

Cards belong to the team, not to a person: no author is stored, anyone in the organisation may
write one, and managers curate them (change or delete). Failures are analysed by process.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.learnings import repository, search
from ideaflow_experiments.learnings.models import Learning, LearningLink, LinkTarget
from ideaflow_experiments.learnings.repository import LearningFilters
from ideaflow_experiments.learnings.schemas import (
    FailureAnalysis,
    LearningCreate,
    LearningOrder,
    LearningPublic,
    LearningUpdate,
    SearchScope,
)
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound

CURATOR_ROLE = "manager"


def public(learning: Learning, links: Sequence[LearningLink]) -> LearningPublic:
    analysis = None
    if learning.failure_cause is not None and learning.process_change is not None:
        analysis = FailureAnalysis(cause=learning.failure_cause, process_change=learning.process_change)
    return LearningPublic(
        id=learning.id,
        title=learning.title,
        we_believed=learning.we_believed,
        we_observed=learning.we_observed,
        we_learned=learning.we_learned,
        therefore_we_will=learning.therefore_we_will,
        kind=learning.kind,
        experiment_ids=[link.target_id for link in links if link.target_kind is LinkTarget.EXPERIMENT],
        assumption_ids=[link.target_id for link in links if link.target_kind is LinkTarget.ASSUMPTION],
        tags=learning.tags,
        failure_analysis=analysis,
        created_at=learning.created_at,
        updated_at=learning.updated_at,
        version=learning.version,
    )


async def _public_one(session: AsyncSession, learning: Learning) -> LearningPublic:
    links = await repository.links_of(session, organization_id=learning.organization_id, learning_ids=[learning.id])
    return public(learning, links[learning.id])


def _apply_analysis(learning: Learning, analysis: FailureAnalysis | None) -> None:
    learning.failure_cause = analysis.cause if analysis else None
    learning.process_change = analysis.process_change if analysis else None


async def create_learning(session: AsyncSession, *, identity: Identity, data: LearningCreate) -> LearningPublic:
    """Record a learning card of the caller's organisation; any member may."""
    now = utcnow()
    learning = Learning(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        **data.model_dump(include={"title", "we_believed", "we_observed", "we_learned", "therefore_we_will", "kind"}),
        tags=list(dict.fromkeys(data.tags)),
        created_at=now,
        updated_at=now,
        version=1,
    )
    _apply_analysis(learning, data.failure_analysis)
    repository.add_learning(session, learning)
    await session.flush()
    await repository.replace_links(
        session, learning=learning, kind=LinkTarget.EXPERIMENT, target_ids=data.experiment_ids
    )
    await repository.replace_links(
        session, learning=learning, kind=LinkTarget.ASSUMPTION, target_ids=data.assumption_ids
    )
    await session.flush()
    return await _public_one(session, learning)


async def _get(session: AsyncSession, *, identity: Identity, learning_id: uuid.UUID) -> Learning:
    learning = await repository.get_learning(session, organization_id=identity.organization_id, learning_id=learning_id)
    if learning is None:
        raise NotFound(f"No learning with id {learning_id} exists.")
    return learning


async def get_learning(session: AsyncSession, *, identity: Identity, learning_id: uuid.UUID) -> LearningPublic:
    return await _public_one(session, await _get(session, identity=identity, learning_id=learning_id))


async def list_learnings(
    session: AsyncSession, *, identity: Identity, filters: LearningFilters, order: LearningOrder, page: PageRequest
) -> tuple[list[LearningPublic], str | None]:
    learnings, token = await repository.list_learnings(
        session,
        organization_id=identity.organization_id,
        filters=filters,
        descending=order.value.startswith("-"),
        ordering=order.value,
        page=page,
    )
    links = await repository.links_of(
        session, organization_id=identity.organization_id, learning_ids=[learning.id for learning in learnings]
    )
    return [public(learning, links[learning.id]) for learning in learnings], token


def _ensure_curator(identity: Identity) -> None:
    if not identity.has_role(CURATOR_ROLE):
        raise Forbidden("Learning cards belong to the team; a manager curates them (changes or deletes).")


async def update_learning(
    session: AsyncSession, *, identity: Identity, learning_id: uuid.UUID, if_match: str | None, data: LearningUpdate
) -> LearningPublic:
    learning = await _get(session, identity=identity, learning_id=learning_id)
    check_if_match(if_match, learning.version)
    _ensure_curator(identity)
    changes = data.changes()
    for field in ("title", "we_believed", "we_observed", "we_learned", "therefore_we_will", "kind"):
        if field in changes:
            setattr(learning, field, getattr(data, field))
    if data.tags is not None:
        learning.tags = list(dict.fromkeys(data.tags))
    if "failure_analysis" in changes:
        _apply_analysis(learning, data.failure_analysis)
    if data.experiment_ids is not None:
        await repository.replace_links(
            session, learning=learning, kind=LinkTarget.EXPERIMENT, target_ids=data.experiment_ids
        )
    if data.assumption_ids is not None:
        await repository.replace_links(
            session, learning=learning, kind=LinkTarget.ASSUMPTION, target_ids=data.assumption_ids
        )
    learning.version += 1
    learning.updated_at = utcnow()
    await session.flush()
    return await _public_one(session, learning)


async def delete_learning(
    session: AsyncSession, *, identity: Identity, learning_id: uuid.UUID, if_match: str | None
) -> None:
    learning = await _get(session, identity=identity, learning_id=learning_id)
    check_if_match(if_match, learning.version)
    _ensure_curator(identity)
    await repository.delete_learning(session, learning)


async def search_memory(
    session: AsyncSession, *, identity: Identity, query: str, scope: SearchScope, page: PageRequest
) -> tuple[list[search.Hit], str | None]:
    """Learnings and experiments whose text has every significant word of `query`, best first."""
    return await search.search(session, organization_id=identity.organization_id, query=query, scope=scope, page=page)


async def related_learnings(
    session: AsyncSession, *, identity: Identity, hypothesis: str, limit: int
) -> list[search.Hit]:
    """Learnings sharing any significant word with a draft hypothesis, the most related first."""
    hits, _ = await search.search(
        session,
        organization_id=identity.organization_id,
        query=hypothesis,
        scope=SearchScope.LEARNINGS,
        page=PageRequest(size=limit, token=None),
        any_word=True,
    )
    return hits
