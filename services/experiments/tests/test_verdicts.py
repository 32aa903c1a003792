"""Results and the computed verdict: what a team and its managers rely on to call an experiment."""

from typing import Any

import pytest

from ideaflow_shared.testing import Caller

from .test_metrics import CONVERSION, add_metric, new_experiment, start

SIGNUPS = {
    "name": "Sign-ups for the pilot",
    "unit": "sign-ups",
    "kind": "count",
    "direction": "increase",
    "success_threshold": 20,
    "failure_threshold": 5,
    "minimum_sample_size": 100,
    "variants": [],
}


async def record(caller: Caller, experiment_id: str, **result: object) -> dict[str, Any]:
    response = await caller.post(f"/v1/experiments/{experiment_id}/results", json=result)
    assert response.status_code == 201, response.text
    recorded: dict[str, Any] = response.json()
    return recorded


async def verdict(caller: Caller, experiment_id: str) -> dict[str, Any]:
    response = await caller.get(f"/v1/experiments/{experiment_id}/verdict")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def running(caller: Caller, idea_id: str, *metrics: dict[str, Any]) -> tuple[str, list[str]]:
    experiment_id = await new_experiment(caller, idea_id)
    ids = [(await add_metric(caller, experiment_id, **metric))["id"] for metric in metrics]
    await start(caller, experiment_id)
    return experiment_id, ids


async def test_results_wait_for_the_start(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    metric = await add_metric(caller, experiment_id, **SIGNUPS)

    response = await caller.post(
        f"/v1/experiments/{experiment_id}/results", json={"metric_id": metric["id"], "value": 3}
    )

    assert response.status_code == 409
    assert response.json()["allowed"] == ["running", "concluded"]


@pytest.mark.parametrize(
    ("value", "sample_size", "outcome"),
    [
        (20, 100, "validated"),
        (19.5, 100, "inconclusive"),
        (6, 100, "inconclusive"),
        (5, 100, "invalidated"),
        (40, 99, "insufficient_data"),
    ],
)
async def test_hand_entered_results_meet_the_thresholds_at_their_boundaries(
    caller: Caller, idea_id: str, value: float, sample_size: int, outcome: str
) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, SIGNUPS)
    await record(caller, experiment_id, metric_id=metric_id, value=value, sample_size=sample_size)

    answer = await verdict(caller, experiment_id)

    assert answer["outcome"] == outcome
    assert answer["metrics"][0]["outcome"] == outcome
    assert answer["metrics"][0]["reason"]


async def test_no_result_is_insufficient_data_and_the_latest_observation_counts(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, SIGNUPS)
    assert (await verdict(caller, experiment_id))["outcome"] == "insufficient_data"

    await record(
        caller, experiment_id, metric_id=metric_id, value=30, sample_size=150, observed_at="2026-03-02T00:00:00Z"
    )
    await record(
        caller, experiment_id, metric_id=metric_id, value=4, sample_size=120, observed_at="2026-03-01T00:00:00Z"
    )

    answer = await verdict(caller, experiment_id)
    assert answer["outcome"] == "validated"
    assert answer["metrics"][0]["values"][0]["value"] == 30
    listed = (await caller.get(f"/v1/experiments/{experiment_id}/results")).json()["items"]
    assert [item["value"] for item in listed] == [30, 4]


async def test_a_significant_lift_past_the_threshold_validates_with_its_statistics(
    caller: Caller, idea_id: str
) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, CONVERSION)
    await record(caller, experiment_id, metric_id=metric_id, variant="control", successes=200, trials=1000)
    await record(caller, experiment_id, metric_id=metric_id, variant="one-click", successes=250, trials=1000)

    answer = await verdict(caller, experiment_id)

    assert answer["outcome"] == "validated"
    comparison = answer["metrics"][0]["comparisons"][0]
    assert comparison["variant"] == "one-click"
    assert comparison["difference"] == pytest.approx(0.05)
    assert comparison["difference_interval"]["low"] == pytest.approx(0.0135, abs=1e-4)
    assert comparison["relative_lift"] == pytest.approx(0.25)
    assert comparison["p_value"] < 0.01
    assert comparison["probability_to_beat_control"] > 0.99
    assert answer["metrics"][0]["sample_ratio"]["mismatch"] is False


async def test_a_lift_past_the_threshold_without_significance_is_inconclusive(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, CONVERSION)
    await record(caller, experiment_id, metric_id=metric_id, variant="control", successes=200, trials=1000)
    await record(caller, experiment_id, metric_id=metric_id, variant="one-click", successes=225, trials=1000)

    metric = (await verdict(caller, experiment_id))["metrics"][0]

    assert metric["outcome"] == "inconclusive"
    assert "p = " in metric["reason"]
    assert metric["comparisons"][0]["significant"] is False


async def test_a_treatment_at_the_failure_threshold_invalidates(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, CONVERSION)
    await record(caller, experiment_id, metric_id=metric_id, variant="control", successes=200, trials=1000)
    await record(caller, experiment_id, metric_id=metric_id, variant="one-click", successes=190, trials=1000)

    assert (await verdict(caller, experiment_id))["outcome"] == "invalidated"


async def test_a_broken_split_makes_even_a_big_lift_inconclusive(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, CONVERSION)
    await record(caller, experiment_id, metric_id=metric_id, variant="control", successes=120, trials=600)
    await record(caller, experiment_id, metric_id=metric_id, variant="one-click", successes=150, trials=400)

    metric = (await verdict(caller, experiment_id))["metrics"][0]

    assert metric["outcome"] == "inconclusive"
    assert metric["sample_ratio"]["mismatch"] is True
    assert "Sample ratio mismatch" in metric["reason"]


