"""`GET /v1/programme`: the experiment programme of a period, checked against a hand-computed data set."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ideaflow_experiments.costs import service as costs_service
from ideaflow_experiments.decisions import service as decisions_service
from ideaflow_experiments.experiments import lifecycle
from ideaflow_experiments.experiments import service as experiments_service
from ideaflow_experiments.learnings import service as learnings_service
from ideaflow_experiments.metrics import results as results_service
from ideaflow_shared.testing import Caller

from .conftest import SubmitIdea
from .test_learnings import CARD

Clock = Callable[[str], None]
PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
SIGNUPS = {
    "name": "Signups",
    "unit": "",
    "kind": "count",
    "direction": "increase",
    "success_threshold": 10,
    "failure_threshold": 2,
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the instant the service writes as 'now' for creations, status changes, decisions and cards."""

    def set_clock(instant: str) -> None:
        moment = dt.datetime.fromisoformat(instant).replace(tzinfo=dt.UTC)
        for module in (
            experiments_service,
            lifecycle,
            decisions_service,
            learnings_service,
            costs_service,
            results_service,
        ):
            monkeypatch.setattr(module, "utcnow", lambda: moment)

    return set_clock


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def _experiment(manager: Caller, idea_id: str, kind: str, **fields: object) -> str:
    body = {"idea_id": idea_id, "title": f"A {kind}", "hypothesis": "We believe that it works.", "type": kind}
    return str((await _ok(await manager.post("/v1/experiments", json={**body, **fields})))["id"])


async def _run_and_decide(
    manager: Caller, clock: Clock, experiment_id: str, *, value: float | None, days: list[str]
) -> None:
    """Start, record one result (if any), conclude and decide at the given days."""
    url = f"/v1/experiments/{experiment_id}"
    if value is not None:
        metric = await _ok(await manager.post(f"{url}/metrics", json=SIGNUPS))
    clock(days[0])
    await _ok(await manager.post(f"{url}/start"))
    if value is not None:
        await _ok(await manager.post(f"{url}/results", json={"metric_id": metric["id"], "value": value}))
    clock(days[1])
    await _ok(await manager.post(f"{url}/conclude"))
    clock(days[2])
    decision = {"decision": "persevere", "rationale": "The numbers say so.", "next_steps": "Carry on."}
    await _ok(await manager.post(f"{url}/decision", json=decision))


