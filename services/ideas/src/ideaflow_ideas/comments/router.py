"""HTTP endpoints under `/v1/ideas/{idea_id}/comments`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_ideas.anonymity import COMMENT_TOKEN_HEADER, CommentToken, FollowToken
from ideaflow_ideas.comments import service
from ideaflow_ideas.comments.models import Comment, CommentKind
from ideaflow_ideas.comments.schemas import CommentCreate, CommentPublic, CommentUpdate
from ideaflow_ideas.comments.service import AuthorTokens
from ideaflow_ideas.db import idempotency_keys
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import REPLAY_HEADER, Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/ideas/{idea_id}/comments", tags=["comments"])


def _public(comment: Comment) -> CommentPublic:
    return CommentPublic.model_validate(comment)


@router.post(
    "",
    status_code=201,
    response_model=CommentPublic,
    summary="Comment on an idea",
    responses={
        201: {
            "headers": {
                **etag_header("comment"),
                **location_header("new comment"),
                COMMENT_TOKEN_HEADER: {
                    "description": "Anonymous comments only, shown once: proves authorship to edit or delete it.",
                    "schema": {"type": "string"},
                },
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def post_comment(
    idea_id: uuid.UUID,
    payload: CommentCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    follow_token: FollowToken = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Build on, question or (in evaluation) critique an idea; reply to a top-level comment.

    Critique on an idea of a challenge in ideation is refused (409): judgement is deferred until
    the challenge's evaluation phase. Closed challenges are read-only (409).
    """
    comment_token: str | None = None

    async def create() -> Created:
        nonlocal comment_token
        posted = await service.post_comment(
            session, identity=identity, idea_id=idea_id, data=payload, follow_token=follow_token
        )
        comment_token = posted.comment_token
        comment = posted.comment
        return Created(
            body=_public(comment),
            location=f"/v1/ideas/{idea_id}/comments/{comment.id}",
            etag=etag_for(comment.version),
        )

    response = await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )
    # The token is never stored, so a replayed answer cannot repeat it.
    if comment_token is not None and REPLAY_HEADER not in response.headers:
        response.headers[COMMENT_TOKEN_HEADER] = comment_token
    return response


@router.get(
    "", response_model=Page[CommentPublic], summary="List an idea's comments", responses=problem_responses(404, 422)
)
async def list_comments(
    idea_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    kind: CommentKind | None = None,
) -> Page[CommentPublic]:
    """Comments and replies, oldest first; a reply names its top-level comment in `parent_id`."""
    comments, token = await service.list_comments(session, identity=identity, idea_id=idea_id, kind=kind, page=page)
    return Page(items=[_public(comment) for comment in comments], next_page_token=token)


@router.get(
    "/{comment_id}",
    response_model=CommentPublic,
    summary="Get a comment",
    responses={200: {"headers": etag_header("comment")}, **problem_responses(404, 422)},
)
async def get_comment(
    idea_id: uuid.UUID, comment_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> CommentPublic:
    comment = await service.get_comment(session, identity=identity, idea_id=idea_id, comment_id=comment_id)
    response.headers["ETag"] = etag_for(comment.version)
    return _public(comment)


@router.patch(
    "/{comment_id}",
    response_model=CommentPublic,
    summary="Change a comment",
    responses={200: {"headers": etag_header("comment")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_comment(
    idea_id: uuid.UUID,
    comment_id: uuid.UUID,
    payload: CommentUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    follow_token: FollowToken = None,
    comment_token: CommentToken = None,
    response: Response,
) -> CommentPublic:
    """Change the text of your comment (anonymous authors send their token). Requires `If-Match`."""
    comment = await service.update_comment(
        session,
        identity=identity,
        idea_id=idea_id,
        comment_id=comment_id,
        if_match=if_match,
        tokens=AuthorTokens(follow_token=follow_token, comment_token=comment_token),
        data=payload,
    )
    response.headers["ETag"] = etag_for(comment.version)
    return _public(comment)


@router.delete(
    "/{comment_id}",
    status_code=204,
    summary="Delete a comment",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_comment(
    idea_id: uuid.UUID,
    comment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    follow_token: FollowToken = None,
    comment_token: CommentToken = None,
) -> Response:
    """Delete your comment and its replies (or, as a manager, moderate). Requires `If-Match`."""
    await service.delete_comment(
        session,
        identity=identity,
        idea_id=idea_id,
        comment_id=comment_id,
        if_match=if_match,
        tokens=AuthorTokens(follow_token=follow_token, comment_token=comment_token),
    )
    return Response(status_code=204)
