"""Storing a batch: every item validated on its own, the valid ones upserted together."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.feedback.upsert import upsert_feedback
from ideaflow_feedback.ingest.schemas import BatchItemResult, BatchResult, ItemOutcome
from ideaflow_shared.problems import FieldError

_ITEM = TypeAdapter(FeedbackCreate)


def _pointer(index: int, location: tuple[Any, ...]) -> str:
    parts = [str(index), *(str(part).replace("~", "~0").replace("/", "~1") for part in location)]
    return "/" + "/".join(parts)


def _refused(index: int, errors: list[FieldError]) -> BatchItemResult:
    return BatchItemResult(index=index, outcome=ItemOutcome.ERROR, id=None, errors=errors)


async def upsert_items(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    submitted_by: str,
    items: Sequence[object],
    unreadable: Mapping[int, str] | None = None,
) -> list[BatchItemResult]:
    """Validate each item (a JSON value or a `FeedbackCreate`) and upsert the valid ones; one result per item.

    An invalid item is refused on its own, with JSON pointers from its index (`/3/text`); an index in
    `unreadable` is refused with the reason given (`/3`). The valid items are stored as one call of
    `upsert_feedback`: created, updated or unchanged, in the order given, within the caller's transaction.
    """
    results: dict[int, BatchItemResult] = {}
    valid: list[tuple[int, FeedbackCreate]] = []
    for index, item in enumerate(items):
        if unreadable and index in unreadable:
            results[index] = _refused(index, [FieldError(pointer=f"/{index}", detail=unreadable[index])])
            continue
        try:
            valid.append((index, _ITEM.validate_python(item)))
        except ValidationError as invalid:
            errors = invalid.errors()
            results[index] = _refused(
                index, [FieldError(pointer=_pointer(index, error["loc"]), detail=error["msg"]) for error in errors]
            )
    stored = await upsert_feedback(
        session, organization_id=organization_id, submitted_by=submitted_by, items=[data for _, data in valid]
    )
    for (index, _), result in zip(valid, stored, strict=True):
        results[index] = BatchItemResult(index=index, outcome=ItemOutcome(result.outcome.value), id=result.id)
    return [results[index] for index in range(len(items))]


def summarise(results: list[BatchItemResult]) -> BatchResult:
    counts = {outcome: 0 for outcome in ItemOutcome}
    for result in results:
        counts[result.outcome] += 1
    return BatchResult(
        created=counts[ItemOutcome.CREATED],
        updated=counts[ItemOutcome.UPDATED],
        unchanged=counts[ItemOutcome.UNCHANGED],
        failed=counts[ItemOutcome.ERROR],
        items=results,
    )
