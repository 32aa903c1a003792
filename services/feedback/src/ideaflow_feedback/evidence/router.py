"""HTTP endpoints for feedback as evidence: idea links, evidence and demand (`/v1/feedback/...`)."""

import decimal
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.evidence import service
from ideaflow_feedback.evidence.ideas import IdeasClientDep
from ideaflow_feedback.evidence.models import IdeaLink
from ideaflow_feedback.evidence.schemas import (
    Demand,
    Evidence,
    IdeaLinkCreate,
    IdeaLinkPublic,
    IdeaLinkUpdate,
    Quote,
)
from ideaflow_feedback.themes.assigner import caught_up
from ideaflow_feedback.themes.schemas import MoneyTotal
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

# Links to themes reach their items through theme assignments.
router = APIRouter(tags=["evidence"], dependencies=[Depends(caught_up)])

_OK_WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": etag_header("link")}}
Currency = Annotated[
    str, Query(pattern=r"^[A-Z]{3}$", description="Only customer value in this ISO 4217 currency counts.")
]


def _public(link: IdeaLink) -> IdeaLinkPublic:
    return IdeaLinkPublic.model_validate(link)


def _money(values: dict[str, int]) -> list[MoneyTotal]:
    return [
        MoneyTotal(amount=decimal.Decimal(minor).scaleb(-2), currency=currency)
        for currency, minor in sorted(values.items())
    ]


_CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "headers": {
            **etag_header("link"),
            **location_header("new link"),
        }
    },
    **problem_responses(403, 404, 409, 422, 503),
}


class _LinkRequest(BaseModel):
    """What an Idempotency-Key is bound to: the body and the item or theme in the path."""

    feedback_id: uuid.UUID | None
    theme_id: uuid.UUID | None
    body: IdeaLinkCreate


async def _create_link(
    payload: IdeaLinkCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    idempotency_key: IdempotencyKey,
    feedback_id: uuid.UUID | None = None,
    theme_id: uuid.UUID | None = None,
) -> Response:
    async def create() -> Created:
        link = await service.create_link(
            session, identity=identity, ideas=ideas, data=payload, feedback_id=feedback_id, theme_id=theme_id
        )
        return Created(body=_public(link), location=service.link_url(link.id), etag=etag_for(link.version))

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=_LinkRequest(feedback_id=feedback_id, theme_id=theme_id, body=payload),
        create=create,
    )


@router.post(
    "/v1/feedback/{feedback_id:uuid}/idea-links",
    status_code=201,
    response_model=IdeaLinkPublic,
    summary="Link a feedback item to an idea",
    responses=_CREATED,
)
async def link_feedback_to_idea(
    feedback_id: uuid.UUID,
    payload: IdeaLinkCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Make an item evidence for an idea (managers); a new or triaged item becomes `linked`.

    The idea is checked with the ideas service (503 when it cannot answer). Linking the same item to
    the same idea twice is a 409 naming the existing link.
    """
    return await _create_link(
        payload,
        session=session,
        identity=identity,
        ideas=ideas,
        idempotency_key=idempotency_key,
        feedback_id=feedback_id,
    )


@router.post(
    "/v1/themes/{theme_id:uuid}/idea-links",
    status_code=201,
    response_model=IdeaLinkPublic,
    summary="Link a whole theme to an idea",
    responses=_CREATED,
)
async def link_theme_to_idea(
    theme_id: uuid.UUID,
    payload: IdeaLinkCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    ideas: IdeasClientDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Make a theme evidence for an idea (managers): its items now, and those it gathers later."""
    return await _create_link(
        payload, session=session, identity=identity, ideas=ideas, idempotency_key=idempotency_key, theme_id=theme_id
    )


@router.get(
    "/v1/feedback/ideas/links",
    response_model=Page[IdeaLinkPublic],
    summary="List idea links",
    responses=problem_responses(400, 422),
)
async def list_idea_links(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    idea_id: uuid.UUID | None = None,
    feedback_id: uuid.UUID | None = None,
    theme_id: uuid.UUID | None = None,
) -> Page[IdeaLinkPublic]:
    """Links, newest first, filtered by idea, item or theme."""
    links, token = await service.list_links(
        session, identity=identity, idea_id=idea_id, feedback_id=feedback_id, theme_id=theme_id, page=page
    )
    return Page(items=[_public(link) for link in links], next_page_token=token)


@router.get(
    "/v1/feedback/ideas/links/{link_id:uuid}",
    response_model=IdeaLinkPublic,
    summary="Get an idea link",
    responses={**_OK_WITH_ETAG, **problem_responses(404, 422)},
)
async def get_idea_link(
    link_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> IdeaLinkPublic:
    link = await service.get_link(session, identity=identity, link_id=link_id)
    response.headers["ETag"] = etag_for(link.version)
    return _public(link)


@router.patch(
    "/v1/feedback/ideas/links/{link_id:uuid}",
    response_model=IdeaLinkPublic,
    summary="Change a link's importance or note",
    responses={**_OK_WITH_ETAG, **problem_responses(403, 404, 412, 422, 428)},
)
async def update_idea_link(
    link_id: uuid.UUID,
    payload: IdeaLinkUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> IdeaLinkPublic:
    """Requires `If-Match` (managers)."""
    link = await service.update_link(session, identity=identity, link_id=link_id, if_match=if_match, data=payload)
    response.headers["ETag"] = etag_for(link.version)
    return _public(link)


@router.delete(
    "/v1/feedback/ideas/links/{link_id:uuid}",
    status_code=204,
    summary="Unlink",
    responses=problem_responses(403, 404, 412, 422, 428),
)
async def delete_idea_link(
    link_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Requires `If-Match` (managers). The items keep their status."""
    await service.delete_link(session, identity=identity, link_id=link_id, if_match=if_match)
    return Response(status_code=204)


@router.get(
    "/v1/feedback/ideas/demand",
    response_model=Page[Demand],
    summary="Rank ideas by customer demand",
    responses=problem_responses(400, 422),
)
async def rank_ideas_by_demand(
    *, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep, currency: Currency = "EUR"
) -> Page[Demand]:
    """Ideas with linked feedback, most demanded first: customer value x importance, then distinct customers."""
    rows, token = await service.demand_ranking(session, identity=identity, currency=currency, page=page)
    return Page(
        items=[
            Demand(
                idea_id=row.idea_id,
                item_count=row.item_count,
                customer_count=row.customer_count,
                weighted_value=int(row.weighted_value),
            )
            for row in rows
        ],
        next_page_token=token,
    )


@router.get(
    "/v1/feedback/ideas/{idea_id:uuid}/evidence",
    response_model=Evidence,
    summary="Evidence for an idea",
    responses=problem_responses(404, 422),
)
async def get_idea_evidence(idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity) -> Evidence:
    """What customers said for an idea: items, customers, their value, importance and representative quotes."""
    figures = await service.evidence_for(session, identity=identity, idea_id=idea_id)
    return Evidence(
        idea_id=idea_id,
        item_count=figures.item_count,
        customer_count=figures.customer_count,
        customer_value=_money(figures.customer_value),
        importance=figures.importance,
        quotes=[
            Quote(feedback_id=item.id, text=item.text, importance=importance, received_at=item.received_at)
            for item, importance in figures.quotes
        ],
    )
