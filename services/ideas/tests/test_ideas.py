"""`/v1/ideas`: what front ends rely on when they submit, list, change and delete ideas."""

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
    "category": "customer_experience",
    "tags": ["Orders", "self-service"],
}

PROBLEM_JSON = "application/problem+json"


async def create(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/ideas", json={**IDEA, **overrides})
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def test_created_idea_starts_submitted_with_author_location_and_etag(caller: Caller) -> None:
    response = await caller.post("/v1/ideas", json=IDEA)

    assert response.status_code == 201
    idea = response.json()
    assert response.headers["location"] == f"/v1/ideas/{idea['id']}"
    assert response.headers["etag"] == '"1"'
    assert idea["stage"] == "submitted"
    assert idea["author_id"] == caller.identity.principal_id
    assert idea["anonymous"] is False
    assert idea["tags"] == ["orders", "self-service"]
    fetched = await caller.get(response.headers["location"])
    assert fetched.json() == idea
    assert fetched.headers["etag"] == '"1"'


async def test_anonymous_idea_stores_no_author(caller: Caller) -> None:
    idea = await create(caller, anonymous=True)

    assert idea["anonymous"] is True
    assert idea["author_id"] is None
    assert caller.identity.principal_id not in (await caller.get(f"/v1/ideas/{idea['id']}")).text


async def test_another_organisations_idea_is_not_found(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    idea = await create(caller)
    stranger = caller_factory()

    response = await stranger.get(f"/v1/ideas/{idea['id']}")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 404
    assert (await stranger.get("/v1/ideas")).json()["items"] == []


async def test_invalid_idea_is_a_problem_pointing_at_each_field(caller: Caller) -> None:
    response = await caller.post("/v1/ideas", json={**IDEA, "title": "", "category": "weather", "tags": ["a\x00b"]})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"/body/title", "/body/category", "/body/tags/0"} <= pointers
    assert (await caller.get("/v1/ideas")).json()["items"] == []


async def test_list_pages_through_every_idea_once_in_order(caller: Caller) -> None:
    created = [await create(caller, title=f"Idea {number}") for number in range(7)]

    seen, token = [], None
    while True:
        params = {"page_size": 3, **({"page_token": token} if token else {})}
        page = (await caller.get("/v1/ideas", params=params)).json()
        seen += [idea["id"] for idea in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break

    assert seen == [idea["id"] for idea in reversed(created)]


async def test_list_filters_by_category_tag_stage_and_creation_time(caller: Caller) -> None:
    first = await create(caller, category="cost", tags=["energy"])
    second = await create(caller, category="process", tags=["orders"])

    async def ids(**params: str) -> list[str]:
        response = await caller.get("/v1/ideas", params=params)
        assert response.status_code == 200, response.text
        return [idea["id"] for idea in response.json()["items"]]

    assert await ids(category="cost") == [first["id"]]
    assert await ids(tag="orders") == [second["id"]]
    assert await ids(stage="backlog") == []
    assert await ids(created_after=second["created_at"]) == [second["id"]]
    assert await ids(created_before=second["created_at"]) == [first["id"]]
    assert await ids(order_by="created_at") == [first["id"], second["id"]]


async def test_page_token_of_another_ordering_is_refused(caller: Caller) -> None:
    for number in range(3):
        await create(caller, title=f"Idea {number}")
    token = (await caller.get("/v1/ideas", params={"page_size": 1})).json()["next_page_token"]

    response = await caller.get("/v1/ideas", params={"page_token": token, "order_by": "updated_at"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/page_token"


async def test_patch_needs_the_current_etag(caller: Caller) -> None:
    idea = await create(caller)
    url = f"/v1/ideas/{idea['id']}"

    missing = await caller.patch(url, json={"title": "New"})
    stale = await caller.patch(url, json={"title": "New"}, headers={"If-Match": '"7"'})
    updated = await caller.patch(url, json={"title": "New", "tags": ["x"]}, headers={"If-Match": '"1"'})

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["title"] == "New"
    assert updated.json()["tags"] == ["x"]
    assert updated.json()["problem"] == IDEA["problem"]
    assert (await caller.patch(url, json={"title": "Lost"}, headers={"If-Match": '"1"'})).status_code == 412


async def test_patch_refuses_null_for_a_required_field(caller: Caller) -> None:
    idea = await create(caller)

    response = await caller.patch(f"/v1/ideas/{idea['id']}", json={"title": None}, headers={"If-Match": '"1"'})

    assert response.status_code == 422


async def test_only_the_author_or_a_manager_may_change_an_idea(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await create(caller)
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    url = f"/v1/ideas/{idea['id']}"

    assert (await colleague.patch(url, json={"title": "Mine"}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await manager.patch(url, json={"title": "Edited"}, headers={"If-Match": '"1"'})).status_code == 200


async def test_delete_needs_etag_and_removes_the_idea(caller: Caller) -> None:
    idea = await create(caller)
    url = f"/v1/ideas/{idea['id']}"

    assert (await caller.delete(url)).status_code == 428
    assert (await caller.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    assert (await caller.get(url)).status_code == 404


async def test_idempotency_key_replays_the_first_response(caller: Caller) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    first = await caller.post("/v1/ideas", json=IDEA, headers=headers)
    again = await caller.post("/v1/ideas", json=IDEA, headers=headers)
    different = await caller.post("/v1/ideas", json={**IDEA, "title": "Other"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert different.status_code == 422
    assert len((await caller.get("/v1/ideas")).json()["items"]) == 1


async def test_concurrent_retries_with_one_key_create_one_idea(caller: Caller) -> None:
    headers = {"Idempotency-Key": "concurrent-1"}

    responses = await asyncio.gather(*(caller.post("/v1/ideas", json=IDEA, headers=headers) for _ in range(5)))

    assert {response.status_code for response in responses} <= {201, 409}
    assert len({response.json()["id"] for response in responses if response.status_code == 201}) == 1
    assert len((await caller.get("/v1/ideas")).json()["items"]) == 1


async def test_same_key_in_another_organisation_is_independent(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    other = caller_factory()

    mine = await caller.post("/v1/ideas", json=IDEA, headers=headers)
    theirs = await other.post("/v1/ideas", json=IDEA, headers=headers)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_an_idea_keeps_its_full_fields(caller: Caller) -> None:
    full = {
        **IDEA,
        "expected_benefit": "Fewer abandoned weekly orders.",
        "department": "Sales",
        "attachments": [{"url": "https://example.com/sketch.png", "title": "Sketch"}, {"url": "http://intra/x"}],
    }

    idea = await create(caller, **full)

    assert idea["expected_benefit"] == full["expected_benefit"]
    assert idea["department"] == "sales"
    assert idea["challenge_id"] is None
    assert idea["attachments"] == [
        {"url": "https://example.com/sketch.png", "title": "Sketch"},
        {"url": "http://intra/x", "title": None},
    ]
    assert (idea["up_votes"], idea["dots"]) == (0, 0)
    assert (await caller.get(f"/v1/ideas/{idea['id']}")).json() == idea
    assert [
        found["id"] for found in (await caller.get("/v1/ideas", params={"department": "sales"})).json()["items"]
    ] == [idea["id"]]


async def test_attachments_are_bounded_http_links(caller: Caller) -> None:
    not_http = await caller.post("/v1/ideas", json={**IDEA, "attachments": [{"url": "javascript:alert(1)"}]})
    too_many = await caller.post("/v1/ideas", json={**IDEA, "attachments": [{"url": "https://a.example"}] * 11})

    assert not_http.status_code == too_many.status_code == 422
    assert not_http.json()["errors"][0]["pointer"].startswith("/body/attachments/0/url")
    assert (await caller.get("/v1/ideas")).json()["items"] == []


async def test_my_ideas_are_the_ones_i_submitted_under_my_name(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    mine = await create(caller, title="Mine")
    await create(caller, title="Mine, anonymous", anonymous=True)
    await create(colleague, title="Theirs")

    listed = (await caller.get("/v1/ideas/mine")).json()["items"]

    assert [idea["id"] for idea in listed] == [mine["id"]]


async def test_callers_without_a_participant_role_cannot_submit(caller_factory: Callable[..., Caller]) -> None:
    integration = caller_factory("integration")
    reviewer = caller_factory("reviewer", organization_id=integration.identity.organization_id)

    refused = await integration.post("/v1/ideas", json=IDEA)

    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert (await reviewer.post("/v1/ideas", json=IDEA)).status_code == 201


async def test_fixed_paths_beside_an_idea_refuse_other_methods(caller: Caller) -> None:
    for path in ("/v1/ideas/mine", "/v1/ideas/followed"):
        response = await caller.patch(path, json={"title": "x"})

        assert response.status_code == 405
