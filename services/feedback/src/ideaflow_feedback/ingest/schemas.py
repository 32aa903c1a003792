"""What `/v1/feedback/batches` answers."""

import enum
import uuid

from pydantic import BaseModel, Field, RootModel

from ideaflow_shared.problems import FieldError

MAX_BATCH_ITEMS = 1_000


class ItemOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


class BatchItemResult(BaseModel):
    index: int = Field(description="The item's position in the batch (its line, from 0, for NDJSON).")
    outcome: ItemOutcome
    id: uuid.UUID | None = Field(description="The stored item; null when the item was refused.")
    errors: list[FieldError] = Field(
        default_factory=list, description="Why the item was refused; pointers start at the item, e.g. `/3/text`."
    )


class BatchResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    failed: int
    items: list[BatchItemResult] = Field(description="One result per item, in the order sent.")


class BatchFingerprint(RootModel[str]):
    """A digest of the body as sent, so a retry with the same Idempotency-Key is recognised as the same batch.

    The raw bytes, not the parsed items: JSON may hold numbers no canonical re-encoding can carry.
    """
