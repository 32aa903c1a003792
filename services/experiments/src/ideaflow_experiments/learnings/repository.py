"""All SQL for learning cards (search lives in search.py). Every query is scoped to one organisation."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.learnings.models import Learning, LearningKind, LearningLink, LinkTarget
from ideaflow_shared.pagination import PageRequest, next_page, paginate


@dataclass(frozen=True, slots=True)
class LearningFilters:
    kind: LearningKind | None = None
    experiment_id: uuid.UUID | None = None
    assumption_id: uuid.UUID | None = None


async def get_learning(session: AsyncSession, *, organization_id: uuid.UUID, learning_id: uuid.UUID) -> Learning | None:
    return await session.scalar(
        select(Learning).where(Learning.organization_id == organization_id, Learning.id == learning_id)
    )


def _linked_to(kind: LinkTarget, target_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        LearningLink.learning_id == Learning.id, LearningLink.target_kind == kind, LearningLink.target_id == target_id
    )


async def list_learnings(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    filters: LearningFilters,
    descending: bool,
    ordering: str,
    page: PageRequest,
) -> tuple[Sequence[Learning], str | None]:
    statement = select(Learning).where(Learning.organization_id == organization_id)
    if filters.kind is not None:
        statement = statement.where(Learning.kind == filters.kind)
    if filters.experiment_id is not None:
        statement = statement.where(_linked_to(LinkTarget.EXPERIMENT, filters.experiment_id))
    if filters.assumption_id is not None:
        statement = statement.where(_linked_to(LinkTarget.ASSUMPTION, filters.assumption_id))
    statement = paginate(
        statement, keys=[Learning.created_at, Learning.id], descending=descending, page=page, ordering=ordering
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=ordering, key_of=lambda learning: (learning.created_at, learning.id))


async def links_of(
    session: AsyncSession, *, organization_id: uuid.UUID, learning_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LearningLink]]:
    """The links of several learnings at once (one query for a whole page)."""
    links: dict[uuid.UUID, list[LearningLink]] = {learning_id: [] for learning_id in learning_ids}
    if not learning_ids:
        return links
    statement = (
        select(LearningLink)
        .where(LearningLink.organization_id == organization_id, LearningLink.learning_id.in_(learning_ids))
        .order_by(LearningLink.target_kind, LearningLink.target_id)
    )
    for link in await session.scalars(statement):
        links[link.learning_id].append(link)
    return links


async def replace_links(
    session: AsyncSession, *, learning: Learning, kind: LinkTarget, target_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(
        delete(LearningLink).where(LearningLink.learning_id == learning.id, LearningLink.target_kind == kind)
    )
    session.add_all(
        LearningLink(
            learning_id=learning.id, target_kind=kind, target_id=target_id, organization_id=learning.organization_id
        )
        for target_id in dict.fromkeys(target_ids)
    )


def add_learning(session: AsyncSession, learning: Learning) -> None:
    session.add(learning)


async def delete_learning(session: AsyncSession, learning: Learning) -> None:
    await session.delete(learning)
