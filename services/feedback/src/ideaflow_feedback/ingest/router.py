"""HTTP endpoint `/v1/feedback/batches`."""

import hashlib
from typing import Any

from fastapi import APIRouter, Request, Response

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.ingest import service
from ideaflow_feedback.ingest.parsing import JSON, NDJSON, parse_batch
from ideaflow_feedback.ingest.schemas import MAX_BATCH_ITEMS, BatchFingerprint, BatchResult
from ideaflow_shared.db import SessionDep
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])

_ITEMS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": MAX_BATCH_ITEMS,
    # Any JSON value: an item that is not a valid FeedbackCreate is refused on its own, not the batch.
    "items": {"description": "A feedback item as `POST /v1/feedback` takes it (the FeedbackCreate schema)."},
}
_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"Up to {MAX_BATCH_ITEMS} feedback items (within the request size cap), as a JSON array "
        "or as NDJSON: one item per line, blank lines ignored.",
        "content": {JSON: {"schema": _ITEMS_SCHEMA}, NDJSON: {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/batches",
    response_model=BatchResult,
    summary="Post a batch of feedback",
    openapi_extra=_REQUEST_BODY,
    responses=problem_responses(409, 413, 415, 422),
)
async def ingest_feedback_batch(
    request: Request, *, session: SessionDep, identity: CurrentIdentity, idempotency_key: IdempotencyKey = None
) -> Response:
    """Upsert every item like `POST /v1/feedback` and say, per item, created / updated / unchanged / error.

    A bad item is refused on its own (`errors` point into the batch, e.g. `/3/text`) and never
    sinks the good ones, so the answer is 200 whenever the body is a readable batch. With an
    `Idempotency-Key` a retried batch replays the first answer.
    """
    body = await request.body()
    batch = parse_batch(body, request.headers.get("content-type", ""))

    async def store() -> Created:
        results = await service.upsert_items(
            session,
            organization_id=identity.organization_id,
            submitted_by=identity.principal_id,
            items=batch.items,
            unreadable=batch.unreadable,
        )
        return Created(body=service.summarise(results), location="", status=200)

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=BatchFingerprint(hashlib.sha256(body).hexdigest()),
        create=store,
    )