async def test_the_programme_of_a_period_has_the_hand_computed_figures(
    caller_factory: Callable[..., Caller], clock: Clock, submit_idea: SubmitIdea
) -> None:
    manager = caller_factory("manager")
    idea_id = await submit_idea(manager.identity)
    # Before the period: created in December, decided in it (counts for decisions, not for creations).
    clock("2025-12-15T09:00:00")
    early = await _experiment(manager, idea_id, "pilot")
    await _run_and_decide(
        manager, clock, early, value=None, days=["2025-12-20T09:00:00", "2026-01-04T09:00:00", "2026-01-05T09:00:00"]
    )
    # In the period.
    clock("2026-01-10T09:00:00")
    validated = await _experiment(manager, idea_id, "ab_test", budget_planned_amount=50000, budget_currency="EUR")
    await _run_and_decide(
        manager, clock, validated, value=12, days=["2026-01-12T09:00:00", "2026-01-20T09:00:00", "2026-01-22T09:00:00"]
    )
    clock("2026-01-15T09:00:00")
    invalidated = await _experiment(manager, idea_id, "smoke_test", budget_planned_amount=20000, budget_currency="EUR")
    cost = {"amount": 30000, "currency": "EUR", "description": "Ads", "incurred_at": "2026-01-15T10:00:00Z"}
    await _ok(await manager.post(f"/v1/experiments/{invalidated}/costs", json=cost))
    await _run_and_decide(
        manager, clock, invalidated, value=1, days=["2026-01-16T09:00:00", "2026-01-18T09:00:00", "2026-01-20T09:00:00"]
    )
    clock("2026-02-01T09:00:00")
    overdue = await _experiment(
        manager,
        idea_id,
        "pilot",
        budget_planned_amount=10000,
        budget_currency="USD",
        planned_end_at="2026-02-28T17:00:00Z",
    )
    await _ok(await manager.post(f"/v1/experiments/{overdue}/start"))
    clock("2026-02-05T09:00:00")
    cancelled = await _experiment(manager, idea_id, "survey")
    await _ok(await manager.post(f"/v1/experiments/{cancelled}/cancel", json={"reason": "Nobody answered."}))
    clock("2026-03-01T09:00:00")
    await _experiment(manager, idea_id, "prototype", planned_end_at="2099-01-01T00:00:00Z")
    # At the period's end (exclusive): not counted, yet overdue now.
    clock("2026-04-01T00:00:00")
    late = await _experiment(manager, idea_id, "concierge", planned_end_at="2026-04-10T00:00:00Z")
    for day, kind in [
        ("2025-12-31T23:59:59", "surprise"),
        ("2026-01-25T09:00:00", "refuted"),
        ("2026-01-25T10:00:00", "confirmed"),
        ("2026-04-02T09:00:00", "surprise"),
    ]:
        clock(day)
        await _ok(await manager.post("/v1/learnings", json={**CARD, "kind": kind}))
    await caller_factory("manager").post("/v1/learnings", json=CARD)  # another organisation's

    report = await _ok(await manager.get("/v1/programme", params=PERIOD))

    assert (report["period_start"], report["period_end"]) == ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
    experiments = report["experiments"]
    assert experiments["created"] == 5
    assert {row["status"]: row["experiments"] for row in experiments["by_status"]} == {
        "draft": 1,
        "running": 1,
        "concluded": 0,
        "decided": 2,
        "cancelled": 1,
    }
    assert {row["type"]: row["experiments"] for row in experiments["by_type"] if row["experiments"]} == {
        "ab_test": 1,
        "smoke_test": 1,
        "pilot": 1,
        "survey": 1,
        "prototype": 1,
    }
    # Decided in the period: the December one (16 days, no metrics: insufficient data), the validated
    # one (10 days) and the invalidated one (4 days).
    assert report["decisions"] == {
        "decided": 3,
        "validated": 1,
        "validated_share": 0.3333,
        "median_days_start_to_decision": 10.0,
    }
    assert report["budgets"] == [
        {"currency": "EUR", "experiments": 2, "planned_amount": 70000, "spent_amount": 30000, "over_budget": 1},
        {"currency": "USD", "experiments": 1, "planned_amount": 10000, "spent_amount": 0, "over_budget": 0},
    ]
    assert report["learnings"] == {
        "recorded": 2,
        "by_kind": [
            {"kind": "confirmed", "learnings": 1},
            {"kind": "refuted", "learnings": 1},
            {"kind": "surprise", "learnings": 0},
        ],
    }
    assert report["ideas"] == {  # the only idea was submitted today, outside the period
        "submitted": 0,
        "reached_experiment": 0,
        "share_reached_experiment": None,
        "unavailable_reason": None,
    }
    assert report["overdue"]["total"] == 2
    assert [row["id"] for row in report["overdue"]["experiments"]] == [overdue, late]
    assert report["overdue"]["experiments"][0]["status"] == "running"
    assert report["overdue"]["experiments"][0]["days_overdue"] > 200


async def test_the_share_of_ideas_that_reached_an_experiment_counts_each_idea_once(
    caller_factory: Callable[..., Caller], submit_idea: SubmitIdea
) -> None:
    caller = caller_factory("employee")
    ideas = [await submit_idea(caller.identity) for _ in range(4)]
    for idea_id in (ideas[0], ideas[0], ideas[1]):
        await _experiment(caller, idea_id, "smoke_test")
    stranger = caller_factory("employee")
    await _experiment(stranger, await submit_idea(stranger.identity), "smoke_test")

    report = await _ok(await caller.get("/v1/programme"))

    assert report["ideas"] == {
        "submitted": 4,
        "reached_experiment": 2,
        "share_reached_experiment": 0.5,
        "unavailable_reason": None,
    }
    assert report["experiments"]["created"] == 3
    assert dt.datetime.fromisoformat(report["period_end"]) - dt.datetime.fromisoformat(
        report["period_start"]
    ) == dt.timedelta(days=90)


async def test_without_the_ideas_service_the_idea_figures_are_null_and_say_why(
    app_client_without_ideas: httpx.AsyncClient, caller_factory: Callable[..., Caller], submit_idea: SubmitIdea
) -> None:
    caller = caller_factory("employee")
    await _experiment(caller, await submit_idea(caller.identity), "smoke_test")

    response = await Caller(app_client_without_ideas, caller.identity).get("/v1/programme")

    report = await _ok(response)
    assert report["ideas"]["submitted"] is None
    assert report["ideas"]["share_reached_experiment"] is None
    assert "ideas service is unavailable" in report["ideas"]["unavailable_reason"]
    assert report["experiments"]["created"] == 1


async def test_a_malformed_period_is_refused_at_the_parameter(caller_factory: Callable[..., Caller]) -> None:
    response = await caller_factory("employee").get("/v1/programme", params={"from": "last monday"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/query/from"
