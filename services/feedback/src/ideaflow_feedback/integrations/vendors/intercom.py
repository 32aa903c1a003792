"""Intercom: signed notifications, and conversations started or answered by a customer as feedback.

Intercom signs `sha1=<hex HMAC-SHA1(client_secret, body)>` into `X-Hub-Signature` and sends no
timestamp header, so freshness comes from the notification's `created_at` (Unix seconds) and
replays are recognised by its `id`. `data.item` is the conversation: `source.body` (HTML) is what
the customer wrote first, `source.author` who wrote it; a reply is the newest conversation part
the customer authored.
"""

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
    object_at,
    parse_json,
    plain_text,
    signatures_match,
    text_of,
    timestamp_of,
)

SIGNATURE = "X-Hub-Signature"
_CREATED = "conversation.user.created"
_REPLIED = "conversation.user.replied"
_CUSTOMER_TYPES = frozenset({"user", "lead", "contact"})
_CHANNELS = {
    "email": FeedbackChannel.EMAIL,
    "facebook": FeedbackChannel.SOCIAL,
    "twitter": FeedbackChannel.SOCIAL,
    "instagram": FeedbackChannel.SOCIAL,
    "whatsapp": FeedbackChannel.SOCIAL,
    "phone_call": FeedbackChannel.PHONE,
}

EXAMPLE: dict[str, Any] = {
    "type": "notification_event",
    "app_id": "a86dr8yl",
    "data": {
        "type": "notification_event_data",
        "item": {
            "type": "conversation",
            "id": "147",
            "created_at": 1795858200,
            "source": {
                "type": "conversation",
                "id": "403918320",
                "delivered_as": "customer_initiated",
                "subject": "",
                "body": "<p>Could the mobile app remember my last delivery address?</p>",
                "author": {"type": "user", "id": "5310d8e7", "name": "Joan Clarke", "email": "joan@example.com"},
            },
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "5310d8e7"}]},
        },
    },
    "links": {},
    "id": "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3",
    "topic": "conversation.user.created",
    "delivery_status": "pending",
    "delivery_attempts": 1,
    "delivered_at": 0,
    "first_sent_at": 1795858200,
    "created_at": 1795858200,
    "self": None,
}


def verify(request: SignedRequest, secret: str, now: dt.datetime) -> Any:
    presented = header(request, SIGNATURE)
    expected = "sha1=" + hmac.new(secret.encode(), request.body, hashlib.sha1).hexdigest()
    if not signatures_match(expected, presented):
        raise Rejected(f"The {SIGNATURE} does not match the body.")
    payload = parse_json(request.body)
    created_at = timestamp_of(payload.get("created_at")) if isinstance(payload, dict) else None
    if created_at is None:
        raise Rejected("The notification has no created_at, so its freshness cannot be checked.", signature_valid=True)
    check_fresh(created_at, now)
    return payload


def events(payload: Any, request: SignedRequest) -> list[VendorEvent]:
    del request  # the notification id is in the body
    if not isinstance(payload, dict):
        raise InvalidPayload("An Intercom notification is a JSON object.")
    event_id, topic = id_of(payload.get("id")), text_of(payload.get("topic"), 100)
    if topic not in (_CREATED, _REPLIED):
        return [VendorEvent(event_id, topic, ignored=f"Only {_CREATED} and {_REPLIED} carry a customer's words.")]
    conversation = object_at(payload, "data", "item")
    conversation_id = id_of(conversation.get("id"))
    source = object_at(conversation, "source")
    message = source if topic == _CREATED else _newest_customer_part(conversation)
    message_id = conversation_id if topic == _CREATED else id_of(message.get("id"))
    text = plain_text(message.get("body"))
    if conversation_id is None or message_id is None or text is None:
        return [VendorEvent(event_id, topic, ignored="The notification carries no customer message with text.")]
    feedback = MappedFeedback(
        external_id=conversation_id if topic == _CREATED else f"{conversation_id}/parts/{message_id}",
        text=text,
        title=text_of(plain_text(source.get("subject")), 200) if topic == _CREATED else None,
        channel=_CHANNELS.get(str(source.get("type")), FeedbackChannel.OTHER),
        received_at=timestamp_of(message.get("created_at", conversation.get("created_at"))),
        customer=_customer(message, conversation),
    )
    return [VendorEvent(event_id, topic, feedback=feedback)]


def _newest_customer_part(conversation: dict[str, Any]) -> dict[str, Any]:
    parts = object_at(conversation, "conversation_parts").get("conversation_parts")
    authored = [
        part
        for part in (parts if isinstance(parts, list) else [])
        if isinstance(part, dict) and object_at(part, "author").get("type") in _CUSTOMER_TYPES
    ]
    return authored[-1] if authored else {}


def _customer(message: dict[str, Any], conversation: dict[str, Any]) -> MappedCustomer | None:
    author = object_at(message, "author")
    if author.get("type") in _CUSTOMER_TYPES and (author_id := id_of(author.get("id"))):
        return MappedCustomer(author_id, name=text_of(author.get("name"), 200), email=text_of(author.get("email"), 320))
    contacts = object_at(conversation, "contacts").get("contacts")
    first = contacts[0] if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict) else {}
    contact_id = id_of(first.get("id"))
    return MappedCustomer(contact_id) if contact_id else None
