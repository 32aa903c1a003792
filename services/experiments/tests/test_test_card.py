"""The test card's team, time box and budget: overruns a manager must see on the experiment and in lists."""

import uuid
from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

EXPERIMENT = {
    "title": "Flyer smoke test for the delivery service",
    "hypothesis": "We believe that neighbours would pre-order lunch delivery.",
    "test_description": "To verify that, we will hand out 500 flyers with a pre-order link.",
    "type": "smoke_test",
    "planned_start_at": "2026-02-01T09:00:00Z",
    "planned_end_at": "2099-02-15T17:00:00Z",
    "budget_planned_amount": 50000,
    "budget_currency": "EUR",
}
COST = {"amount": 30000, "currency": "EUR", "description": "Printed flyers", "incurred_at": "2026-02-02T10:00:00Z"}


async def create(caller: Caller, idea_id: str, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id, **overrides})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def listed_ids(caller: Caller, **params: str) -> list[str]:
    response = await caller.get("/v1/experiments", params=params)
    assert response.status_code == 200, response.text
    return [experiment["id"] for experiment in response.json()["items"]]


async def test_the_card_keeps_team_and_budget(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id, team=["user-anna", "user-ben", "user-anna"])

    assert experiment["team"] == ["user-anna", "user-ben"]
    assert experiment["budget_planned_amount"] == 50000
    assert experiment["budget_currency"] == "EUR"
    assert experiment["budget_spent_amount"] == 0
    assert experiment["over_budget"] is False
    assert experiment["overdue"] is False
    assert (await caller.get(f"/v1/experiments/{experiment['id']}")).json() == experiment


async def test_a_budget_without_currency_or_with_a_malformed_one_is_refused(caller: Caller, idea_id: str) -> None:
    body = {**EXPERIMENT, "idea_id": idea_id}
    del body["budget_currency"]

    missing = await caller.post("/v1/experiments", json=body)
    malformed = await caller.post("/v1/experiments", json={**body, "budget_currency": "euro"})
    fractional = await caller.post(
        "/v1/experiments", json={**body, "budget_currency": "EUR", "budget_planned_amount": 1.5}
    )
    whole = await caller.post("/v1/experiments", json={**body, "budget_currency": "EUR", "budget_planned_amount": 7.0})

    assert missing.status_code == malformed.status_code == fractional.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "/body/budget_currency"
    assert whole.status_code == 201
    assert await listed_ids(caller) == [whole.json()["id"]]


async def test_costs_add_up_to_spent_and_overspending_shows_in_reads_and_lists(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    within = await create(caller, idea_id, title="Within budget")
    url = f"/v1/experiments/{experiment['id']}"

    first = await caller.post(f"{url}/costs", json=COST)
    after_first = await caller.get(url)
    second = await caller.post(f"{url}/costs", json={**COST, "amount": 25000, "description": "Lunch samples"})
    after_second = await caller.get(url)

    assert first.status_code == second.status_code == 201
    assert first.json()["recorded_by"] == caller.identity.principal_id
    assert (await caller.get(first.headers["location"])).json() == first.json()
    assert after_first.json()["budget_spent_amount"] == 30000
    assert after_first.json()["over_budget"] is False
    assert first.headers["etag"] == after_first.headers["etag"] != f'"{experiment["version"]}"'
    assert after_second.json()["budget_spent_amount"] == 55000
    assert after_second.json()["over_budget"] is True
    assert await listed_ids(caller, over_budget="true") == [experiment["id"]]
    assert await listed_ids(caller, over_budget="false") == [within["id"]]
    costs = (await caller.get(f"{url}/costs")).json()
    assert [cost["id"] for cost in costs["items"]] == [first.json()["id"], second.json()["id"]]


async def test_a_retried_cost_is_counted_once(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    first = await caller.post(f"{url}/costs", json=COST, headers=headers)
    again = await caller.post(f"{url}/costs", json=COST, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (await caller.get(url)).json()["budget_spent_amount"] == COST["amount"]


async def test_costs_are_in_the_budget_currency_which_then_stays(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    no_currency = await create(caller, idea_id, budget_planned_amount=None, budget_currency=None)
    url = f"/v1/experiments/{experiment['id']}"

    other_currency = await caller.post(f"{url}/costs", json={**COST, "currency": "USD"})
    without_budget = await caller.post(f"/v1/experiments/{no_currency['id']}/costs", json=COST)
    recorded = await caller.post(f"{url}/costs", json=COST)
    switch = await caller.patch(url, json={"budget_currency": "USD"}, headers={"If-Match": recorded.headers["etag"]})

    assert other_currency.status_code == 409
    assert other_currency.json()["budget_currency"] == "EUR"
    assert without_budget.status_code == 409
    assert recorded.status_code == 201
    assert switch.status_code == 409
    assert (await caller.get(url)).json()["budget_currency"] == "EUR"


async def test_an_open_experiment_past_its_planned_end_is_overdue(caller: Caller, idea_id: str) -> None:
    on_time = await create(caller, idea_id)
    late = await create(caller, idea_id, planned_start_at="2020-01-01T00:00:00Z", planned_end_at="2020-02-01T00:00:00Z")
    finished = await create(
        caller, idea_id, planned_start_at="2020-01-01T00:00:00Z", planned_end_at="2020-02-01T00:00:00Z"
    )
    for action in ("start", "conclude"):
        assert (await caller.post(f"/v1/experiments/{finished['id']}/{action}")).status_code == 200

    assert late["overdue"] is True
    assert (await caller.get(f"/v1/experiments/{finished['id']}")).json()["overdue"] is False
    assert await listed_ids(caller, overdue="true") == [late["id"]]
    assert await listed_ids(caller, overdue="false") == [finished["id"], on_time["id"]]


async def test_moving_the_end_later_clears_the_overrun(caller: Caller, idea_id: str) -> None:
    late = await create(caller, idea_id, planned_start_at="2020-01-01T00:00:00Z", planned_end_at="2020-02-01T00:00:00Z")

    moved = await caller.patch(
        f"/v1/experiments/{late['id']}", json={"planned_end_at": "2099-01-01T00:00:00Z"}, headers={"If-Match": '"1"'}
    )

    assert moved.json()["overdue"] is False
    assert await listed_ids(caller, overdue="true") == []


async def test_only_the_owner_or_a_manager_records_costs_and_strangers_see_none(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    stranger = caller_factory("admin")
    cost = (await caller.post(f"{url}/costs", json=COST)).json()

    assert (await colleague.post(f"{url}/costs", json=COST)).status_code == 403
    assert (await stranger.post(f"{url}/costs", json=COST)).status_code == 404
    assert (await stranger.get(f"{url}/costs")).status_code == 404
    assert (await stranger.get(f"{url}/costs/{cost['id']}")).status_code == 404
    assert (await caller.get(url)).json()["budget_spent_amount"] == COST["amount"]


async def test_the_owner_can_hand_over_and_change_the_team(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    successor = caller_factory(organization_id=caller.identity.organization_id)

    handed = await caller.patch(
        url, json={"owner_id": successor.identity.principal_id, "team": ["user-carla"]}, headers={"If-Match": '"1"'}
    )
    by_old_owner = await caller.patch(url, json={"title": "Mine again"}, headers={"If-Match": '"2"'})
    by_new_owner = await successor.patch(url, json={"title": "Taken over"}, headers={"If-Match": '"2"'})

    assert handed.json()["owner_id"] == successor.identity.principal_id
    assert handed.json()["team"] == ["user-carla"]
    assert by_old_owner.status_code == 403
    assert by_new_owner.status_code == 200
