"""HTTP endpoints under `/v1/learnings`: learning cards, full-text search and related learnings."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.learnings import service
from ideaflow_experiments.learnings.models import LearningKind
from ideaflow_experiments.learnings.repository import LearningFilters
from ideaflow_experiments.learnings.schemas import (
    LearningCreate,
    LearningOrder,
    LearningPublic,
    LearningUpdate,
    MemorySearchHit,
    RelatedRequest,
    SearchScope,
)
from ideaflow_experiments.learnings.search import Hit
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/learnings", tags=["learnings"])
# `{learning_id:uuid}` keeps `/search` and `/related` from matching a card's routes (PATCH /search is a 405).


def _hit(hit: Hit) -> MemorySearchHit:
    return MemorySearchHit(kind=hit.kind, id=hit.id, title=hit.title, excerpt=hit.excerpt, score=hit.score)


@router.post(
    "",
    status_code=201,
    response_model=LearningPublic,
    summary="Record a learning card",
    description="We believed / we observed / we learned / therefore we will, linked to experiments and assumptions "
    "by id. A failure is analysed by process, not person: a cause category and what the process will change; no "
    "author is stored. Any member may record one. Send an `Idempotency-Key` to make retries safe.",
    responses={
        201: {
            "headers": {
                **etag_header("learning"),
                **location_header("new learning"),
            }
        },
        **problem_responses(409, 422),
    },
)
async def create_learning(
    payload: LearningCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create() -> Created:
        learning = await service.create_learning(session, identity=identity, data=payload)
        return Created(body=learning, location=f"/v1/learnings/{learning.id}", etag=etag_for(learning.version))

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.get(
    "",
    response_model=Page[LearningPublic],
    summary="List learning cards",
    responses=problem_responses(400, 422),
)
async def list_learnings(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    kind: LearningKind | None = None,
    experiment_id: Annotated[uuid.UUID | None, Query(description="Only learnings linked to this experiment.")] = None,
    assumption_id: Annotated[uuid.UUID | None, Query(description="Only learnings linked to this assumption.")] = None,
    order_by: LearningOrder = LearningOrder.CREATED_AT_DESC,
) -> Page[LearningPublic]:
    """The organisation's learnings, newest first unless `order_by` says otherwise."""
    items, token = await service.list_learnings(
        session,
        identity=identity,
        filters=LearningFilters(kind=kind, experiment_id=experiment_id, assumption_id=assumption_id),
        order=order_by,
        page=page,
    )
    return Page(items=items, next_page_token=token)


@router.get(
    "/search",
    response_model=Page[MemorySearchHit],
    summary="Search learnings and experiments",
    responses=problem_responses(400, 422),
)
async def search_memory(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words that must all appear (stemmed).")],
    scope: SearchScope = SearchScope.ALL,
) -> Page[MemorySearchHit]:
    """Full text over learnings (every card field) and experiments (title, hypothesis, test), best first.

    "Have we tried this before?": words are matched by stem (`reorder` finds `reordering`), common
    words are ignored, and every remaining word must appear. When more than 1,000 learnings (or
    experiments) match, the newest 1,000 of them are ranked; another word narrows the search.
    """
    hits, token = await service.search_memory(session, identity=identity, query=q, scope=scope, page=page)
    return Page(items=[_hit(hit) for hit in hits], next_page_token=token)


@router.post(
    "/related",
    response_model=list[MemorySearchHit],
    summary="Find learnings related to a draft hypothesis",
    responses=problem_responses(422),
)
async def find_related_learnings(
    payload: RelatedRequest, *, session: SessionDep, identity: CurrentIdentity
) -> list[MemorySearchHit]:
    """Before testing a hypothesis, see what was learned before: learnings sharing its significant words,
    the most related first (at most `limit`)."""
    hits = await service.related_learnings(
        session, identity=identity, hypothesis=payload.hypothesis, limit=payload.limit
    )
    return [_hit(hit) for hit in hits]


@router.get(
    "/{learning_id:uuid}",
    response_model=LearningPublic,
    summary="Get a learning card",
    responses={200: {"headers": etag_header("learning")}, **problem_responses(404, 422)},
)
async def get_learning(
    learning_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> LearningPublic:
    learning = await service.get_learning(session, identity=identity, learning_id=learning_id)
    response.headers["ETag"] = etag_for(learning.version)
    return learning


@router.patch(
    "/{learning_id:uuid}",
    response_model=LearningPublic,
    summary="Change a learning card",
    responses={200: {"headers": etag_header("learning")}, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_learning(
    learning_id: uuid.UUID,
    payload: LearningUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> LearningPublic:
    """Change some fields (managers curate the team's cards, 403 otherwise). Requires `If-Match`."""
    learning = await service.update_learning(
        session, identity=identity, learning_id=learning_id, if_match=if_match, data=payload
    )
    response.headers["ETag"] = etag_for(learning.version)
    return learning


@router.delete(
    "/{learning_id:uuid}",
    status_code=204,
    summary="Delete a learning card",
    responses=problem_responses(403, 404, 412, 422, 428),
)
async def delete_learning(
    learning_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Delete a card for good (managers only). Requires `If-Match`."""
    await service.delete_learning(session, identity=identity, learning_id=learning_id, if_match=if_match)
    return Response(status_code=204)
