"""What `/v1/feedback` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_feedback.feedback.models import FeedbackChannel
from ideaflow_shared.types import NonBlank, ShortText, Timestamp

FeedbackText = Annotated[str, StringConstraints(min_length=1, max_length=10_000), NonBlank]
# An identifier, not prose: the same system must always be spelled the same way, or the same
# item posted twice would escape the (source, external_id) uniqueness. ASCII, so lower() is safe.
SourceName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    AfterValidator(str.lower),
]
DEFAULT_SOURCE = "api"


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "I re-type the same order every week; please let me repeat my last one.",
                    "title": "Repeat orders",
                    "channel": "support_ticket",
                    "customer_ref": "cust-4711",
                    "received_at": "2026-03-02T09:30:00Z",
                    "source": "zendesk",
                    "external_id": "ticket-88123",
                }
            ]
        },
    )

    text: FeedbackText = Field(description="What the customer said, in their words.")
    title: ShortText | None = Field(default=None, description="An optional one-line summary.")
    channel: FeedbackChannel = Field(description="How the customer said it.")
    customer_ref: ShortText | None = Field(
        default=None, description="The customer's id in the sending system, to group what one customer said."
    )
    received_at: Timestamp | None = Field(
        default=None,
        description="When the customer said it (RFC 3339); defaults to now. Imports send the original, past time.",
    )
    source: SourceName = Field(
        default=DEFAULT_SOURCE,
        description="The sending system, e.g. `hubspot` or `csv-import` (letters, digits, `.`, `_`, `-`; lower-cased).",
    )
    external_id: ShortText | None = Field(
        default=None,
        description="The item's id in the source system. An organisation stores each (source, external_id) "
        "once: posting it again is a 409 naming the existing item.",
    )


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    text: str
    title: str | None
    channel: FeedbackChannel
    customer_ref: str | None
    received_at: dt.datetime
    source: str
    external_id: str | None
    submitted_by: str = Field(description="The principal that posted the item (a person or an integration).")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class FeedbackOrder(enum.StrEnum):
    """Sort orders for the feedback list; a leading `-` means newest first."""

    RECEIVED_AT = "received_at"
    RECEIVED_AT_DESC = "-received_at"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
