"""What every vendor module provides: signature verification, and its payload mapped to feedback.

A vendor module exposes `verify(request, secret, now)`, which returns the parsed payload or raises
`Rejected`, and `events(payload, request)`, which maps it to `VendorEvent`s or raises `InvalidPayload`.
Mapping is lenient: what cannot be mapped becomes an ignored event with a reason, never a crash.
"""

import datetime as dt
import hmac
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ideaflow_feedback.feedback.models import FeedbackChannel
from ideaflow_shared.problems import FieldError

TOLERANCE = dt.timedelta(minutes=5)
MAX_TEXT = 10_000
MAX_SHORT = 200


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The request exactly as the sender signed it."""

    method: str
    url: str  # the full URL the sender called, query included
    headers: Mapping[str, str]  # names in lower case
    body: bytes


class Rejected(Exception):
    """The request does not prove it comes from the integration's sender, now."""

    def __init__(self, reason: str, *, signature_valid: bool | None = False) -> None:
        super().__init__(reason)
        self.reason = reason
        # None when the request was refused before its signature could be checked.
        self.signature_valid = signature_valid


class InvalidPayload(Exception):
    """A correctly signed body that is not what the vendor documents."""

    def __init__(self, reason: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or [FieldError(pointer="/body", detail=reason)]


@dataclass(frozen=True, slots=True)
class MappedCustomer:
    external_id: str
    name: str | None = None
    email: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class MappedFeedback:
    external_id: str
    text: str
    channel: FeedbackChannel
    title: str | None = None
    received_at: dt.datetime | None = None
    customer: MappedCustomer | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class VendorEvent:
    """One event of a delivery: feedback to store, a customer to know, or a reason to ignore it."""

    event_id: str | None
    event_type: str | None
    feedback: MappedFeedback | None = None
    customer: MappedCustomer | None = None
    ignored: str | None = None


@dataclass(frozen=True, slots=True)
class Vendor:
    verify: Callable[[SignedRequest, str, dt.datetime], Any]
    events: Callable[[Any, SignedRequest], list[VendorEvent]]


def header(request: SignedRequest, name: str) -> str:
    value = request.headers.get(name.lower())
    if not value:
        raise Rejected(f"The {name} header is missing.", signature_valid=None)
    return value


def signatures_match(expected: bytes | str, presented: bytes | str) -> bool:
    if isinstance(expected, str):
        expected = expected.encode()
    if isinstance(presented, str):
        presented = presented.encode("utf-8", "replace")
    return hmac.compare_digest(expected, presented)


def check_fresh(sent_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse what was signed longer ago (or further ahead) than the tolerance: a replay or a stuck queue."""
    if sent_at < now - TOLERANCE:
        raise Rejected(
            f"The request was signed at {sent_at.isoformat()}, more than 5 minutes ago.", signature_valid=True
        )
    if sent_at > now + TOLERANCE:
        raise Rejected(
            f"The request claims to be signed at {sent_at.isoformat()}, in the future.", signature_valid=True
        )


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidPayload("The body is not JSON.") from None


def text_of(value: object, limit: int = MAX_TEXT) -> str | None:
    """Vendor text as storable text: NUL-free, trimmed, cut to `limit`; None when empty or not text."""
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()[:limit].strip()
    return value or None


def id_of(value: object) -> str | None:
    """Vendors send ids as strings or numbers; both become text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    text = text_of(value)
    return text if text is not None and len(text) <= MAX_SHORT else None


def object_at(value: object, *path: str) -> dict[str, Any]:
    """The object at `path`, or an empty one when any step is missing or not an object."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


_BREAKS = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_BLANKS = re.compile(r"[ \t\r\f\v]+")


def plain_text(markup: object) -> str | None:
    """Text from the HTML that chat tools send (`<p>Hi</p>`), entities decoded."""
    if not isinstance(markup, str):
        return None
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", markup)))
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return text_of("\n".join(line for line in lines if line))


def timestamp_of(value: object) -> dt.datetime | None:
    """An instant from RFC 3339 text or Unix seconds; None when it is neither."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, str):
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError, OSError):
        return None
    return None


def labels_of(values: object) -> list[str]:
    """The vendor's tags that make valid labels (at most 20, up to 40 characters each)."""
    if not isinstance(values, list):
        return []
    labels = (text_of(value, 41) for value in values)
    return list(dict.fromkeys(label.lower() for label in labels if label and len(label) <= 40))[:20]
