"""`/v1/experiments/{id}/decision`: managers decide, tested assumptions learn from it, a pivot continues."""

from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

EXPERIMENT = {
    "title": "Concierge test of weekly reorders",
    "hypothesis": "We believe that regular customers would let us reorder for them.",
    "type": "concierge",
}
DECISION = {"decision": "kill", "rationale": "Nobody took up the offer.", "next_steps": "Park the idea."}


async def assume(caller: Caller, idea_id: str) -> str:
    body = {"idea_id": idea_id, "statement": "Customers reorder weekly.", "kind": "desirability"}
    response = await caller.post("/v1/assumptions", json={**body, "importance": 5, "evidence": 1})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def concluded(caller: Caller, idea_id: str, assumption_ids: list[str]) -> dict[str, Any]:
    response = await caller.post(
        "/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id, "assumption_ids": assumption_ids}
    )
    assert response.status_code == 201, response.text
    experiment: dict[str, Any] = response.json()
    for action in ("start", "conclude"):
        assert (await caller.post(f"/v1/experiments/{experiment['id']}/{action}")).status_code == 200
    return experiment


def manager_of(caller: Caller, caller_factory: Callable[..., Caller]) -> Caller:
    return caller_factory("manager", organization_id=caller.identity.organization_id)


async def test_a_decision_closes_the_experiment_and_updates_its_assumptions_with_the_evidence(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    refuted, unjudged = await assume(caller, idea_id), await assume(caller, idea_id)
    untouched = await assume(caller, idea_id)
    experiment = await concluded(caller, idea_id, [refuted, unjudged])
    manager = manager_of(caller, caller_factory)
    url = f"/v1/experiments/{experiment['id']}"

    response = await manager.post(
        f"{url}/decision",
        json={**DECISION, "assumption_outcomes": [{"assumption_id": refuted, "status": "refuted"}]},
    )

    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["decision"] == "kill"
    assert decision["decided_by"] == manager.identity.principal_id
    assert decision["verdict_outcome"] == "insufficient_data"
    assert decision["assumption_outcomes"] == {refuted: "refuted", unjudged: "unclear"}
    assert (await caller.get(f"{url}/decision")).json() == decision
    read = await caller.get(url)
    assert read.json()["status"] == "decided"
    assert read.json()["decided_at"] == decision["decided_at"]
    assert response.headers["etag"] == read.headers["etag"]
    for assumption_id, status in ((refuted, "refuted"), (unjudged, "unclear"), (untouched, "untested")):
        assumption = (await caller.get(f"/v1/assumptions/{assumption_id}")).json()
        assert assumption["status"] == status
        assert assumption["evidence_experiment_id"] == (None if status == "untested" else experiment["id"])


async def test_only_managers_decide_and_only_on_concluded_experiments(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    manager = manager_of(caller, caller_factory)
    running = (await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id})).json()
    await caller.post(f"/v1/experiments/{running['id']}/start")
    done = await concluded(caller, idea_id, [])

    by_owner = await caller.post(f"/v1/experiments/{done['id']}/decision", json=DECISION)
    too_early = await manager.post(f"/v1/experiments/{running['id']}/decision", json=DECISION)
    first = await manager.post(f"/v1/experiments/{done['id']}/decision", json=DECISION)
    second = await manager.post(f"/v1/experiments/{done['id']}/decision", json={**DECISION, "decision": "scale"})
    stranger = await caller_factory("admin").get(f"/v1/experiments/{done['id']}/decision")

    assert by_owner.status_code == 403
    assert too_early.status_code == 409
    assert too_early.json()["allowed"] == ["concluded", "cancelled"]
    assert (await caller.get(f"/v1/experiments/{running['id']}/decision")).status_code == 404
    assert first.status_code == 201
    assert second.status_code == 409
    assert (await caller.get(f"/v1/experiments/{done['id']}/decision")).json()["decision"] == "kill"
    assert stranger.status_code == 404


async def test_a_decision_needs_its_reasons_and_judges_only_tested_assumptions(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    manager = manager_of(caller, caller_factory)
    not_tested = await assume(caller, idea_id)
    experiment = await concluded(caller, idea_id, [])
    url = f"/v1/experiments/{experiment['id']}/decision"

    no_rationale = await manager.post(url, json={**DECISION, "rationale": " "})
    no_next_steps = await manager.post(url, json={"decision": "kill", "rationale": "No uptake."})
    foreign = await manager.post(
        url, json={**DECISION, "assumption_outcomes": [{"assumption_id": not_tested, "status": "supported"}]}
    )
    follow_up_without_pivot = await manager.post(
        url, json={**DECISION, "follow_up": {"title": "Next", "hypothesis": "We believe.", "type": "pilot"}}
    )

    assert no_rationale.json()["errors"][0]["pointer"] == "/body/rationale"
    assert no_next_steps.json()["errors"][0]["pointer"] == "/body/next_steps"
    assert foreign.json()["errors"][0]["pointer"] == "/body/assumption_outcomes/0/assumption_id"
    assert follow_up_without_pivot.json()["errors"][0]["pointer"] == "/body/follow_up"
    assert (await caller.get(f"/v1/experiments/{experiment['id']}")).json()["status"] == "concluded"
    assert (await caller.get(f"/v1/assumptions/{not_tested}")).json()["status"] == "untested"


async def test_a_pivot_opens_a_follow_up_draft_linked_to_its_parent(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    manager = manager_of(caller, caller_factory)
    parent = await concluded(caller, idea_id, [])
    follow_up = {"title": "Weekly reminder", "hypothesis": "We believe that a reminder works.", "type": "smoke_test"}

    response = await manager.post(
        f"/v1/experiments/{parent['id']}/decision",
        json={**DECISION, "decision": "pivot", "follow_up": follow_up},
    )

    assert response.status_code == 201, response.text
    child_id = response.json()["follow_up_experiment_id"]
    child = (await caller.get(f"/v1/experiments/{child_id}")).json()
    assert child["parent_experiment_id"] == parent["id"]
    assert child["idea_id"] == idea_id
    assert child["status"] == "draft"
    assert child["title"] == follow_up["title"]
    assert child["owner_id"] == manager.identity.principal_id
