"""`/v1/experiments`: what front ends rely on when they plan, list, change and delete experiments."""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ideaflow_shared.identity import Identity
from ideaflow_shared.testing import Caller

SubmitIdea = Callable[[Identity], Awaitable[str]]

PROBLEM_JSON = "application/problem+json"

EXPERIMENT = {
    "title": "Repeat-order button on the order page",
    "hypothesis": "We believe that regular customers would reorder with one click.",
    "test_description": "To verify that, we will show the button to 10% of returning customers.",
    "type": "ab_test",
    "planned_start_at": "2026-02-01T09:00:00Z",
    "planned_end_at": "2026-02-15T17:00:00Z",
}


async def create(caller: Caller, idea_id: str, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id, **overrides})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def listed_ids(caller: Caller, **params: str) -> list[str]:
    response = await caller.get("/v1/experiments", params=params)
    assert response.status_code == 200, response.text
    return [experiment["id"] for experiment in response.json()["items"]]


async def test_created_experiment_starts_as_a_draft_owned_by_its_creator(caller: Caller, idea_id: str) -> None:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id})

    assert response.status_code == 201, response.text
    experiment = response.json()
    assert response.headers["location"] == f"/v1/experiments/{experiment['id']}"
    assert response.headers["etag"] == '"1"'
    assert experiment["status"] == "draft"
    assert experiment["idea_id"] == idea_id
    assert experiment["owner_id"] == caller.identity.principal_id
    assert experiment["planned_start_at"] == "2026-02-01T09:00:00Z"
    assert experiment["version"] == 1
    fetched = await caller.get(response.headers["location"])
    assert fetched.json() == experiment
    assert fetched.headers["etag"] == '"1"'


async def test_unknown_idea_is_refused_pointing_at_idea_id(caller: Caller) -> None:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": str(uuid.uuid4())})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["pointer"] == "/body/idea_id"
    assert await listed_ids(caller) == []


async def test_another_organisations_idea_is_refused_like_an_unknown_one(
    caller: Caller, caller_factory: Callable[..., Caller], submit_idea: SubmitIdea
) -> None:
    foreign_idea_id = await submit_idea(caller_factory().identity)

    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": foreign_idea_id})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/idea_id"
    assert await listed_ids(caller) == []


async def test_ideas_service_down_is_503_and_writes_nothing(
    caller: Caller, idea_id: str, app_client_without_ideas: httpx.AsyncClient
) -> None:
    cut_off = Caller(app_client_without_ideas, caller.identity)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {**EXPERIMENT, "idea_id": idea_id}

    response = await cut_off.post("/v1/experiments", json=body, headers=headers)

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert await listed_ids(caller) == []
    retried = await caller.post("/v1/experiments", json=body, headers=headers)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


