"""`/v1/challenges`: what managers and participants rely on when they run a brainstorm."""

from collections.abc import Callable
from typing import Any

import httpx

from ideaflow_shared.testing import Caller

CHALLENGE = {
    "title": "Faster deliveries",
    "focus_question": "How might we deliver regular orders a day sooner?",
    "description": "Ideas from everyone who touches an order.",
    "opens_at": "2026-12-01T08:00:00Z",
    "closes_at": "2026-12-15T17:00:00Z",
    "dot_budget": 5,
    "dots_per_idea_cap": 2,
}
IDEA = {"title": "Pack the night before", "problem": "Packing starts late.", "proposal": "Pack at 18:00."}


async def create_challenge(manager: Caller, **overrides: object) -> dict[str, Any]:
    response = await manager.post("/v1/challenges", json={**CHALLENGE, **overrides})
    assert response.status_code == 201, response.text
    challenge: dict[str, Any] = response.json()
    return challenge


async def move(manager: Caller, challenge_id: str, phase: str) -> httpx.Response:
    return await manager.post(f"/v1/challenges/{challenge_id}/phase", json={"phase": phase})


def member(caller_factory: Callable[..., Caller], manager: Caller, *roles: str) -> Caller:
    return caller_factory(*roles, organization_id=manager.identity.organization_id)


