"""HubSpot: v3 request signatures, and webhook object events mapped where they carry text.

HubSpot signs `base64(HMAC-SHA256(client_secret, method + uri + body + timestamp))` into
`X-HubSpot-Signature-v3`, with the Unix time in milliseconds in `X-HubSpot-Request-Timestamp`.
`uri` is the full URL HubSpot called, so behind a gateway the service must know its public URL
(setting `PUBLIC_BASE_URL`). The body is an array of events (`eventId`, `subscriptionType`,
`objectId`, `occurredAt`, `propertyName`/`propertyValue` for property changes ...): a ticket's
`content` becomes feedback, a new contact a customer; the rest carry no text and are ignored.
"""

import base64
import datetime as dt
import hashlib
import hmac
import re
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
    parse_json,
    signatures_match,
    text_of,
    timestamp_of,
)

SIGNATURE = "X-HubSpot-Signature-v3"
TIMESTAMP = "X-HubSpot-Request-Timestamp"
# HubSpot signs the URI with these characters decoded.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
MAX_EVENTS = 1000
_MILLISECONDS = re.compile(r"[0-9]{1,16}")

EXAMPLE: list[dict[str, Any]] = [
    {
        "eventId": 1796123442,
        "subscriptionId": 2417841,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1795858200000,
        "subscriptionType": "ticket.propertyChange",
        "attemptNumber": 0,
        "objectId": 1246965,
        "propertyName": "content",
        "propertyValue": "Please add a dark mode to the customer portal.",
        "changeSource": "CRM_UI",
        "sourceId": "userId:1234567",
    },
    {
        "eventId": 1796123443,
        "subscriptionId": 2417842,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1795858200000,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": 123,
        "changeFlag": "CREATED",
        "changeSource": "CRM",
    },
]


def signed_uri(url: str) -> str:
    for encoded, character in _DECODED.items():
        url = url.replace(encoded, character).replace(encoded.lower(), character)
    return url


def verify(request: SignedRequest, secret: str, now: dt.datetime) -> Any:
    presented = header(request, SIGNATURE)
    timestamp = header(request, TIMESTAMP)
    source = request.method.encode() + signed_uri(request.url).encode() + request.body + timestamp.encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    if not signatures_match(base64.b64encode(digest), presented):
        raise Rejected(f"The {SIGNATURE} does not match (it covers method, full URL, body and timestamp).")
    if not _MILLISECONDS.fullmatch(timestamp) or (sent_at := timestamp_of(int(timestamp) / 1000)) is None:
        raise Rejected(f"The {TIMESTAMP} is not Unix time in milliseconds.", signature_valid=True)
    check_fresh(sent_at, now)
    return parse_json(request.body)


def events(payload: Any, request: SignedRequest) -> list[VendorEvent]:
    del request  # each event carries its own id
    if not isinstance(payload, list) or not payload or len(payload) > MAX_EVENTS:
        raise InvalidPayload(f"A HubSpot delivery is a JSON array of 1 to {MAX_EVENTS} events.")
    return [
        _event(event) if isinstance(event, dict) else VendorEvent(None, None, ignored="Not an event.")
        for event in payload
    ]


def _event(event: dict[str, Any]) -> VendorEvent:
    event_id, kind = id_of(event.get("eventId")), text_of(event.get("subscriptionType"), 100)
    object_id = id_of(event.get("objectId"))
    if object_id is None:
        return VendorEvent(event_id, kind, ignored="The event names no object (objectId).")
    if kind == "contact.creation":
        return VendorEvent(event_id, kind, customer=MappedCustomer(object_id))
    text = text_of(event.get("propertyValue"))
    if kind != "ticket.propertyChange" or event.get("propertyName") != "content" or text is None:
        return VendorEvent(
            event_id, kind, ignored="Carries no customer text: only ticket.propertyChange of `content` is mapped."
        )
    occurred_at = event.get("occurredAt")
    feedback = MappedFeedback(
        external_id=object_id,
        text=text,
        channel=FeedbackChannel.SUPPORT_TICKET,
        received_at=timestamp_of(occurred_at / 1000) if isinstance(occurred_at, int) else None,
    )
    return VendorEvent(event_id, kind, feedback=feedback)
