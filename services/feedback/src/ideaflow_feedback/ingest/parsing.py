"""Reading a batch body: a JSON array, or NDJSON (one JSON object per line)."""

import json
from dataclasses import dataclass, field
from typing import Any

from ideaflow_feedback.ingest.schemas import MAX_BATCH_ITEMS
from ideaflow_shared.problems import ProblemError, UnprocessableContent

JSON = "application/json"
NDJSON = "application/x-ndjson"


class UnsupportedMediaType(ProblemError):
    status, slug = 415, "unsupported-media-type"


@dataclass(slots=True)
class ParsedBatch:
    items: list[Any]
    # Index of each NDJSON line that is not JSON, with why; such an item is refused on its own.
    unreadable: dict[int, str] = field(default_factory=dict)


def _too_many(count: int) -> UnprocessableContent:
    return UnprocessableContent.at("/body", f"A batch holds at most {MAX_BATCH_ITEMS} items; this one has {count}.")


def parse_batch(body: bytes, content_type: str) -> ParsedBatch:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == JSON:
        try:
            items = json.loads(body)
        except ValueError:
            raise UnprocessableContent.at("/body", "The body is not valid JSON.") from None
        if not isinstance(items, list):
            raise UnprocessableContent.at("/body", "Send a JSON array of feedback items.")
        if len(items) > MAX_BATCH_ITEMS:
            raise _too_many(len(items))
        return ParsedBatch(items)
    if media_type == NDJSON:
        try:
            lines = [line for line in body.decode().splitlines() if line.strip()]
        except UnicodeDecodeError:
            raise UnprocessableContent.at("/body", "NDJSON must be UTF-8 text.") from None
        if len(lines) > MAX_BATCH_ITEMS:
            raise _too_many(len(lines))
        batch = ParsedBatch([])
        for index, line in enumerate(lines):
            try:
                batch.items.append(json.loads(line))
            except ValueError:
                batch.items.append(line)
                batch.unreadable[index] = "This line is not valid JSON."
        return batch
    raise UnsupportedMediaType(f"Send the batch as {JSON} (an array) or {NDJSON} (one item per line).")
