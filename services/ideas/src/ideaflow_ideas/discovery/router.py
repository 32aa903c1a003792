"""HTTP endpoints `/v1/ideas/search`, `/v1/ideas/similar` (fixed paths) and `/v1/ideas/{idea_id}/merge`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ideaflow_ideas.db import idempotency_keys
from ideaflow_ideas.discovery import merging, service
from ideaflow_ideas.discovery.schemas import MergeRequest, SearchHit, SimilarIdeas, SimilarityDraft
from ideaflow_ideas.fixed_paths import refuse_other_methods
from ideaflow_ideas.ideas.schemas import IdeaPublic
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/ideas", tags=["discovery"])


@router.get("/search", response_model=Page[SearchHit], summary="Search ideas", responses=problem_responses(400, 422))
async def search_ideas(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words that must all appear (stemmed).")],
) -> Page[SearchHit]:
    """Full text over the organisation's ideas (title, problem, proposal, tags), best first.

    Words are matched by stem (`orders` finds `ordering`), common words are ignored, and every
    remaining word must appear; a query of common words only finds nothing. When more than 1,000
    ideas match, the newest 1,000 of them are ranked; another word narrows the search. Hits never
    name an author. Pages follow the ranking: pass `next_page_token` back as `page_token`.
    """
    hits, token = await service.search_ideas(session, identity=identity, query=q, page=page)
    return Page(
        items=[
            SearchHit(id=hit.id, title=hit.title, stage=hit.stage, excerpt=hit.excerpt, score=hit.score) for hit in hits
        ],
        next_page_token=token,
    )


@router.post(
    "/similar", response_model=SimilarIdeas, summary="Find ideas similar to a draft", responses=problem_responses(422)
)
async def find_similar_ideas(
    payload: SimilarityDraft, *, session: SessionDep, identity: CurrentIdentity
) -> SimilarIdeas:
    """The existing ideas closest to a draft, for a front end to call every few keystrokes so that
    an author can build on an idea instead of repeating it. Scores run from 0 to 1 (see the schema);
    ideas sharing no word with the draft are not listed. Reads only: nothing is stored.
    """
    matches = await service.find_similar_ideas(session, identity=identity, draft=payload)
    return SimilarIdeas(matches=matches)


refuse_other_methods(router, "/search", allowed="GET")
refuse_other_methods(router, "/similar", allowed="POST")


@router.post(
    "/{idea_id}/merge",
    response_model=IdeaPublic,
    summary="Merge an idea into another",
    responses={
        200: {"headers": etag_header(description="The merged idea's new version.")},
        **problem_responses(403, 404, 409, 412, 422, 428),
    },
)
async def merge_idea(
    idea_id: uuid.UUID,
    payload: MergeRequest,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Merge a duplicate into the idea named by `into` (managers). Requires `If-Match` (this idea's ETag).

    Up-votes follow (one per person: who voted for both keeps one), dots follow within the same
    challenge, comments and evaluations follow (a reviewer who evaluated both keeps the target's).
    This idea stays readable in the `merged` stage with `merged_into_id`, and its history tells its
    author where it went. Merging into itself or an unknown idea is a 422; merging a merged,
    experimenting or adopted idea, or into a merged one, is a 409. Send an `Idempotency-Key` to
    make retries safe: the first answer is replayed.
    """

    async def merge() -> Created:
        idea = await merging.merge_idea(
            session, identity=identity, idea_id=idea_id, into=payload.into, if_match=if_match
        )
        return Created(
            body=IdeaPublic.model_validate(idea),
            location=f"/v1/ideas/{idea.id}",
            etag=etag_for(idea.version),
            status=200,
        )

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=merge,
    )
