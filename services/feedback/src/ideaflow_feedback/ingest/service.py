"""Storing a batch: every item through `store_feedback`, a bad item never sinking the good ones."""

import uuid
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.feedback.service import store_feedback
from ideaflow_feedback.ingest.schemas import BatchItemResult, BatchResult, ItemOutcome
from ideaflow_shared.problems import FieldError

_ITEM = TypeAdapter(FeedbackCreate)


def _pointer(index: int, location: tuple[Any, ...]) -> str:
    parts = [str(index), *(str(part).replace("~", "~0").replace("/", "~1") for part in location)]
    return "/" + "/".join(parts)


def refused(index: int, errors: list[FieldError]) -> BatchItemResult:
    return BatchItemResult(index=index, outcome=ItemOutcome.ERROR, id=None, errors=errors)


async def store_item(
    session: AsyncSession, *, organization_id: uuid.UUID, submitted_by: str, index: int, item: Any
) -> BatchItemResult:
    """Validate and store one item; its problems become its result, never the batch's."""
    try:
        data = _ITEM.validate_python(item)
    except ValidationError as invalid:
        return refused(
            index,
            [FieldError(pointer=_pointer(index, error["loc"]), detail=error["msg"]) for error in invalid.errors()],
        )
    stored = await store_feedback(session, organization_id=organization_id, submitted_by=submitted_by, data=data)
    return BatchItemResult(index=index, outcome=ItemOutcome(stored.outcome.value), id=stored.feedback.id)


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
