"""Generic senders: Standard Webhooks (standardwebhooks.com) signatures, and Ideaflow's own event shape.

Headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several separated by spaces during a
secret rotation); the secret is `whsec_` + base64. The body is the spec's recommended envelope:
`{"type": ..., "timestamp": ..., "data": <one feedback item>}`.
"""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ideaflow_feedback.feedback.models import FeedbackChannel
from ideaflow_feedback.feedback.schemas import FeedbackText
from ideaflow_feedback.integrations.vendors.base import (
    InvalidPayload,
    MappedCustomer,
    MappedFeedback,
    Rejected,
    SignedRequest,
    VendorEvent,
    header,
    parse_json,
)
from ideaflow_shared.problems import FieldError
from ideaflow_shared.types import Label, NonBlank, ShortText, Timestamp

EXAMPLE: dict[str, Any] = {
    "type": "feedback.created",
    "timestamp": "2026-11-28T09:30:00Z",
    "data": {
        "id": "msg-20931",
        "text": "Exporting a report to PDF cuts off the last column.",
        "title": "PDF export",
        "channel": "email",
        "received_at": "2026-11-28T09:29:41Z",
        "tags": ["export"],
        "customer": {"id": "acct-77", "name": "Grace Hopper", "email": "grace@example.com", "company": "Navy Labs"},
    },
}

EventType = Annotated[str, StringConstraints(min_length=1, max_length=100), NonBlank]


class GenericCustomer(BaseModel):
    id: ShortText = Field(description="The customer's id in the sending system.")
    name: str | None = None
    email: str | None = None
    company: str | None = None


class GenericFeedback(BaseModel):
    id: ShortText = Field(description="The item's id in the sending system; a resend updates the item.")
    text: FeedbackText
    title: ShortText | None = None
    channel: FeedbackChannel = FeedbackChannel.OTHER
    received_at: Timestamp | None = None
    tags: list[Label] = Field(default_factory=list, max_length=20)
    customer: GenericCustomer | None = None


class GenericEvent(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    type: EventType = Field(description="What happened, e.g. `feedback.created`.")
    timestamp: str | None = None
    data: GenericFeedback


def verify(request: SignedRequest, secret: str, now: dt.datetime) -> Any:
    """The library checks the headers, the 5-minute tolerance and every `v1` signature offered."""
    del now  # the library reads the clock itself
    headers = {name: request.headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    header(request, "webhook-id")
    try:
        Webhook(secret).verify(request.body, headers, json_parse=False)
    except WebhookVerificationError as refusal:
        reason = str(refusal)
        checked = None if "timestamp" in reason.lower() or "header" in reason.lower() else False
        raise Rejected(f"Standard Webhooks verification failed: {reason}.", signature_valid=checked) from None
    except ValueError:  # malformed base64, a signature without a version, a body that is not UTF-8
        raise Rejected("The webhook-signature header or the body (UTF-8 JSON) is malformed.") from None
    return parse_json(request.body)


def events(payload: Any, request: SignedRequest) -> list[VendorEvent]:
    """One feedback item per message; the message id (`webhook-id`) is what a retry repeats."""
    try:
        event = GenericEvent.model_validate(payload)
    except ValidationError as invalid:
        errors = [
            FieldError(pointer="/body/" + "/".join(str(part) for part in error["loc"]), detail=error["msg"])
            for error in invalid.errors()
        ]
        raise InvalidPayload(f"The event is invalid at {errors[0].pointer}: {errors[0].detail}", errors) from None
    data = event.data
    customer = data.customer
    return [
        VendorEvent(
            event_id=request.headers["webhook-id"],
            event_type=event.type,
            feedback=MappedFeedback(
                external_id=data.id,
                text=data.text,
                title=data.title,
                channel=data.channel,
                received_at=data.received_at,
                tags=data.tags,
                customer=None
                if customer is None
                else MappedCustomer(customer.id, name=customer.name, email=customer.email, company=customer.company),
            ),
        )
    ]
