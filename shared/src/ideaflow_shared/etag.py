"""Optimistic concurrency: ETags on reads, If-Match required on PATCH and DELETE."""

from typing import Annotated

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