async def test_a_missing_variant_is_insufficient_data(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, CONVERSION)
    await record(caller, experiment_id, metric_id=metric_id, variant="control", successes=200, trials=1000)

    metric = (await verdict(caller, experiment_id))["metrics"][0]

    assert metric["outcome"] == "insufficient_data"
    assert "one-click" in metric["reason"]


async def test_one_invalidated_metric_invalidates_the_experiment(caller: Caller, idea_id: str) -> None:
    experiment_id, (conversion_id, signups_id) = await running(caller, idea_id, CONVERSION, SIGNUPS)
    await record(caller, experiment_id, metric_id=conversion_id, variant="control", successes=200, trials=1000)
    await record(caller, experiment_id, metric_id=conversion_id, variant="one-click", successes=250, trials=1000)
    await record(caller, experiment_id, metric_id=signups_id, value=2, sample_size=500)

    answer = await verdict(caller, experiment_id)

    assert [metric["outcome"] for metric in answer["metrics"]] == ["validated", "invalidated"]
    assert answer["outcome"] == "invalidated"
    assert SIGNUPS["name"] in answer["reason"]


async def test_the_verdict_shows_criteria_amended_after_the_start(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, SIGNUPS)
    assert (await verdict(caller, experiment_id))["criteria_amended_after_start"] is False

    response = await caller.patch(
        f"/v1/experiments/{experiment_id}/metrics/{metric_id}",
        json={"success_threshold": 10, "amendment_reason": "The pilot runs in one shop, not two."},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text

    answer = await verdict(caller, experiment_id)
    assert answer["criteria_amended_after_start"] is True
    assert answer["metrics"][0]["amended_at"] is not None


async def test_results_must_fit_the_metric(caller: Caller, idea_id: str) -> None:
    experiment_id, (conversion_id, signups_id) = await running(caller, idea_id, CONVERSION, SIGNUPS)
    url = f"/v1/experiments/{experiment_id}/results"
    cases = [
        ({"metric_id": conversion_id, "successes": 1, "trials": 2}, "/body/variant"),
        ({"metric_id": conversion_id, "variant": "other", "successes": 1, "trials": 2}, "/body/variant"),
        ({"metric_id": conversion_id, "variant": "control", "successes": 3, "trials": 2}, "/body/successes"),
        ({"metric_id": conversion_id, "variant": "control", "value": 0.5}, "/body/successes"),
        ({"metric_id": signups_id, "successes": 1, "trials": 2}, "/body/successes"),
        ({"metric_id": signups_id}, "/body/value"),
        ({"metric_id": signups_id, "variant": "control", "value": 1}, "/body/variant"),
        ({"metric_id": experiment_id, "value": 1}, "/body/metric_id"),
    ]
    for body, pointer in cases:
        response = await caller.post(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["pointer"] == pointer, body
    assert (await caller.get(url)).json()["items"] == []


async def test_results_are_still_recorded_once_concluded(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, SIGNUPS)
    assert (await caller.post(f"/v1/experiments/{experiment_id}/conclude")).status_code == 200

    await record(caller, experiment_id, metric_id=metric_id, value=25, sample_size=200, note="Final count.")

    assert (await verdict(caller, experiment_id))["outcome"] == "validated"


async def test_planning_answers_the_published_sample_size_and_its_inverse(caller: Caller) -> None:
    """Evan Miller's calculator: 20 % baseline, +5 points, alpha 5 %, power 80 % → about 1,030 per variation."""
    plan = await caller.post(
        "/v1/experiments/planning/sample-size", json={"baseline_rate": 0.2, "minimum_detectable_effect": 0.05}
    )
    assert plan.status_code == 200, plan.text
    assert plan.json()["sample_size_per_variant"] in (1030, 1031)

    effect = await caller.post(
        "/v1/experiments/planning/detectable-effect", json={"baseline_rate": 0.2, "sample_size_per_variant": 1030}
    )
    assert effect.json()["minimum_detectable_effect"] == pytest.approx(0.05, abs=5e-4)

    impossible = await caller.post(
        "/v1/experiments/planning/sample-size", json={"baseline_rate": 0.9, "minimum_detectable_effect": 0.2}
    )
    assert impossible.status_code == 200
    assert impossible.json()["sample_size_per_variant"] is None


async def test_one_cut_off_for_both_thresholds_counts_a_value_on_it_as_success(caller: Caller, idea_id: str) -> None:
    experiment_id, (metric_id,) = await running(caller, idea_id, {**SIGNUPS, "failure_threshold": 20})
    await record(caller, experiment_id, metric_id=metric_id, value=20, sample_size=100)

    assert (await verdict(caller, experiment_id))["outcome"] == "validated"


async def test_whole_numbers_may_be_written_as_3_0_but_never_as_text_or_booleans(caller: Caller) -> None:
    url = "/v1/experiments/planning/detectable-effect"

    assert (await caller.post(url, json={"baseline_rate": 0.2, "sample_size_per_variant": 1030.0})).status_code == 200
    for wrong in (True, "1030", 1030.5):
        response = await caller.post(url, json={"baseline_rate": 0.2, "sample_size_per_variant": wrong})
        assert response.status_code == 422, wrong
    assert (await caller.post(url, json={"baseline_rate": True, "sample_size_per_variant": 1030})).status_code == 422