async def test_a_challenge_starts_as_a_draft_with_its_rules(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")

    response = await manager.post("/v1/challenges", json=CHALLENGE)

    assert response.status_code == 201
    challenge = response.json()
    assert response.headers["location"] == f"/v1/challenges/{challenge['id']}"
    assert response.headers["etag"] == '"1"'
    assert challenge["phase"] == "draft"
    assert challenge["phase_history"] == []
    assert challenge["audience"] == "organization"
    assert (challenge["dot_budget"], challenge["dots_per_idea_cap"]) == (5, 2)
    assert (await manager.get(response.headers["location"])).json() == challenge


async def test_only_managers_run_challenges(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    challenge = await create_challenge(manager)
    employee = member(caller_factory, manager, "employee")
    url = f"/v1/challenges/{challenge['id']}"

    assert (await employee.post("/v1/challenges", json=CHALLENGE)).status_code == 403
    assert (await move(employee, challenge["id"], "ideation")).status_code == 403
    assert (await employee.patch(url, json={"title": "Mine"}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await employee.get(url)).status_code == 200
    assert (await member(caller_factory, manager, "admin").post("/v1/challenges", json=CHALLENGE)).status_code == 201


async def test_inconsistent_rules_are_refused_field_by_field(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")

    backwards = await manager.post("/v1/challenges", json={**CHALLENGE, "closes_at": "2026-11-30T00:00:00Z"})
    no_departments = await manager.post("/v1/challenges", json={**CHALLENGE, "audience": "departments"})
    over_cap = await manager.post("/v1/challenges", json={**CHALLENGE, "dots_per_idea_cap": 6})
    challenge = await create_challenge(manager)
    patched = await manager.patch(
        f"/v1/challenges/{challenge['id']}", json={"dot_budget": 1}, headers={"If-Match": '"1"'}
    )

    assert backwards.status_code == no_departments.status_code == over_cap.status_code == 400
    assert backwards.json()["errors"][0]["pointer"] == "/body/closes_at"
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["pointer"] == "/body/dots_per_idea_cap"
    assert (await manager.get("/v1/challenges")).json()["items"] == [challenge]


async def test_phases_move_forward_only_and_keep_their_history(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    challenge = await create_challenge(manager)

    skipped = await move(manager, challenge["id"], "evaluation")
    for phase in ("ideation", "evaluation", "closed"):
        assert (await move(manager, challenge["id"], phase)).status_code == 200
    backwards = await move(manager, challenge["id"], "ideation")

    assert skipped.status_code == 409
    assert skipped.json()["allowed"] == ["ideation"]
    assert backwards.status_code == 409
    assert backwards.json()["allowed"] == []
    final = (await manager.get(f"/v1/challenges/{challenge['id']}")).json()
    assert final["phase"] == "closed"
    assert [(move["from_phase"], move["to_phase"]) for move in final["phase_history"]] == [
        ("draft", "ideation"),
        ("ideation", "evaluation"),
        ("evaluation", "closed"),
    ]
    assert {move["actor_id"] for move in final["phase_history"]} == {manager.identity.principal_id}


async def test_a_phase_move_with_a_stale_etag_is_refused(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    challenge = await create_challenge(manager)
    url = f"/v1/challenges/{challenge['id']}/phase"

    stale = await manager.post(url, json={"phase": "ideation"}, headers={"If-Match": '"9"'})

    assert stale.status_code == 412
    assert (await manager.get(f"/v1/challenges/{challenge['id']}")).json()["phase"] == "draft"


async def test_ideas_enter_a_challenge_only_during_ideation(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    employee = member(caller_factory, manager, "employee")
    challenge = await create_challenge(manager)
    into_challenge = {**IDEA, "challenge_id": challenge["id"]}

    in_draft = await employee.post("/v1/ideas", json=into_challenge)
    await move(manager, challenge["id"], "ideation")
    in_ideation = await employee.post("/v1/ideas", json=into_challenge)
    await move(manager, challenge["id"], "evaluation")
    in_evaluation = await employee.post("/v1/ideas", json=into_challenge)
    inbox = await employee.post("/v1/ideas", json=IDEA)

    assert in_draft.status_code == in_evaluation.status_code == 409
    assert "only during ideation" in in_evaluation.json()["detail"]
    assert in_ideation.status_code == 201
    assert in_ideation.json()["challenge_id"] == challenge["id"]
    assert inbox.status_code == 201
    listed = (await employee.get("/v1/ideas", params={"challenge_id": challenge["id"]})).json()["items"]
    assert [idea["id"] for idea in listed] == [in_ideation.json()["id"]]


async def test_an_unknown_or_foreign_challenge_is_refused_like_a_missing_one(
    caller_factory: Callable[..., Caller],
) -> None:
    foreign = await create_challenge(caller_factory("manager"))
    employee = caller_factory("employee")

    response = await employee.post("/v1/ideas", json={**IDEA, "challenge_id": foreign["id"]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/challenge_id"
    assert (await employee.get(f"/v1/challenges/{foreign['id']}")).status_code == 404


async def test_a_department_challenge_refuses_ideas_from_other_named_departments(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    employee = member(caller_factory, manager, "employee")
    challenge = await create_challenge(manager, audience="departments", departments=["Warehouse"])
    await move(manager, challenge["id"], "ideation")
    into_challenge = {**IDEA, "challenge_id": challenge["id"]}

    assert challenge["departments"] == ["warehouse"]
    assert (await employee.post("/v1/ideas", json={**into_challenge, "department": "sales"})).status_code == 409
    assert (await employee.post("/v1/ideas", json={**into_challenge, "department": "warehouse"})).status_code == 201


async def test_a_closed_challenge_and_its_ideas_are_read_only(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    employee = member(caller_factory, manager, "employee")
    challenge = await create_challenge(manager)
    await move(manager, challenge["id"], "ideation")
    idea = (await employee.post("/v1/ideas", json={**IDEA, "challenge_id": challenge["id"]})).json()
    await move(manager, challenge["id"], "evaluation")
    await move(manager, challenge["id"], "closed")
    idea_url = f"/v1/ideas/{idea['id']}"

    changed = await manager.patch(f"/v1/challenges/{challenge['id']}", json={"title": "X"}, headers={"If-Match": '"4"'})
    edited = await employee.patch(idea_url, json={"title": "Later"}, headers={"If-Match": '"1"'})
    deleted = await employee.delete(idea_url, headers={"If-Match": '"1"'})
    commented = await employee.post(f"{idea_url}/comments", json={"kind": "build_on", "body": "Late thought"})
    voted = await employee.request("PUT", f"{idea_url}/vote")

    assert [changed.status_code, edited.status_code, deleted.status_code] == [409, 409, 409]
    assert [commented.status_code, voted.status_code] == [409, 409]
    assert (await employee.get(idea_url)).json()["title"] == IDEA["title"]


async def test_the_summary_counts_ideas_people_departments_votes_and_comments(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    alice, bob = member(caller_factory, manager, "employee"), member(caller_factory, manager, "employee")
    challenge = await create_challenge(manager)
    await move(manager, challenge["id"], "ideation")
    into = {**IDEA, "challenge_id": challenge["id"]}
    first = (await alice.post("/v1/ideas", json={**into, "department": "sales"})).json()
    second = (await bob.post("/v1/ideas", json={**into, "department": "warehouse"})).json()
    await bob.post("/v1/ideas", json={**into, "anonymous": True})
    await bob.post(f"/v1/ideas/{first['id']}/comments", json={"kind": "build_on", "body": "Yes, and…"})
    await manager.post(f"/v1/ideas/{first['id']}/comments", json={"kind": "question", "body": "Why 18:00?"})
    await alice.request("PUT", f"/v1/ideas/{second['id']}/vote")
    await bob.request("PUT", f"/v1/ideas/{first['id']}/vote")
    await alice.request("PUT", f"/v1/ideas/{second['id']}/dots", json={"dots": 2})
    await manager.post("/v1/ideas", json=IDEA)  # outside the challenge: not counted

    summary = (await manager.get(f"/v1/challenges/{challenge['id']}/summary")).json()

    assert summary == {
        "challenge_id": challenge["id"],
        "phase": "ideation",
        "ideas": 3,
        "named_contributors": 3,
        "anonymous_contributions": 1,
        "dot_voters": 1,
        "departments": ["sales", "warehouse"],
        "up_votes": 2,
        "dots": 2,
        "comments": 2,
    }


async def test_another_organisations_challenge_is_not_found(caller_factory: Callable[..., Caller]) -> None:
    challenge = await create_challenge(caller_factory("manager"))
    stranger = caller_factory("manager")

    for url in ("", "/summary", "/dots"):
        assert (await stranger.get(f"/v1/challenges/{challenge['id']}{url}")).status_code == 404
    assert (await move(stranger, challenge["id"], "ideation")).status_code == 404
    assert (await stranger.get("/v1/challenges")).json()["items"] == []


async def test_the_list_pages_through_challenges_and_filters_by_phase(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    created = [await create_challenge(manager, title=f"Challenge {number}") for number in range(5)]
    await move(manager, created[0]["id"], "ideation")

    seen, token = [], None
    while True:
        params = {"page_size": 2, "order_by": "created_at", **({"page_token": token} if token else {})}
        page = (await manager.get("/v1/challenges", params=params)).json()
        seen += [challenge["id"] for challenge in page["items"]]
        if (token := page["next_page_token"]) is None:
            break

    assert seen == [challenge["id"] for challenge in created]
    in_ideation = (await manager.get("/v1/challenges", params={"phase": "ideation"})).json()["items"]
    assert [challenge["id"] for challenge in in_ideation] == [created[0]["id"]]
