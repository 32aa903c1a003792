"""HTTP endpoints under `/v1/ideas`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_ideas.anonymity import FOLLOW_TOKEN_HEADER, FollowToken
from ideaflow_ideas.db import idempotency_keys
from ideaflow_ideas.fixed_paths import refuse_other_methods
from ideaflow_ideas.ideas import service
from ideaflow_ideas.ideas.models import Idea, IdeaCategory, IdeaStage
from ideaflow_ideas.ideas.repository import IdeaFilters
from ideaflow_ideas.ideas.schemas import IdeaCreate, IdeaOrder, IdeaPublic, IdeaUpdate
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import REPLAY_HEADER, Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Label, Timestamp

router = APIRouter(prefix="/v1/ideas", tags=["ideas"])


def _public(idea: Idea) -> IdeaPublic:
    return IdeaPublic.model_validate(idea)


@router.post(
    "",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit an idea",
    responses={
        201: {
            "headers": {
                **etag_header("idea"),
                **location_header("new idea"),
                FOLLOW_TOKEN_HEADER: {
                    "description": "Anonymous ideas only, shown once and never stored: send it back to follow "
                    "the idea (`GET /v1/ideas/followed`) and to answer questions as its author.",
                    "schema": {"type": "string"},
                },
            }
        },
        **problem_responses(403, 409, 422),
    },
)
async def create_idea(
    payload: IdeaCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a new idea in the `submitted` stage, in the inbox or in a challenge in ideation.

    With `anonymous: true` no trace of the author is stored; the `Follow-Token` header of the
    answer is the submitter's only link to the idea. Send an `Idempotency-Key` to make retries
    safe: the first response is replayed instead of creating a second idea (a replay cannot
    repeat the follow token, which is never stored).
    """
    follow_token: str | None = None

    async def create() -> Created:
        nonlocal follow_token
        submitted = await service.create_idea(session, identity=identity, data=payload)
        follow_token = submitted.follow_token
        idea = submitted.idea
        return Created(body=_public(idea), location=f"/v1/ideas/{idea.id}", etag=etag_for(idea.version))

    response = await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )
    if follow_token is not None and REPLAY_HEADER not in response.headers:
        response.headers[FOLLOW_TOKEN_HEADER] = follow_token
    return response


@router.get("", response_model=Page[IdeaPublic], summary="List ideas", responses=problem_responses(422))
async def list_ideas(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    stage: IdeaStage | None = None,
    category: IdeaCategory | None = None,
    tag: Annotated[Label | None, Query(description="Only ideas carrying this tag.")] = None,
    created_after: Annotated[
        Timestamp | None, Query(description="Created at or after this instant (RFC 3339).")
    ] = None,
    created_before: Annotated[Timestamp | None, Query(description="Created before this instant (RFC 3339).")] = None,
    challenge_id: Annotated[uuid.UUID | None, Query(description="Only ideas of this challenge.")] = None,
    department: Annotated[Label | None, Query(description="Only ideas from this department.")] = None,
    order_by: IdeaOrder = IdeaOrder.CREATED_AT_DESC,
) -> Page[IdeaPublic]:
    """The organisation's ideas, newest first unless `order_by` says otherwise."""
    filters = IdeaFilters(
        stage=stage,
        category=category,
        tag=tag,
        created_after=created_after,
        created_before=created_before,
        challenge_id=challenge_id,
        department=department,
    )
    ideas, token = await service.list_ideas(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(idea) for idea in ideas], next_page_token=token)


@router.get("/mine", response_model=Page[IdeaPublic], summary="List my ideas", responses=problem_responses(422))
async def list_my_ideas(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    stage: IdeaStage | None = None,
    order_by: IdeaOrder = IdeaOrder.CREATED_AT_DESC,
) -> Page[IdeaPublic]:
    """The ideas the caller submitted under their name. Anonymous ones are not here, by design:
    follow those with their follow token (`GET /v1/ideas/followed`)."""
    filters = IdeaFilters(stage=stage, author_id=identity.principal_id)
    ideas, token = await service.list_ideas(session, identity=identity, filters=filters, order=order_by, page=page)
    return Page(items=[_public(idea) for idea in ideas], next_page_token=token)


@router.get(
    "/followed",
    response_model=IdeaPublic,
    summary="Follow my anonymous idea",
    responses={200: {"headers": etag_header("idea")}, **problem_responses(404, 422)},
)
async def get_followed_idea(
    *, session: SessionDep, identity: CurrentIdentity, follow_token: FollowToken = None, response: Response
) -> IdeaPublic:
    """The anonymous idea whose `Follow-Token` the caller sends: its stage, votes and dots.

    Its history (`/v1/ideas/{id}/history`) and questions (`/v1/ideas/{id}/comments`) follow from
    its id; answer a question as the author by commenting with the same `Follow-Token`. Any other
    token, or none, is a 404: the answer never tells whether an idea is anonymous.
    """
    idea = await service.get_followed_idea(session, identity=identity, follow_token=follow_token)
    response.headers["ETag"] = etag_for(idea.version)
    return _public(idea)


refuse_other_methods(router, "/mine", allowed="GET")
refuse_other_methods(router, "/followed", allowed="GET")


@router.get(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Get an idea",
    responses={200: {"headers": etag_header("idea")}, **problem_responses(404, 422)},
)
async def get_idea(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> IdeaPublic:
    idea = await service.get_idea(session, identity=identity, idea_id=idea_id)
    response.headers["ETag"] = etag_for(idea.version)
    return _public(idea)


@router.patch(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Change an idea",
    responses={200: {"headers": etag_header("idea")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_idea(
    idea_id: uuid.UUID,
    payload: IdeaUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> IdeaPublic:
    """Change some fields of an idea (its author or a manager). Requires `If-Match`."""
    idea = await service.update_idea(session, identity=identity, idea_id=idea_id, if_match=if_match, data=payload)
    response.headers["ETag"] = etag_for(idea.version)
    return _public(idea)


@router.delete(
    "/{idea_id}",
    status_code=204,
    summary="Delete an idea",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_idea(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Delete an idea for good (its author or a manager). Requires `If-Match`."""
    await service.delete_idea(session, identity=identity, idea_id=idea_id, if_match=if_match)
    return Response(status_code=204)
