"""Zendesk: webhook signatures, and ticket events (`zen:event-type:ticket.*`) as feedback.

Zendesk signs `base64(HMAC-SHA256(signing_secret, timestamp + body))` into
`X-Zendesk-Webhook-Signature`, with the ISO 8601 timestamp in
`X-Zendesk-Webhook-Signature-Timestamp`. A ticket event carries the ticket in `detail`
(`id`, `subject`, `description`, `requester_id`, `tags`, ...) and its own id in `id`, which a
retry repeats. A customer's comment (`ticket.comment_added` by a non-agent) is an item of its own.
"""

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from ideaflow_feedback.feedback.models import FeedbackChannel
from ideaflow_feedback.integrations.vendors.base import (
    InvalidPayload,
    MappedCustomer,
    MappedFeedback,
    Rejected,
    SignedRequest,
    VendorEvent,
    check_fresh,
    header,
    id_of,
    labels_of,
    object_at,
    parse_json,
    signatures_match,
    text_of,
    timestamp_of,
)

SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
_TICKET_EVENT = "zen:event-type:ticket."
_COMMENT_ADDED = "zen:event-type:ticket.comment_added"

EXAMPLE: dict[str, Any] = {
    "type": "zen:event-type:ticket.created",
    "account_id": 12514403,
    "id": "cbe4028c-7239-495d-b020-f22348516046",
    "time": "2026-11-28T09:30:00Z",
    "zendesk_event_version": "2022-11-06",
    "subject": "zen:ticket:5158",
    "detail": {
        "actor_id": "8447388090494",
        "assignee_id": "8447388090494",
        "brand_id": "8447320465054",
        "created_at": "2026-11-28T09:30:00Z",
        "description": "The invoice PDF shows the wrong VAT rate for Austria.",
        "external_id": None,
        "id": "5158",
        "is_public": True,
        "organization_id": "8447346800158",
        "priority": "HIGH",
        "requester_id": "8447388090494",
        "status": "NEW",
        "subject": "Wrong VAT on invoices",
        "submitter_id": "8447388090494",
        "tags": ["billing"],
        "type": "INCIDENT",
        "updated_at": "2026-11-28T09:30:00Z",
        "via": {"channel": "web_form"},
    },
    "event": {"meta": {"sequence": {"id": "ZDSEQ_01", "position": 1, "total": 1}}},
}


def verify(request: SignedRequest, secret: str, now: dt.datetime) -> Any:
    presented = header(request, SIGNATURE)
    timestamp = header(request, TIMESTAMP)
    digest = hmac.new(secret.encode(), timestamp.encode() + request.body, hashlib.sha256).digest()
    if not signatures_match(base64.b64encode(digest), presented):
        raise Rejected(f"The {SIGNATURE} does not match the body and timestamp.")
    sent_at = timestamp_of(timestamp)
    if sent_at is None:
        raise Rejected(f"The {TIMESTAMP} is not an ISO 8601 instant.", signature_valid=True)
    check_fresh(sent_at, now)
    return parse_json(request.body)


def events(payload: Any, request: SignedRequest) -> list[VendorEvent]:
    del request  # the event id is in the body
    if not isinstance(payload, dict):
        raise InvalidPayload("A Zendesk event is a JSON object.")
    event_id, event_type = id_of(payload.get("id")), text_of(payload.get("type"), 100)
    if event_type is None or not event_type.startswith(_TICKET_EVENT):
        return [VendorEvent(event_id, event_type, ignored="Only ticket events (zen:event-type:ticket.*) are mapped.")]
    ticket = object_at(payload, "detail")
    ticket_id = id_of(ticket.get("id"))
    if ticket_id is None:
        return [VendorEvent(event_id, event_type, ignored="The event names no ticket (detail.id).")]
    if event_type == _COMMENT_ADDED:
        return [_comment(event_id, event_type, ticket_id, object_at(payload, "event", "comment"))]
    text = text_of(ticket.get("description"))
    if text is None:
        return [VendorEvent(event_id, event_type, ignored="The ticket carries no description.")]
    requester = id_of(ticket.get("requester_id"))
    feedback = MappedFeedback(
        external_id=ticket_id,
        text=text,
        title=text_of(ticket.get("subject"), 200),
        channel=FeedbackChannel.SUPPORT_TICKET,
        received_at=timestamp_of(ticket.get("created_at")),
        customer=MappedCustomer(requester) if requester else None,
        tags=labels_of(ticket.get("tags")),
    )
    return [VendorEvent(event_id, event_type, feedback=feedback)]


def _comment(event_id: str | None, event_type: str, ticket_id: str, comment: dict[str, Any]) -> VendorEvent:
    author = object_at(comment, "author")
    if author.get("is_staff") is True:
        return VendorEvent(event_id, event_type, ignored="An agent's comment is not customer feedback.")
    comment_id, text = id_of(comment.get("id")), text_of(comment.get("body"))
    if comment_id is None or text is None:
        return VendorEvent(event_id, event_type, ignored="The comment carries no id or no text.")
    author_id = id_of(author.get("id"))
    feedback = MappedFeedback(
        external_id=f"{ticket_id}/comments/{comment_id}",
        text=text,
        channel=FeedbackChannel.SUPPORT_TICKET,
        customer=MappedCustomer(author_id, name=text_of(author.get("name"), 200)) if author_id else None,
    )
    return VendorEvent(event_id, event_type, feedback=feedback)
