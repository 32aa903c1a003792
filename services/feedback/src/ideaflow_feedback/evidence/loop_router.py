"""HTTP endpoints for closing the loop: `/v1/feedback/ideas/{idea_id:uuid}/...`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ideaflow_feedback.evidence import loop
from ideaflow_feedback.evidence.ideas import IdeasClientDep
from ideaflow_feedback.themes.assigner import caught_up
from ideaflow_shared.db import SessionDep
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.problems import problem_responses

# Links to themes reach their items through theme assignments.
router = APIRouter(prefix="/v1/feedback/ideas", tags=["evidence"], dependencies=[Depends(caught_up)])


class StatusChanges(BaseModel):
    idea_id: uuid.UUID
    feedback_ids: list[uuid.UUID] = Field(description="The items whose status changed.")


class CustomerToNotifyPublic(BaseModel):
    customer_id: uuid.UUID
    source: str = Field(description="The CRM or system the customer lives in.")
    external_id: str | None = Field(description="The customer's id there.")
    name: str | None
    email: str | None
    feedback_ids: list[uuid.UUID] = Field(description="Their addressed items on this idea.")


class CustomersToNotify(BaseModel):
    idea_id: uuid.UUID
    customers: list[CustomerToNotifyPublic]


class CustomersNotified(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=1_000)] = Field(
        description="Customers who were told that their feedback led to a change."
    )


@router.post(
    "/{idea_id:uuid}/shipped",
    response_model=StatusChanges,
    summary="Mark an idea shipped",
    responses=problem_responses(403, 404, 409, 422, 503),
)
async def mark_idea_shipped(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, ideas: IdeasClientDep
) -> StatusChanges:
    """The idea shipped (managers): its linked feedback becomes `addressed`. Repeating it changes nothing."""
    items = await loop.mark_idea_shipped(session, identity=identity, ideas=ideas, idea_id=idea_id)
    return StatusChanges(idea_id=idea_id, feedback_ids=[item.id for item in items])


@router.get(
    "/{idea_id:uuid}/customers-to-notify",
    response_model=CustomersToNotify,
    summary="Customers to tell that an idea shipped",
    responses=problem_responses(404, 422),
)
async def list_customers_to_notify(
    idea_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity
) -> CustomersToNotify:
    """Customers with addressed feedback on the idea and their CRM references, until marked notified."""
    found = await loop.customers_to_notify(session, identity=identity, idea_id=idea_id)
    return CustomersToNotify(
        idea_id=idea_id,
        customers=[
            CustomerToNotifyPublic(
                customer_id=entry.customer.id,
                source=entry.customer.source,
                external_id=entry.customer.external_id,
                name=entry.customer.name,
                email=entry.customer.email,
                feedback_ids=entry.feedback_ids,
            )
            for entry in found
        ],
    )


@router.post(
    "/{idea_id:uuid}/customers-notified",
    response_model=StatusChanges,
    summary="Mark customers notified",
    responses=problem_responses(403, 404, 409, 422),
)
async def mark_customers_notified(
    idea_id: uuid.UUID, payload: CustomersNotified, *, session: SessionDep, identity: CurrentIdentity
) -> StatusChanges:
    """These customers were told (managers): their addressed items on the idea become `loop_closed`."""
    items = await loop.mark_customers_notified(
        session, identity=identity, idea_id=idea_id, customer_ids=payload.customer_ids
    )
    return StatusChanges(idea_id=idea_id, feedback_ids=[item.id for item in items])
