"""The ideas service, as other services see it."""

import uuid

from pydantic import BaseModel

from ideaflow_shared.http import ServiceClient
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import ServiceUnavailable


class IdeaReference(BaseModel):
    """The few fields of an idea that other services rely on."""

    id: uuid.UUID
    title: str
    stage: str


class IdeasClient(ServiceClient):
    service_name = "ideas"

    async def get_idea(self, idea_id: uuid.UUID, *, identity: Identity) -> IdeaReference | None:
        """The idea as the caller's organisation sees it, or None when it has no such idea."""
        status, body = await self.request("GET", f"/v1/ideas/{idea_id}", identity=identity)
        if status == 404:
            return None
        if status != 200:
            raise ServiceUnavailable(f"The ideas service answered {status}; nothing was changed.")
        return IdeaReference.model_validate(body)