async def test_plan_that_ends_before_it_starts_is_refused(caller: Caller, idea_id: str) -> None:
    response = await caller.post(
        "/v1/experiments",
        json={**EXPERIMENT, "idea_id": idea_id, "planned_end_at": "2026-01-31T09:00:00Z"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/planned_end_at"
    assert await listed_ids(caller) == []


async def test_patch_that_makes_the_plan_inconsistent_is_refused_at_the_field_sent(
    caller: Caller, idea_id: str
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    etag = {"If-Match": '"1"'}

    late_start = await caller.patch(url, json={"planned_start_at": "2026-03-01T00:00:00Z"}, headers=etag)
    early_end = await caller.patch(url, json={"planned_end_at": "2026-01-01T00:00:00+01:00"}, headers=etag)
    moved = await caller.patch(
        url, json={"planned_start_at": "2026-03-01T00:00:00Z", "planned_end_at": "2026-03-08T00:00:00Z"}, headers=etag
    )

    assert late_start.status_code == 422
    assert late_start.json()["errors"][0]["pointer"] == "/body/planned_start_at"
    assert early_end.status_code == 422
    assert early_end.json()["errors"][0]["pointer"] == "/body/planned_end_at"
    assert moved.status_code == 200
    assert moved.json()["planned_end_at"] == "2026-03-08T00:00:00Z"


async def test_list_filters_by_idea_status_type_and_creation_time(
    caller: Caller, idea_id: str, submit_idea: SubmitIdea
) -> None:
    other_idea_id = await submit_idea(caller.identity)
    first = await create(caller, idea_id, type="survey")
    second = await create(caller, other_idea_id, type="pilot")

    assert await listed_ids(caller, idea_id=idea_id) == [first["id"]]
    assert await listed_ids(caller, type="pilot") == [second["id"]]
    assert await listed_ids(caller, status="draft") == [second["id"], first["id"]]
    assert await listed_ids(caller, status="running") == []
    assert await listed_ids(caller, created_after=second["created_at"]) == [second["id"]]
    assert await listed_ids(caller, created_before=second["created_at"]) == [first["id"]]
    assert await listed_ids(caller, order_by="created_at") == [first["id"], second["id"]]


async def test_list_pages_through_every_experiment_once_in_order(caller: Caller, idea_id: str) -> None:
    created = [await create(caller, idea_id, title=f"Experiment {number}") for number in range(7)]
    touched = created[0]
    changed = await caller.patch(
        f"/v1/experiments/{touched['id']}", json={"title": "Touched last"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200

    async def every_page(order_by: str) -> list[str]:
        seen, token = [], None
        while True:
            params = {"page_size": 3, "order_by": order_by, **({"page_token": token} if token else {})}
            page = (await caller.get("/v1/experiments", params=params)).json()
            seen += [experiment["id"] for experiment in page["items"]]
            token = page["next_page_token"]
            if token is None:
                return seen

    newest_first = [experiment["id"] for experiment in reversed(created)]
    assert await every_page("-created_at") == newest_first
    assert await every_page("-updated_at") == [touched["id"], *newest_first[:-1]]


async def test_page_token_of_another_ordering_is_refused(caller: Caller, idea_id: str) -> None:
    for number in range(3):
        await create(caller, idea_id, title=f"Experiment {number}")
    token = (await caller.get("/v1/experiments", params={"page_size": 1})).json()["next_page_token"]

    response = await caller.get("/v1/experiments", params={"page_token": token, "order_by": "updated_at"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/page_token"


async def test_patch_needs_the_current_etag_and_changes_only_what_is_sent(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"

    missing = await caller.patch(url, json={"title": "New"})
    stale = await caller.patch(url, json={"title": "New"}, headers={"If-Match": '"7"'})
    updated = await caller.patch(url, json={"title": "New", "type": "pilot"}, headers={"If-Match": '"1"'})

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["title"] == "New"
    assert updated.json()["type"] == "pilot"
    assert updated.json()["hypothesis"] == EXPERIMENT["hypothesis"]
    updated_at = dt.datetime.fromisoformat(updated.json()["updated_at"])
    assert updated_at > dt.datetime.fromisoformat(experiment["updated_at"])
    assert (await caller.patch(url, json={"title": "Lost"}, headers={"If-Match": '"1"'})).status_code == 412


async def test_idea_status_and_nulls_cannot_be_patched(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    etag = {"If-Match": '"1"'}

    for body in ({"idea_id": str(uuid.uuid4())}, {"status": "running"}, {"hypothesis": None}):
        response = await caller.patch(url, json=body, headers=etag)
        assert response.status_code == 422, body

    assert (await caller.get(url)).json() == experiment


async def test_only_the_owner_or_a_manager_may_change_or_delete(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    url = f"/v1/experiments/{experiment['id']}"

    assert (await colleague.patch(url, json={"title": "Mine"}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await colleague.delete(url, headers={"If-Match": '"1"'})).status_code == 403
    assert (await manager.patch(url, json={"title": "Edited"}, headers={"If-Match": '"1"'})).status_code == 200
    assert (await manager.delete(url, headers={"If-Match": '"2"'})).status_code == 204


async def test_delete_needs_the_etag_and_removes_the_experiment(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"

    assert (await caller.delete(url)).status_code == 428
    assert (await caller.delete(url, headers={"If-Match": '"9"'})).status_code == 412
    assert (await caller.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    assert (await caller.get(url)).status_code == 404
    assert await listed_ids(caller) == []


async def test_idempotency_key_replays_the_first_response(caller: Caller, idea_id: str) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {**EXPERIMENT, "idea_id": idea_id}

    first = await caller.post("/v1/experiments", json=body, headers=headers)
    again = await caller.post("/v1/experiments", json=body, headers=headers)
    different = await caller.post("/v1/experiments", json={**body, "title": "Other"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert different.status_code == 422
    assert await listed_ids(caller) == [first.json()["id"]]


async def test_another_organisations_experiment_is_not_found(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    stranger = caller_factory("admin")
    url = f"/v1/experiments/{experiment['id']}"

    responses = [
        await stranger.get(url),
        await stranger.patch(url, json={"title": "Theirs"}, headers={"If-Match": '"1"'}),
        await stranger.delete(url, headers={"If-Match": '"1"'}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert all(response.headers["content-type"] == PROBLEM_JSON for response in responses)
    assert await listed_ids(stranger) == []
    assert await listed_ids(stranger, idea_id=idea_id) == []
    assert (await caller.get(url)).json() == experiment
