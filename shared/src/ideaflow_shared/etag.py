"""Optimistic concurrency: ETags on reads, If-Match required on PATCH and DELETE."""

from typing import Annotated, Any

from fastapi import Header

from ideaflow_shared.problems import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    """The strong ETag of an object at `version` (versions only ever grow)."""
    return f'"{version}"'


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=256,
        description="The ETag from your last read (required: without it the answer is 428), so that "
        "concurrent edits are never lost.",
    ),
]


def etag_header(subject: str | None = None, *, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI `headers` entry of a response that carries an ETag.

    Name its `subject` for the usual sentence (`"idea"`: "The idea's version; send it back as
    If-Match."), or give the whole `description` where that sentence would not fit.
    """
    text = description or f"The {subject}'s version; send it back as If-Match."
    return {"ETag": {"description": text, "schema": {"type": "string"}}}


def check_if_match(if_match: str | None, current_version: int) -> None:
    """428 without If-Match, 412 unless it names the current version (or is `*`)."""
    if if_match is None:
        raise PreconditionRequired("Send If-Match with the ETag of your last read of this object.")
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in candidates and etag_for(current_version) not in candidates:
        raise PreconditionFailed(
            "The object changed since you read it (If-Match does not match its ETag); reload it and retry.",
            headers={"ETag": etag_for(current_version)},
        )
