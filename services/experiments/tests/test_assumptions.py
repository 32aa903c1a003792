"""`/v1/assumptions` and the assumptions an experiment tests: "test the riskiest assumption first"."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ideaflow_shared.identity import Identity
from ideaflow_shared.testing import Caller

SubmitIdea = Callable[[Identity], Awaitable[str]]

EXPERIMENT = {
    "title": "Concierge test of weekly reorders",
    "hypothesis": "We believe that regular customers would let us reorder for them.",
    "type": "concierge",
}


async def assume(caller: Caller, idea_id: str, importance: int = 3, evidence: int = 3, **extra: Any) -> dict[str, Any]:
    body = {"idea_id": idea_id, "statement": "Customers reorder weekly.", "kind": "desirability", **extra}
    response = await caller.post("/v1/assumptions", json={**body, "importance": importance, "evidence": evidence})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_an_assumption_starts_untested_with_its_documented_risk_score(caller: Caller, idea_id: str) -> None:
    response = await caller.post(
        "/v1/assumptions",
        json={
            "idea_id": idea_id,
            "statement": "They pay 5 EUR more.",
            "kind": "viability",
            "importance": 4,
            "evidence": 2,
        },
    )

    assert response.status_code == 201, response.text
    assumption = response.json()
    assert assumption["status"] == "untested"
    assert assumption["risk_score"] == 4 * (6 - 2)
    assert assumption["evidence_experiment_id"] is None
    assert response.headers["location"] == f"/v1/assumptions/{assumption['id']}"
    assert (await caller.get(response.headers["location"])).json() == assumption


async def test_ratings_outside_one_to_five_and_unknown_ideas_are_refused(caller: Caller, idea_id: str) -> None:
    body = {"idea_id": idea_id, "statement": "They care.", "kind": "desirability", "importance": 3, "evidence": 3}

    too_high = await caller.post("/v1/assumptions", json={**body, "importance": 6})
    zero = await caller.post("/v1/assumptions", json={**body, "evidence": 0})
    unknown_idea = await caller.post("/v1/assumptions", json={**body, "idea_id": str(uuid.uuid4())})
    boolean = await caller.post("/v1/assumptions", json={**body, "importance": True})

    assert too_high.json()["errors"][0]["pointer"] == "/body/importance"
    assert zero.json()["errors"][0]["pointer"] == "/body/evidence"
    assert unknown_idea.status_code == 422
    assert boolean.json()["errors"][0]["pointer"] == "/body/importance"
    assert unknown_idea.json()["errors"][0]["pointer"] == "/body/idea_id"
    assert (await caller.get("/v1/assumptions")).json()["items"] == []


async def test_risk_ranking_puts_important_unproven_assumptions_first_page_by_page(
    caller: Caller, idea_id: str, submit_idea: SubmitIdea
) -> None:
    proven = await assume(caller, idea_id, importance=5, evidence=5)
    riskiest = await assume(caller, idea_id, importance=5, evidence=1)
    minor = await assume(caller, idea_id, importance=1, evidence=1)
    middling = await assume(caller, idea_id, importance=3, evidence=2)
    await assume(caller, await submit_idea(caller.identity), importance=5, evidence=1)

    seen, token = [], None
    while True:
        params = {"idea_id": idea_id, "order_by": "risk", "page_size": 2, **({"page_token": token} if token else {})}
        page = (await caller.get("/v1/assumptions", params=params)).json()
        seen += [(item["id"], item["risk_score"]) for item in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break

    assert [score for _, score in seen] == [25, 12, 5, 5]
    assert [assumption_id for assumption_id, _ in seen[:2]] == [riskiest["id"], middling["id"]]
    assert {assumption_id for assumption_id, _ in seen[2:]} == {minor["id"], proven["id"]}


async def test_new_evidence_re_ranks_and_the_status_is_not_typed_in(caller: Caller, idea_id: str) -> None:
    assumption = await assume(caller, idea_id, importance=5, evidence=1)
    url = f"/v1/assumptions/{assumption['id']}"

    without_etag = await caller.patch(url, json={"evidence": 4})
    status = await caller.patch(url, json={"status": "supported"}, headers={"If-Match": '"1"'})
    updated = await caller.patch(url, json={"evidence": 4}, headers={"If-Match": '"1"'})

    assert without_etag.status_code == 428
    assert status.status_code == 422
    assert updated.status_code == 200
    assert updated.json()["risk_score"] == 10
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["status"] == "untested"


async def test_only_the_author_or_a_manager_edits_and_strangers_see_nothing(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    assumption = await assume(caller, idea_id)
    url = f"/v1/assumptions/{assumption['id']}"
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    stranger = caller_factory("admin")

    assert (await colleague.patch(url, json={"evidence": 5}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await stranger.get(url)).status_code == 404
    assert (await stranger.patch(url, json={"evidence": 5}, headers={"If-Match": '"1"'})).status_code == 404
    assert (await stranger.get("/v1/assumptions", params={"idea_id": idea_id})).json()["items"] == []


async def test_an_experiment_names_only_assumptions_of_its_own_idea(
    caller: Caller, idea_id: str, submit_idea: SubmitIdea
) -> None:
    own = await assume(caller, idea_id)
    foreign = await assume(caller, await submit_idea(caller.identity))

    refused = await caller.post(
        "/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id, "assumption_ids": [own["id"], foreign["id"]]}
    )
    created = await caller.post(
        "/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id, "assumption_ids": [own["id"], own["id"]]}
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/body/assumption_ids/1"
    assert created.status_code == 201
    assert created.json()["assumption_ids"] == [own["id"]]


async def test_assumptions_are_linked_and_unlinked_on_the_experiment(
    caller: Caller, idea_id: str, submit_idea: SubmitIdea
) -> None:
    first = await assume(caller, idea_id)
    second = await assume(caller, idea_id)
    foreign = await assume(caller, await submit_idea(caller.identity))
    experiment = (await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id})).json()
    base = f"/v1/experiments/{experiment['id']}/assumptions"

    linked = await caller.request("PUT", f"{base}/{first['id']}")
    again = await caller.request("PUT", f"{base}/{second['id']}")
    repeated = await caller.request("PUT", f"{base}/{second['id']}")
    other_idea = await caller.request("PUT", f"{base}/{foreign['id']}")
    unlink_without_etag = await caller.delete(f"{base}/{first['id']}")
    unlinked = await caller.delete(f"{base}/{first['id']}", headers={"If-Match": repeated.headers["etag"]})

    assert linked.json()["assumption_ids"] == [first["id"]]
    assert again.json()["assumption_ids"] == [first["id"], second["id"]]
    assert repeated.headers["etag"] == again.headers["etag"]
    assert other_idea.status_code == 404
    assert unlink_without_etag.status_code == 428
    assert unlinked.json()["assumption_ids"] == [second["id"]]
    assert (await caller.get(f"/v1/experiments/{experiment['id']}")).json()["assumption_ids"] == [second["id"]]
