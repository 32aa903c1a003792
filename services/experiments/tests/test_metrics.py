"""`/v1/experiments/{id}/metrics`: criteria fixed before the start, amended (never silently moved) after it."""

from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

EXPERIMENT = {
    "title": "Repeat-order button",
    "hypothesis": "We believe that regular customers would reorder with one click.",
    "type": "ab_test",
}
CONVERSION = {
    "name": "Repeat-order rate",
    "unit": "",
    "kind": "proportion",
    "direction": "increase",
    "success_threshold": 0.02,
    "failure_threshold": 0.0,
    "variants": [{"name": "control", "planned_split": 50}, {"name": "one-click", "planned_split": 50}],
}


async def new_experiment(caller: Caller, idea_id: str) -> str:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def add_metric(caller: Caller, experiment_id: str, **overrides: object) -> dict[str, Any]:
    response = await caller.post(f"/v1/experiments/{experiment_id}/metrics", json={**CONVERSION, **overrides})
    assert response.status_code == 201, response.text
    metric: dict[str, Any] = response.json()
    return metric


async def start(caller: Caller, experiment_id: str) -> None:
    response = await caller.post(f"/v1/experiments/{experiment_id}/start")
    assert response.status_code == 200, response.text


async def test_a_metric_states_its_criteria_in_words(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)

    response = await caller.post(f"/v1/experiments/{experiment_id}/metrics", json=CONVERSION)

    assert response.status_code == 201, response.text
    metric = response.json()
    assert response.headers["location"] == f"/v1/experiments/{experiment_id}/metrics/{metric['id']}"
    assert response.headers["etag"] == '"1"'
    assert metric["criteria"] == (
        "We are right if a treatment's difference from the control is at least 0.02; we are wrong if it is at most 0."
    )
    assert [variant["name"] for variant in metric["variants"]] == ["control", "one-click"]
    assert metric["amended_at"] is None
    listed = await caller.get(f"/v1/experiments/{experiment_id}/metrics")
    assert [item["id"] for item in listed.json()["items"]] == [metric["id"]]


async def test_criteria_that_cannot_give_a_verdict_are_refused_at_the_field(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    url = f"/v1/experiments/{experiment_id}/metrics"
    cases: list[tuple[dict[str, object], str]] = [
        ({"success_threshold": 0.0, "failure_threshold": 0.02}, "/body/failure_threshold"),
        ({"variants": [{"name": "control", "planned_split": 1}]}, "/body/variants"),
        (
            {"variants": [{"name": "a", "planned_split": 1}, {"name": "a", "planned_split": 1}]},
            "/body/variants/1/name",
        ),
        ({"variants": [], "success_threshold": 1.5, "failure_threshold": 0.5}, "/body/success_threshold"),
    ]
    for overrides, pointer in cases:
        response = await caller.post(url, json={**CONVERSION, **overrides})
        assert response.status_code == 422, overrides
        assert response.json()["errors"][0]["pointer"] == pointer
    assert (await caller.get(url)).json()["items"] == []


async def test_a_decreasing_metric_wants_its_failure_threshold_above_success(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)

    metric = await add_metric(
        caller,
        experiment_id,
        name="Handling time",
        kind="duration",
        unit="minutes",
        direction="decrease",
        success_threshold=10,
        failure_threshold=15,
        variants=[],
    )

    assert (
        metric["criteria"]
        == "We are right if the value is at most 10 minutes; we are wrong if it is at least 15 minutes."
    )


async def test_after_the_start_a_change_needs_a_reason_and_becomes_an_amendment(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    metric = await add_metric(caller, experiment_id)
    await start(caller, experiment_id)
    url = f"/v1/experiments/{experiment_id}/metrics/{metric['id']}"

    silent = await caller.patch(url, json={"success_threshold": 0.01}, headers={"If-Match": '"1"'})
    assert silent.status_code == 409
    assert (await caller.get(url)).json()["success_threshold"] == 0.02

    amended = await caller.patch(
        url,
        json={"success_threshold": 0.01, "amendment_reason": "Margins grew; a smaller lift pays."},
        headers={"If-Match": '"1"'},
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["success_threshold"] == 0.01
    assert amended.json()["amended_at"] is not None
    assert amended.headers["etag"] == '"2"'
    experiment = (await caller.get(f"/v1/experiments/{experiment_id}")).json()
    assert experiment["amended_after_start"] is True
    amendments = (await caller.get(f"/v1/experiments/{experiment_id}/amendments")).json()["items"]
    assert amendments[0]["why"] == "Margins grew; a smaller lift pays."
    assert amendments[0]["changes"] == {f"metrics/{metric['id']}/success_threshold": {"from": 0.02, "to": 0.01}}


async def test_a_started_experiment_keeps_its_metrics(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    metric = await add_metric(caller, experiment_id)
    await start(caller, experiment_id)
    url = f"/v1/experiments/{experiment_id}/metrics/{metric['id']}"

    response = await caller.delete(url, headers={"If-Match": '"1"'})

    assert response.status_code == 409
    assert (await caller.get(url)).status_code == 200


async def test_a_metric_added_after_the_start_needs_a_reason(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    await start(caller, experiment_id)
    url = f"/v1/experiments/{experiment_id}/metrics"

    assert (await caller.post(url, json=CONVERSION)).status_code == 409
    response = await caller.post(url, json={**CONVERSION, "amendment_reason": "We forgot the guardrail."})

    assert response.status_code == 201, response.text
    assert response.json()["amended_at"] is not None


async def test_draft_metrics_change_and_go_freely_with_if_match(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    metric = await add_metric(caller, experiment_id)
    url = f"/v1/experiments/{experiment_id}/metrics/{metric['id']}"

    assert (await caller.patch(url, json={"name": "Reorders"})).status_code == 428
    assert (await caller.patch(url, json={"name": "Reorders"}, headers={"If-Match": '"9"'})).status_code == 412
    changed = await caller.patch(url, json={"name": "Reorders"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.json()["amended_at"] is None
    assert (await caller.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await caller.get(url)).status_code == 404


async def test_only_the_owner_or_a_manager_defines_metrics(
    caller: Caller, caller_factory: Callable[..., Caller], idea_id: str
) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    url = f"/v1/experiments/{experiment_id}/metrics"

    assert (await colleague.post(url, json=CONVERSION)).status_code == 403
    assert (await manager.post(url, json=CONVERSION)).status_code == 201
    assert (await colleague.get(url)).status_code == 200


async def test_another_organisations_experiment_has_no_metrics_to_see(
    caller: Caller, caller_factory: Callable[..., Caller], idea_id: str
) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    metric = await add_metric(caller, experiment_id)
    stranger = caller_factory("admin")

    assert (await stranger.get(f"/v1/experiments/{experiment_id}/metrics")).status_code == 404
    assert (await stranger.get(f"/v1/experiments/{experiment_id}/metrics/{metric['id']}")).status_code == 404
    assert (await stranger.post(f"/v1/experiments/{experiment_id}/metrics", json=CONVERSION)).status_code == 404
    assert (await stranger.get(f"/v1/experiments/{experiment_id}/verdict")).status_code == 404


async def test_creating_a_metric_is_idempotent(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    url = f"/v1/experiments/{experiment_id}/metrics"

    first = await caller.post(url, json=CONVERSION, headers={"Idempotency-Key": "metric-1"})
    again = await caller.post(url, json=CONVERSION, headers={"Idempotency-Key": "metric-1"})

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert len((await caller.get(url)).json()["items"]) == 1
