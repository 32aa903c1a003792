"""What `/v1/feedback` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ideaflow_feedback.feedback.models import FeedbackChannel, FeedbackKind, FeedbackStatus, SentimentLabel
from ideaflow_shared.types import Label, NonBlank, PatchModel, ShortText, Timestamp

FeedbackText = Annotated[str, StringConstraints(min_length=1, max_length=10_000), NonBlank]
# An identifier, not prose: the same system must always be spelled the same way, or the same
# item posted twice would escape the (source, external_id) uniqueness. ASCII, so lower() is safe.
SourceName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    AfterValidator(str.lower),
]
DEFAULT_SOURCE = "api"


def _json_integer(value: object) -> object:
    """JSON has one number type, so 6.0 is the integer 6; booleans and strings are not numbers."""
    if isinstance(value, bool | str):
        raise ValueError("expected an integer")
    return value


Rating = Annotated[int, Ge(1), Le(5), BeforeValidator(_json_integer)]
NetPromoterScore = Annotated[int, Ge(0), Le(10), BeforeValidator(_json_integer)]
Tags = Annotated[list[Label], Field(max_length=20, description="Up to 20 labels (lower-cased, duplicates dropped).")]


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


UniqueTags = Annotated[Tags, AfterValidator(_unique)]


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "I re-type the same order every week; please let me repeat my last one.",
                    "title": "Repeat orders",
                    "channel": "support_ticket",
                    "kind": "request",
                    "rating": 3,
                    "tags": ["orders"],
                    "product_area": "checkout",
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
    kind: FeedbackKind | None = Field(default=None, description="Omit it and the service suggests one from the text.")
    rating: Rating | None = Field(default=None, description="A 1-5 star rating.")
    nps: NetPromoterScore | None = Field(default=None, description="A 0-10 Net Promoter Score answer.")
    tags: UniqueTags = Field(default_factory=list)
    product_area: Label | None = Field(default=None, description="The part of the product it is about.")
    customer_ref: ShortText | None = Field(
        default=None,
        description="The customer's id in the sending system (`source`): the item is attached to that "
        "customer, who is created if unknown (see `PUT /v1/customers/{source}/{external_id}`).",
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
        "once: posting it again updates that item.",
    )


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    text: str
    title: str | None
    channel: FeedbackChannel
    kind: FeedbackKind
    kind_suggested: bool = Field(description="True when the sender gave no kind and the service suggested it.")
    rating: int | None
    nps: int | None
    tags: list[str]
    product_area: str | None
    sentiment_score: float = Field(description="VADER compound score, from -1 (negative) to 1 (positive).")
    sentiment_label: SentimentLabel
    status: FeedbackStatus
    merged_into_id: uuid.UUID | None = Field(
        description="For a `merged` item: the item it was merged into, which now stands for both."
    )
    customer_ref: str | None = Field(description="The customer's id in the source; null once the customer is erased.")
    customer_id: uuid.UUID | None = Field(description="The customer (`/v1/customers/{id}`), if one was named.")
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


class FeedbackUpdate(PatchModel):
    """What people change while triaging; the sender's text stays the sender's."""

    title: ShortText | None = None
    kind: FeedbackKind | None = None
    tags: UniqueTags | None = None
    product_area: Label | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FeedbackStatus = Field(description="The status to move to; see the allowed moves in the 409 problem.")


class FeedbackMerge(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"into_id": "9b2f4c1e-0d6a-4e8b-9f3a-2c7d5e1b8a40"}]}
    )

    into_id: uuid.UUID = Field(
        description="The item that stays: one of the same customer (or, like this one, of none), not merged itself."
    )
