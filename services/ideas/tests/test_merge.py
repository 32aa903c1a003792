"""`POST /v1/ideas/{id}/merge`: a duplicate folds into another idea and still tells its author where it went."""

from collections.abc import Callable
from typing import Any

import httpx

from ideaflow_shared.testing import Caller

IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
    "category": "customer_experience",
}
SCORES = {"scores": {"impact": 4, "feasibility": 3, "confidence": 2, "strategic_fit": 5}}


async def create(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/ideas", json={**IDEA, **overrides})
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def merge(manager: Caller, source: str, target: str, **headers: str) -> httpx.Response:
    etag = (await manager.get(f"/v1/ideas/{source}")).headers["etag"]
    return await manager.post(f"/v1/ideas/{source}/merge", json={"into": target}, headers={"If-Match": etag, **headers})


async def test_votes_comments_and_evaluations_follow_one_vote_per_person(
    caller_factory: Callable[..., Caller],
) -> None:
    author = caller_factory("employee")
    org = author.identity.organization_id
    manager = caller_factory("manager", organization_id=org)
    voter = caller_factory("employee", organization_id=org)
    reviewer = caller_factory("reviewer", organization_id=org)
    duplicate, original = await create(author, title="Repeat orders again"), await create(manager)
    for idea_id in (duplicate["id"], original["id"]):
        assert (await voter.request("PUT", f"/v1/ideas/{idea_id}/vote")).status_code == 200
    await author.request("PUT", f"/v1/ideas/{duplicate['id']}/vote")
    comment = await voter.post(
        f"/v1/ideas/{duplicate['id']}/comments", json={"kind": "question", "body": "Which page?"}
    )
    assert comment.status_code == 201
    evaluation = await reviewer.post(f"/v1/ideas/{duplicate['id']}/evaluations", json=SCORES)
    assert evaluation.status_code == 201, evaluation.text

    response = await merge(manager, duplicate["id"], original["id"])

    assert response.status_code == 200, response.text
    merged = response.json()
    assert (merged["stage"], merged["merged_into_id"], merged["up_votes"]) == ("merged", original["id"], 0)
    assert response.headers["etag"] == f'"{merged["version"]}"'
    target = (await author.get(f"/v1/ideas/{original['id']}")).json()
    assert target["up_votes"] == 2  # the voter once, the author once
    comments = (await author.get(f"/v1/ideas/{original['id']}/comments")).json()["items"]
    assert [item["id"] for item in comments] == [comment.json()["id"]]
    view = (await reviewer.get(f"/v1/ideas/{original['id']}/evaluation")).json()
    assert view["my_evaluation"]["scores"] == SCORES["scores"]
    assert view["aggregate"]["reviewers"] == 1
    assert (await author.get(f"/v1/ideas/{duplicate['id']}")).json() == merged
    history = (await author.get(f"/v1/ideas/{duplicate['id']}/history")).json()["items"]
    assert history[-1]["to_stage"] == "merged"
    assert original["id"] in history[-1]["rationale"]


async def test_merge_is_idempotent_by_key(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    duplicate, original = await create(manager), await create(manager)
    url = f"/v1/ideas/{duplicate['id']}/merge"
    headers = {"If-Match": '"1"', "Idempotency-Key": "merge-once"}

    first = await manager.post(url, json={"into": original["id"]}, headers=headers)
    again = await manager.post(url, json={"into": original["id"]}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    history = (await manager.get(f"/v1/ideas/{duplicate['id']}/history")).json()["items"]
    assert [change["to_stage"] for change in history] == ["merged"]


async def test_illegal_merges_are_refused(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    a, b, c = await create(manager), await create(manager), await create(manager)
    foreign = await create(caller_factory("manager"))

    itself = await merge(manager, a["id"], a["id"])
    across = await merge(manager, a["id"], foreign["id"])
    assert (await merge(manager, b["id"], c["id"])).status_code == 200
    into_merged = await merge(manager, a["id"], b["id"])
    merged_again = await merge(manager, b["id"], a["id"])

    assert (itself.status_code, across.status_code) == (422, 422)
    assert itself.json()["errors"][0]["pointer"] == "/body/into"
    assert into_merged.status_code == 409
    assert into_merged.json()["merged_into_id"] == c["id"]
    assert merged_again.status_code == 409
    assert merged_again.json()["allowed"] == []
    assert (await manager.get(f"/v1/ideas/{a['id']}")).json()["stage"] == "submitted"


async def test_only_managers_merge_with_the_current_version(caller_factory: Callable[..., Caller]) -> None:
    employee = caller_factory("employee")
    manager = caller_factory("manager", organization_id=employee.identity.organization_id)
    a, b = await create(employee), await create(employee)
    url = f"/v1/ideas/{a['id']}/merge"

    assert (await employee.post(url, json={"into": b["id"]}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await manager.post(url, json={"into": b["id"]})).status_code == 428
    assert (await manager.post(url, json={"into": b["id"]}, headers={"If-Match": '"7"'})).status_code == 412
    assert (await manager.get(f"/v1/ideas/{a['id']}")).json()["stage"] == "submitted"
