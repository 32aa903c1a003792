"""Assigning feedback to themes as it arrives, and moving items between themes on people's say-so.

Every change to a theme's members goes through `join_theme` and `leave_theme`, which keep its centroid, item
count, seen-times and index keys right, so the engine's later decisions start from people's ones.
"""

import hashlib
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.models import Feedback
from ideaflow_feedback.themes import repository
from ideaflow_feedback.themes.engine import (
    Candidate,
    Embedder,
    LexicalEmbedder,
    Vector,
    cosine,
    mean_with,
    nearest,
    words,
)
from ideaflow_feedback.themes.models import Theme, ThemeAssignment
from ideaflow_shared.db import utcnow

DEFAULT_EMBEDDER: Embedder = LexicalEmbedder()
LABEL_LENGTH = 80


def stored(vector: Mapping[int, float]) -> dict[str, float]:
    """JSON object keys are strings."""
    return {str(feature): round(weight, 6) for feature, weight in vector.items()}


def loaded(vector: Mapping[str, float]) -> Vector:
    return {int(feature): weight for feature, weight in vector.items()}


def fingerprint(text: str) -> str:
    """Equal for texts with the same words in any order, case, accents or punctuation."""
    return hashlib.sha256(" ".join(sorted(set(words(text)))).encode()).hexdigest()


def label_for(feedback: Feedback) -> str:
    """A first, readable label: the item's title, else the start of its text. People rename it."""
    text = (feedback.title or feedback.text).strip().splitlines()[0]
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"


async def join_theme(session: AsyncSession, *, theme: Theme, assignment: ThemeAssignment, embedder: Embedder) -> None:
    theme.centroid = stored(mean_with(loaded(theme.centroid), theme.item_count, loaded(assignment.vector)))
    theme.item_count += 1
    seen = assignment.received_at
    theme.first_seen_at = seen if theme.first_seen_at is None else min(theme.first_seen_at, seen)
    theme.last_seen_at = seen if theme.last_seen_at is None else max(theme.last_seen_at, seen)
    theme.updated_at = utcnow()
    assignment.theme_id = theme.id
    await session.flush()
    await repository.replace_index_keys(session, theme=theme, keys=embedder.index_keys(loaded(theme.centroid)))


async def leave_theme(session: AsyncSession, *, theme: Theme, assignment: ThemeAssignment, embedder: Embedder) -> None:
    theme.centroid = stored(mean_with(loaded(theme.centroid), theme.item_count, loaded(assignment.vector), weight=-1))
    theme.item_count = max(theme.item_count - 1, 0)
    theme.updated_at = utcnow()
    await repository.replace_index_keys(
        session, theme=theme, keys=embedder.index_keys(loaded(theme.centroid)) if theme.item_count else []
    )


async def _earlier_duplicate(
    session: AsyncSession,
    *,
    assignment: ThemeAssignment,
    theme: Theme,
    customer_id: uuid.UUID | None,
    embedder: Embedder,
) -> uuid.UUID | None:
    """An earlier item of the theme in which the same customer said the same, or nearly the same.

    A CRM resending under a new id repeats the words exactly; a customer writing twice paraphrases.
    """
    earlier = await repository.possible_duplicates(
        session,
        organization_id=theme.organization_id,
        theme_id=theme.id,
        feedback_id=assignment.feedback_id,
        fingerprint=assignment.fingerprint,
        customer_id=customer_id,
    )
    vector = loaded(assignment.vector)
    for other in earlier:
        if other.fingerprint == assignment.fingerprint:
            return other.feedback_id
        if cosine(vector, loaded(other.vector)) >= embedder.duplicate_threshold:
            return other.feedback_id
    return None


async def new_theme(session: AsyncSession, *, organization_id: uuid.UUID, label: str, engine: str) -> Theme:
    now = utcnow()
    theme = Theme(
        id=uuid.uuid4(),
        organization_id=organization_id,
        label=label,
        label_fixed=False,
        engine=engine,
        centroid={},
        item_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(theme)
    await session.flush()
    return theme


async def assign_theme(
    session: AsyncSession, *, feedback: Feedback, embedder: Embedder = DEFAULT_EMBEDDER
) -> ThemeAssignment:
    """Put a newly stored or changed item in the nearest theme among a bounded set of candidates.

    An item a person placed (`pinned`) stays where they put it, even when its text changes.
    """
    organization_id = feedback.organization_id
    assignment = await repository.get_assignment(session, organization_id=organization_id, feedback_id=feedback.id)
    (vector,) = embedder.embed([feedback.text])
    if assignment is not None:
        current = await repository.get_theme(
            session, organization_id=organization_id, theme_id=assignment.theme_id, for_update=True
        )
        if assignment.pinned or current is None:
            return assignment
        await leave_theme(session, theme=current, assignment=assignment, embedder=embedder)
        assignment.vector = stored(vector)
        assignment.fingerprint = fingerprint(feedback.text)
        assignment.received_at = feedback.received_at
    candidates = await repository.candidate_themes(
        session, organization_id=organization_id, engine=embedder.name, keys=embedder.index_keys(vector)
    )
    match = nearest(
        stored(vector), [Candidate(str(theme.id), theme.centroid) for theme in candidates], threshold=embedder.threshold
    )
    if match is None:
        theme = await new_theme(
            session, organization_id=organization_id, label=label_for(feedback), engine=embedder.name
        )
    else:
        locked = await repository.get_theme(
            session, organization_id=organization_id, theme_id=uuid.UUID(match.theme_id), for_update=True
        )
        assert locked is not None  # a candidate of this organisation, locked just now
        theme = locked
    if assignment is None:
        assignment = ThemeAssignment(
            feedback_id=feedback.id,
            organization_id=organization_id,
            theme_id=theme.id,
            vector=stored(vector),
            pinned=False,
            fingerprint=fingerprint(feedback.text),
            received_at=feedback.received_at,
            assigned_at=utcnow(),
        )
        session.add(assignment)
    assignment.similarity = match.similarity if match else 1.0
    assignment.duplicate_of_id = await _earlier_duplicate(
        session, assignment=assignment, theme=theme, customer_id=feedback.customer_id, embedder=embedder
    )
    await join_theme(session, theme=theme, assignment=assignment, embedder=embedder)
    return assignment
