"""The ideas service, as other services see it."""

import datetime as dt
import uuid

from pydantic import BaseModel

from ideaflow_shared.http import ServiceClient
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import ServiceUnavailable


def _rfc3339(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


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

    async def idea_ids_created_between(
        self, start: dt.datetime, end: dt.datetime, *, identity: Identity, max_ideas: int
    ) -> list[uuid.UUID] | None:
        """The ids of the organisation's ideas created in `[start, end)`, or None when there are more than `max_ideas`.

        Pages through `GET /v1/ideas` (100 per request), so the cost grows with the number of ideas.
        """
        ids: list[uuid.UUID] = []
        params = {"created_after": _rfc3339(start), "created_before": _rfc3339(end), "page_size": "100"}
        while True:
            status, body = await self.request("GET", "/v1/ideas", identity=identity, params=params)
            if status != 200:
                raise ServiceUnavailable(f"The ideas service answered {status}.")
            ids.extend(uuid.UUID(item["id"]) for item in body["items"])
            if len(ids) > max_ideas:
                return None
            if body["next_page_token"] is None:
                return ids
            params["page_token"] = body["next_page_token"]
