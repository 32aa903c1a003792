"""`GET /v1/themes/digest`: what employees should hear from customers about a period."""

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ideaflow_feedback.digest import repository
from ideaflow_feedback.themes.assigner import caught_up
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses
from ideaflow_shared.types import Timestamp

router = APIRouter(prefix="/v1/themes", tags=["themes"], dependencies=[Depends(caught_up)])


class GrowingTheme(BaseModel):
    theme_id: uuid.UUID
    label: str
    current_items: int = Field(description="Items in the period.")
    previous_items: int = Field(description="Items in the equally long period before it.")
    growth: int


class NewPattern(BaseModel):
    theme_id: uuid.UUID
    label: str
    customer_count: int = Field(description="Distinct customers in the period.")


class NotableQuote(BaseModel):
    feedback_id: uuid.UUID
    theme_id: uuid.UUID
    text: str
    sentiment: float
    received_at: dt.datetime


class Digest(BaseModel):
    start: dt.datetime = Field(serialization_alias="from")
    end: dt.datetime = Field(serialization_alias="to")
    growing_themes: list[GrowingTheme]
    new_patterns: list[NewPattern]
    notable_quotes: list[NotableQuote]


@router.get(
    "/digest",
    response_model=Digest,
    response_model_by_alias=True,
    summary="Digest of a period for employees",
    responses=problem_responses(422),
)
async def get_digest(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    start: Annotated[Timestamp, Query(alias="from", description="Start of the period (RFC 3339), inclusive.")],
    end: Annotated[Timestamp, Query(alias="to", description="End of the period (RFC 3339), exclusive.")],
    min_customers: Annotated[int, Query(ge=1, le=10_000, description="Distinct customers that make a pattern.")] = 3,
) -> Digest:
    """Top themes by growth over the previous period, new patterns, and the most strongly felt quotes.

    A period that ends before it starts is empty.
    """
    organization_id = identity.organization_id
    growing = await repository.growing_themes(session, organization_id=organization_id, start=start, end=end)
    patterns = await repository.new_patterns(
        session, organization_id=organization_id, start=start, end=end, min_customers=min_customers
    )
    quotes = await repository.notable_quotes(
        session,
        organization_id=organization_id,
        theme_ids=list(dict.fromkeys([row.id for row in growing] + [row.id for row in patterns])),
        start=start,
        end=end,
    )
    return Digest(
        start=start,
        end=end,
        growing_themes=[
            GrowingTheme(
                theme_id=row.id,
                label=row.label,
                current_items=row.current_items,
                previous_items=row.previous_items,
                growth=row.growth,
            )
            for row in growing
        ],
        new_patterns=[
            NewPattern(theme_id=row.id, label=row.label, customer_count=row.customer_count) for row in patterns
        ],
        notable_quotes=[
            NotableQuote(
                feedback_id=row.id,
                theme_id=row.theme_id,
                text=row.text,
                sentiment=row.sentiment_score,
                received_at=row.received_at,
            )
            for row in quotes
        ],
    )
