"""HTTP endpoints for an idea's stage: `/v1/ideas/{id}/stage`, `/history`, `/v1/ideas/awaiting-review`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ideaflow_ideas.fixed_paths import refuse_other_methods
from ideaflow_ideas.settings import IdeasSettings
from ideaflow_ideas.stages import service
from ideaflow_ideas.stages.schemas import AwaitingIdea, StageChangePublic, StageMove
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/ideas", tags=["stages"])


@router.get(
    "/awaiting-review",
    response_model=Page[AwaitingIdea],
    summary="List ideas waiting for an answer",
    responses=problem_responses(400, 403, 422),
)
async def list_ideas_awaiting_review(
    request: Request,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    days: Annotated[
        int | None,
        Query(ge=1, le=365, description="Unanswered for at least this many days (default: the service's setting)."),
    ] = None,
) -> Page[AwaitingIdea]:
    """Open ideas (submitted, screening, backlog) with no stage change and no reviewer comment
    within `days` days, the longest waiting first: the reviewers' to-do list."""
    settings: IdeasSettings = request.app.state.settings
    ideas, token = await service.list_awaiting_review(
        session, identity=identity, days=days or settings.review_cadence_days, page=page
    )
    return Page(items=[AwaitingIdea.of(idea) for idea in ideas], next_page_token=token)


refuse_other_methods(router, "/awaiting-review", allowed="GET")


@router.post(
    "/{idea_id}/stage",
    response_model=StageChangePublic,
    summary="Move an idea to another stage",
    responses={
        200: {"headers": etag_header(description="The idea's new version; send it back as If-Match.")},
        **problem_responses(403, 404, 409, 412, 422, 428),
    },
)
async def move_idea_to_stage(
    idea_id: uuid.UUID,
    payload: StageMove,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> StageChangePublic:
    """Move the idea along the funnel and record the move in its history. Requires `If-Match`.

    Reviewers move ideas into screening and the backlog and may park or reject ideas there;
    managers make every move. An illegal move is a 409 whose `allowed` lists the legal targets.
    Parking and rejecting need a `rationale` the submitter will read.
    """
    idea, change = await service.move_idea(session, identity=identity, idea_id=idea_id, if_match=if_match, move=payload)
    response.headers["ETag"] = etag_for(idea.version)
    return StageChangePublic.model_validate(change)


@router.get(
    "/{idea_id}/history",
    response_model=Page[StageChangePublic],
    summary="List an idea's stage history",
    responses=problem_responses(400, 404, 422),
)
async def list_idea_history(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep
) -> Page[StageChangePublic]:
    """Every stage change of the idea, oldest first, with the rationale the submitter is owed."""
    changes, token = await service.list_history(session, identity=identity, idea_id=idea_id, page=page)
    return Page(items=[StageChangePublic.model_validate(change) for change in changes], next_page_token=token)
