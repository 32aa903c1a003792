"""HTTP endpoints under `/v1/feedback`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.feedback import merging, service
from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel, FeedbackKind, FeedbackStatus
from ideaflow_feedback.feedback.repository import FeedbackFilters
from ideaflow_feedback.feedback.schemas import (
    FeedbackCreate,
    FeedbackMerge,
    FeedbackOrder,
    FeedbackPublic,
    FeedbackUpdate,
    SourceName,
    StatusChange,
)
from ideaflow_feedback.feedback.upsert import StoreOutcome
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import (
    Created,
    IdempotencyKey,
    create_idempotently,
    idempotency_conflict,
    location_header,
)
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Label, ShortText, Timestamp

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])

_ILLEGAL_MOVE: dict[int | str, dict[str, Any]] = {
    409: {
        **problem_responses(409)[409],
        "description": "The move is not allowed from the current status; `allowed` lists the statuses it may move to.",
    }
}


def _public(feedback: Feedback) -> FeedbackPublic:
    return FeedbackPublic.model_validate(feedback)


@router.post(
    "",
    status_code=201,
    response_model=FeedbackPublic,
    summary="Post customer feedback",
    responses={
        200: {
            "description": "The source's item was already stored: it is updated (or left unchanged) and answered.",
            "model": FeedbackPublic,
            "headers": {**etag_header("item"), **location_header("item")},
        },
        201: {"description": "A new item was stored.", "headers": {**etag_header("item"), **location_header("item")}},
        **idempotency_conflict(),
        **problem_responses(422),
    },
)
async def create_feedback(
    payload: FeedbackCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record what a customer said; sentiment is computed and, when omitted, the kind suggested.

    Integrations send `source` and `external_id`: posting an item of the source again updates the
    stored item and answers 200 (201 only when created), so re-running an import or a CRM resending
    never duplicates feedback, even when the repeats race. `Idempotency-Key` replays the first
    response to a retry with the same key.
    """

    async def create() -> Created:
        stored = await service.store_feedback(
            session, organization_id=identity.organization_id, submitted_by=identity.principal_id, data=payload
        )
        public = stored.public()
        return Created(
            body=public,
            location=service.feedback_url(public.id),
            etag=etag_for(public.version),
            status=201 if stored.outcome == StoreOutcome.CREATED else 200,
        )

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.get("", response_model=Page[FeedbackPublic], summary="List feedback", responses=problem_responses(422))
async def list_feedback(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    channel: FeedbackChannel | None = None,
    kind: FeedbackKind | None = None,
    status: FeedbackStatus | None = None,
    product_area: Annotated[Label | None, Query(description="Only items about this part of the product.")] = None,
    customer_id: Annotated[uuid.UUID | None, Query(description="Only what this customer said.")] = None,
    source: Annotated[SourceName | None, Query(description="Only items from this sending system.")] = None,
    customer_ref: Annotated[ShortText | None, Query(description="Only what this customer said.")] = None,
    received_after: Annotated[
        Timestamp | None, Query(description="Received at or after this instant (RFC 3339).")
    ] = None,
    received_before: Annotated[Timestamp | None, Query(description="Received before this instant (RFC 3339).")] = None,
    merged_into_id: Annotated[
        uuid.UUID | None, Query(description="Only the near-duplicates merged into this item.")
    ] = None,
    order_by: FeedbackOrder = FeedbackOrder.RECEIVED_AT_DESC,
) -> Page[FeedbackPublic]:
    """The organisation's feedback, most recently received first unless `order_by` says otherwise."""
    filters = FeedbackFilters(
        channel=channel,
        kind=kind,
        status=status,
        product_area=product_area,
        customer_id=customer_id,
        source=source,
        customer_ref=customer_ref,
        received_after=received_after,
        received_before=received_before,
        merged_into_id=merged_into_id,
    )
    items, token = await service.list_feedback(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(item) for item in items], next_page_token=token)


@router.get(
    "/{feedback_id:uuid}",
    response_model=FeedbackPublic,
    summary="Get a feedback item",
    responses={200: {"headers": etag_header("item")}, **problem_responses(404, 422)},
)
async def get_feedback(
    feedback_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> FeedbackPublic:
    feedback = await service.get_feedback(session, identity=identity, feedback_id=feedback_id)
    response.headers["ETag"] = etag_for(feedback.version)
    return _public(feedback)


@router.patch(
    "/{feedback_id:uuid}",
    response_model=FeedbackPublic,
    summary="Triage a feedback item",
    responses={200: {"headers": etag_header("item")}, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_feedback(
    feedback_id: uuid.UUID,
    payload: FeedbackUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> FeedbackPublic:
    """Correct the kind, title, tags or product area (role `manager`). Requires `If-Match`."""
    feedback = await service.update_feedback(
        session, identity=identity, feedback_id=feedback_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(feedback.version)
    return _public(feedback)


@router.post(
    "/{feedback_id:uuid}/status",
    response_model=FeedbackPublic,
    summary="Move a feedback item to another status",
    responses={200: {"headers": etag_header("item")}, **_ILLEGAL_MOVE, **problem_responses(403, 404, 412, 422, 428)},
)
async def change_feedback_status(
    feedback_id: uuid.UUID,
    payload: StatusChange,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> FeedbackPublic:
    """Triage, archive, flag as spam, or take such a decision back (role `manager`). Requires `If-Match`.

    Statuses: `new → triaged → linked → addressed → loop_closed`, plus `archived` and `spam`; an
    illegal move is a 409 whose `allowed` lists the legal ones. `merged` is reached only by merging
    (`POST /v1/feedback/{id}/merge`) and has no way out.
    """
    feedback = await service.change_status_by_person(
        session, identity=identity, feedback_id=feedback_id, if_match=if_match, to=payload.status
    )
    response.headers["ETag"] = etag_for(feedback.version)
    return _public(feedback)


@router.post(
    "/{feedback_id:uuid}/merge",
    response_model=FeedbackPublic,
    summary="Merge a near-duplicate into another item",
    responses={
        200: {"headers": etag_header("merged item")},
        409: {
            **problem_responses(409)[409],
            "description": "This item or `into_id` was merged already (`merged_into_id` names where to), or the two "
            "items are of different customers.",
        },
        **problem_responses(403, 404, 412, 422, 428),
    },
)
async def merge_feedback(
    feedback_id: uuid.UUID,
    payload: FeedbackMerge,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> FeedbackPublic:
    """Fold this item into `into_id`, an item of the same customer (role `manager`). Requires `If-Match`.

    For what the themes flag as near-duplicates (`duplicate_of_id` in a theme's items): the same
    customer saying the same thing twice, or a CRM resending it under a new id. This item becomes
    `merged` for good and names the item that stays; it keeps its row, so a resend of its
    (source, external_id) still finds it. It stops counting: it leaves its theme (count, customers,
    value and sentiment follow), items flagged as its repeats now repeat `into_id`, and its idea
    links move to `into_id` (where both were linked to one idea, the stronger importance stays).
    """
    feedback = await merging.merge_feedback(
        session, identity=identity, feedback_id=feedback_id, into_id=payload.into_id, if_match=if_match
    )
    response.headers["ETag"] = etag_for(feedback.version)
    return _public(feedback)
