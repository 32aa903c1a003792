"""HTTP endpoints under `/v1/feedback`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.feedback import service
from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel
from ideaflow_feedback.feedback.repository import FeedbackFilters
from ideaflow_feedback.feedback.schemas import FeedbackCreate, FeedbackOrder, FeedbackPublic, SourceName
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import etag_for
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import ShortText, Timestamp

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])

_ETAG_HEADER = {"ETag": {"description": "The item's version.", "schema": {"type": "string"}}}
_DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: {
        **problem_responses(409)[409],
        "description": "This source's item was already posted (`existing_id` names it), or a request with "
        "the same Idempotency-Key is still in progress.",
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
        201: {
            "headers": {
                **_ETAG_HEADER,
                "Location": {"description": "The new item's URL.", "schema": {"type": "string"}},
            }
        },
        **_DUPLICATE,
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
    """Record what a customer said.

    Integrations send `source` and `external_id`: an item already posted is refused with a 409 whose
    `existing_id` names the stored item, so re-running an import never duplicates feedback. Send an
    `Idempotency-Key` to make retries safe: the first response is replayed.
    """

    async def create() -> Created:
        feedback = await service.create_feedback(session, identity=identity, data=payload)
        return Created(
            body=_public(feedback), location=service.feedback_url(feedback.id), etag=etag_for(feedback.version)
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
    source: Annotated[SourceName | None, Query(description="Only items from this sending system.")] = None,
    customer_ref: Annotated[ShortText | None, Query(description="Only what this customer said.")] = None,
    received_after: Annotated[
        Timestamp | None, Query(description="Received at or after this instant (RFC 3339).")
    ] = None,
    received_before: Annotated[Timestamp | None, Query(description="Received before this instant (RFC 3339).")] = None,
    order_by: FeedbackOrder = FeedbackOrder.RECEIVED_AT_DESC,
) -> Page[FeedbackPublic]:
    """The organisation's feedback, most recently received first unless `order_by` says otherwise."""
    filters = FeedbackFilters(
        channel=channel,
        source=source,
        customer_ref=customer_ref,
        received_after=received_after,
        received_before=received_before,
    )
    items, token = await service.list_feedback(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(item) for item in items], next_page_token=token)


@router.get(
    "/{feedback_id}",
    response_model=FeedbackPublic,
    summary="Get a feedback item",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(404, 422)},
)
async def get_feedback(
    feedback_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> FeedbackPublic:
    feedback = await service.get_feedback(session, identity=identity, feedback_id=feedback_id)
    response.headers["ETag"] = etag_for(feedback.version)
    return _public(feedback)
