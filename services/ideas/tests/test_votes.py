"""Up-votes and dot voting: one person one vote, budgets and caps, totals on the idea."""

import asyncio
from collections.abc import Callable

import httpx

from ideaflow_shared.testing import Caller

IDEA = {"title": "Shared tool library", "problem": "Tools are bought twice.", "proposal": "One shelf, one list."}
CHALLENGE = {
    "title": "Spend less on tools",
    "focus_question": "How might we buy each tool once?",
    "opens_at": "2026-12-01T08:00:00Z",
    "closes_at": "2026-12-15T17:00:00Z",
    "dot_budget": 5,
    "dots_per_idea_cap": 3,
}


async def vote(caller: Caller, idea_id: str) -> httpx.Response:
    return await caller.request("PUT", f"/v1/ideas/{idea_id}/vote")


async def dots(caller: Caller, idea_id: str, count: int) -> httpx.Response:
    return await caller.request("PUT", f"/v1/ideas/{idea_id}/dots", json={"dots": count})


async def totals(caller: Caller, idea_id: str) -> tuple[int, int]:
    idea = (await caller.get(f"/v1/ideas/{idea_id}")).json()
    return idea["up_votes"], idea["dots"]


async def test_one_up_vote_per_person_revocable(caller_factory: Callable[..., Caller]) -> None:
    alice = caller_factory("employee")
    bob = caller_factory("employee", organization_id=alice.identity.organization_id)
    idea = (await alice.post("/v1/ideas", json=IDEA)).json()

    first, again, other = await vote(alice, idea["id"]), await vote(alice, idea["id"]), await vote(bob, idea["id"])
    state = (await alice.get(f"/v1/ideas/{idea['id']}/vote")).json()
    revoked = await alice.delete(f"/v1/ideas/{idea['id']}/vote")

    assert first.json() == {"idea_id": idea["id"], "voted": True, "up_votes": 1}
    assert again.json()["up_votes"] == 1
    assert other.json()["up_votes"] == 2
    assert state["voted"] is True
    assert revoked.status_code == 204
    assert (await alice.get(f"/v1/ideas/{idea['id']}/vote")).json() == {
        "idea_id": idea["id"],
        "voted": False,
        "up_votes": 1,
    }
    assert await totals(alice, idea["id"]) == (1, 0)


async def test_concurrent_votes_by_one_person_count_once(caller_factory: Callable[..., Caller]) -> None:
    alice = caller_factory("employee")
    idea = (await alice.post("/v1/ideas", json=IDEA)).json()

    responses = await asyncio.gather(*(vote(alice, idea["id"]) for _ in range(5)))

    assert {response.status_code for response in responses} == {200}
    assert await totals(alice, idea["id"]) == (1, 0)


async def test_an_anonymous_author_still_votes_once(caller_factory: Callable[..., Caller]) -> None:
    author = caller_factory("employee")
    idea = (await author.post("/v1/ideas", json={**IDEA, "anonymous": True})).json()

    await vote(author, idea["id"])
    await vote(author, idea["id"])

    assert await totals(author, idea["id"]) == (1, 0)


async def start_challenge(caller_factory: Callable[..., Caller]) -> tuple[Caller, Caller, str, list[str]]:
    manager = caller_factory("manager")
    challenge = (await manager.post("/v1/challenges", json=CHALLENGE)).json()
    await manager.post(f"/v1/challenges/{challenge['id']}/phase", json={"phase": "ideation"})
    employee = caller_factory("employee", organization_id=manager.identity.organization_id)
    ideas = [
        (await employee.post("/v1/ideas", json={**IDEA, "challenge_id": challenge["id"]})).json()["id"]
        for _ in range(3)
    ]
    return manager, employee, challenge["id"], ideas


async def test_dots_spread_across_ideas_up_to_the_budget(caller_factory: Callable[..., Caller]) -> None:
    manager, employee, challenge_id, (first, second, third) = await start_challenge(caller_factory)

    placed = [
        await dots(employee, first, 3),
        await employee.request("PUT", f"/v1/ideas/{second}/dots", json={"dots": 2.0}),
    ]
    as_text = await employee.request("PUT", f"/v1/ideas/{third}/dots", json={"dots": "1"})
    over_budget = await dots(employee, third, 1)
    moved = [await dots(employee, first, 1), await dots(employee, third, 2)]
    budget = (await employee.get(f"/v1/challenges/{challenge_id}/dots")).json()

    assert [response.status_code for response in placed + moved] == [200, 200, 200, 200]
    assert as_text.status_code == 422
    assert over_budget.status_code == 409
    assert over_budget.json()["remaining"] == 0
    assert "budget" in over_budget.json()["detail"]
    assert (budget["used"], budget["remaining"], budget["budget"]) == (5, 0, 5)
    assert {row["idea_id"]: row["dots"] for row in budget["allocations"]} == {first: 1, second: 2, third: 2}
    assert [await totals(manager, idea) for idea in (first, second, third)] == [(0, 1), (0, 2), (0, 2)]


async def test_one_idea_gets_at_most_the_cap_from_one_person(caller_factory: Callable[..., Caller]) -> None:
    manager, employee, _, (first, *_) = await start_challenge(caller_factory)

    over_cap = await dots(employee, first, 4)
    at_cap = await dots(employee, first, 3)
    from_manager = await dots(manager, first, 3)

    assert over_cap.status_code == 409
    assert over_cap.json()["dots_per_idea_cap"] == 3
    assert at_cap.status_code == from_manager.status_code == 200
    assert await totals(employee, first) == (0, 6)


async def test_taking_dots_back_frees_the_budget(caller_factory: Callable[..., Caller]) -> None:
    _, employee, _challenge_id, (first, second, _) = await start_challenge(caller_factory)
    await dots(employee, first, 3)
    await dots(employee, second, 2)

    freed = await dots(employee, first, 0)

    assert freed.json()["remaining"] == 3
    assert [row["idea_id"] for row in freed.json()["allocations"]] == [second]
    assert await totals(employee, first) == (0, 0)


async def test_dots_need_a_challenge_that_is_open(caller_factory: Callable[..., Caller]) -> None:
    manager, employee, challenge_id, (first, *_) = await start_challenge(caller_factory)
    inbox_idea = (await employee.post("/v1/ideas", json=IDEA)).json()["id"]

    outside = await dots(employee, inbox_idea, 1)
    await manager.post(f"/v1/challenges/{challenge_id}/phase", json={"phase": "evaluation"})
    in_evaluation = await dots(employee, first, 1)
    await manager.post(f"/v1/challenges/{challenge_id}/phase", json={"phase": "closed"})
    closed = await dots(employee, first, 2)

    assert outside.status_code == 409
    assert in_evaluation.status_code == 200
    assert closed.status_code == 409
    assert await totals(employee, first) == (0, 1)


async def test_votes_need_a_participant_role_and_stay_in_the_organisation(
    caller_factory: Callable[..., Caller],
) -> None:
    employee = caller_factory("employee")
    idea = (await employee.post("/v1/ideas", json=IDEA)).json()
    integration = caller_factory("integration", organization_id=employee.identity.organization_id)

    assert (await vote(integration, idea["id"])).status_code == 403
    assert (await vote(caller_factory("employee"), idea["id"])).status_code == 404
    assert await totals(employee, idea["id"]) == (0, 0)
