"""Evaluation: what reviewers, managers and admins rely on when ideas are scored and ranked."""

from collections.abc import Callable
from typing import Any

import httpx

from ideaflow_shared.testing import Caller

IDEA = {"title": "Label the spare parts shelf", "problem": "Parts are hard to find.", "proposal": "Label the bins."}
CHALLENGE = {
    "title": "Faster deliveries",
    "focus_question": "How might we deliver regular orders a day sooner?",
    "description": "Ideas from everyone who touches an order.",
    "opens_at": "2026-12-01T08:00:00Z",
    "closes_at": "2026-12-15T17:00:00Z",
    "dot_budget": 5,
    "dots_per_idea_cap": 2,
}


def scores(impact: int, feasibility: int, confidence: int, strategic_fit: int) -> dict[str, dict[str, int]]:
    return {
        "scores": {
            "impact": impact,
            "feasibility": feasibility,
            "confidence": confidence,
            "strategic_fit": strategic_fit,
        }
    }


def colleague(caller_factory: Callable[..., Caller], caller: Caller, *roles: str) -> Caller:
    return caller_factory(*roles, organization_id=caller.identity.organization_id)


async def submit(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/ideas", json={**IDEA, **overrides})
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def to_backlog(manager: Caller, idea_id: str) -> None:
    etag = (await manager.get(f"/v1/ideas/{idea_id}")).headers["etag"]
    response = await manager.post(f"/v1/ideas/{idea_id}/stage", json={"stage": "backlog"}, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


async def evaluate(reviewer: Caller, idea_id: str, body: dict[str, Any]) -> httpx.Response:
    return await reviewer.post(f"/v1/ideas/{idea_id}/evaluations", json=body)


async def test_defaults_apply_until_an_admin_changes_the_criteria(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    admin = colleague(caller_factory, caller, "admin")
    defaults = await caller.get("/v1/evaluation-criteria")
    change = {
        "criteria": [
            {"key": "impact", "name": "Impact", "weight": 3},
            {"key": "cost", "name": "Cost", "weight": 2},
            {"key": "cost", "name": "Cost", "weight": 1},
        ]
    }

    refused = await caller.patch("/v1/evaluation-criteria", json=change, headers={"If-Match": '"0"'})
    missing = await admin.patch("/v1/evaluation-criteria", json=change)
    changed = await admin.patch(
        "/v1/evaluation-criteria", json={**change, "scale_max": 10}, headers={"If-Match": '"0"'}
    )
    stale = await admin.patch("/v1/evaluation-criteria", json=change, headers={"If-Match": '"0"'})

    assert [item["key"] for item in defaults.json()["criteria"]] == [
        "impact",
        "feasibility",
        "confidence",
        "strategic_fit",
    ]
    assert (defaults.json()["scale_min"], defaults.json()["scale_max"], defaults.headers["etag"]) == (1, 5, '"0"')
    assert (refused.status_code, missing.status_code, stale.status_code) == (403, 428, 412)
    assert changed.status_code == 200
    assert changed.headers["etag"] == '"1"'
    assert (await caller.get("/v1/evaluation-criteria")).json() == {
        "criteria": [{"key": "impact", "name": "Impact", "weight": 3}, {"key": "cost", "name": "Cost", "weight": 1}],
        "scale_min": 1,
        "scale_max": 10,
        "version": 1,
    }
    assert (await caller_factory().get("/v1/evaluation-criteria")).json()["version"] == 0


async def test_one_evaluation_per_reviewer_which_they_can_revise(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller)
    reviewer = colleague(caller_factory, caller, "reviewer")

    first = await evaluate(reviewer, idea["id"], scores(4, 3, 2, 5))
    second = await evaluate(reviewer, idea["id"], scores(1, 1, 1, 1))
    location = first.headers["location"]
    revised = await reviewer.patch(
        location, json={"scores": {"impact": 5}}, headers={"If-Match": first.headers["etag"]}
    )

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["evaluation_id"] == first.json()["id"]
    assert revised.status_code == 200
    assert revised.json()["scores"] == {"impact": 5, "feasibility": 3, "confidence": 2, "strategic_fit": 5}
    assert (await reviewer.get(location)).json() == revised.json()
    assert (await colleague(caller_factory, caller, "reviewer").get(location)).status_code == 404


async def test_scores_must_fit_the_current_criteria_and_scale(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller)
    reviewer = colleague(caller_factory, caller, "reviewer")

    partial = await evaluate(reviewer, idea["id"], {"scores": {"impact": 3}})
    off_scale = await evaluate(reviewer, idea["id"], scores(6, 3, 3, 3))
    unknown = await evaluate(reviewer, idea["id"], {"scores": {**scores(3, 3, 3, 3)["scores"], "taste": 2}})

    assert [response.status_code for response in (partial, off_scale, unknown)] == [409, 409, 409]
    assert off_scale.json()["criteria"] == ["impact", "feasibility", "confidence", "strategic_fit"]
    assert (off_scale.json()["scale_min"], off_scale.json()["scale_max"]) == (1, 5)
    assert (await evaluate(reviewer, idea["id"], {"scores": {"impact": 2.5}})).status_code == 422
    assert (await evaluate(caller, idea["id"], scores(3, 3, 3, 3))).status_code == 403


async def test_the_evaluation_view_hides_the_author_and_the_aggregate_until_one_has_evaluated(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller, department="logistics")
    first, second = (colleague(caller_factory, caller, "reviewer") for _ in range(2))
    url = f"/v1/ideas/{idea['id']}/evaluation"
    await evaluate(first, idea["id"], scores(5, 4, 3, 2))

    before = (await second.get(url)).json()
    await evaluate(second, idea["id"], scores(3, 2, 1, 2))
    after = (await second.get(url)).json()

    assert caller.identity.principal_id not in str(before) + str(after)
    assert "author_id" not in before["idea"]
    assert "department" not in before["idea"]
    assert before["my_evaluation"] is None
    assert before["aggregate"] is None
    assert after["my_evaluation"]["scores"]["impact"] == 3
    assert after["aggregate"] == {
        "reviewers": 2,
        "weighted_score": 2.75,
        "disagreement": 0.75,
        "ice_score": 24.0,
        "contributions": [
            {"key": "impact", "mean": 4.0, "weight": 1, "points": 1.0},
            {"key": "feasibility", "mean": 3.0, "weight": 1, "points": 0.75},
            {"key": "confidence", "mean": 2.0, "weight": 1, "points": 0.5},
            {"key": "strategic_fit", "mean": 2.0, "weight": 1, "points": 0.5},
        ],
    }


async def test_scores_are_refused_while_the_challenge_defers_judgement(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    challenge = (await manager.post("/v1/challenges", json=CHALLENGE)).json()
    phase_url = f"/v1/challenges/{challenge['id']}/phase"
    assert (await manager.post(phase_url, json={"phase": "ideation"})).status_code == 200
    idea = await submit(manager, challenge_id=challenge["id"])
    reviewer = colleague(caller_factory, manager, "reviewer")

    during = await evaluate(reviewer, idea["id"], scores(3, 3, 3, 3))
    assert (await manager.post(phase_url, json={"phase": "evaluation"})).status_code == 200
    after = await evaluate(reviewer, idea["id"], scores(3, 3, 3, 3))

    assert during.status_code == 409
    assert "ideation" in during.json()["detail"]
    assert after.status_code == 201


async def test_the_backlog_ranking_explains_each_rank(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    admin = colleague(caller_factory, caller, "admin")
    weights = [
        {"key": "impact", "name": "Impact", "weight": 3},
        {"key": "feasibility", "name": "Feasibility", "weight": 1.0},
    ]
    await admin.patch("/v1/evaluation-criteria", json={"criteria": weights}, headers={"If-Match": '"0"'})
    manager = colleague(caller_factory, caller, "manager")
    bold, safe, unranked, elsewhere = [await submit(caller, title=title) for title in ("Bold", "Safe", "None", "Out")]
    for idea in (bold, safe, unranked):
        await to_backlog(manager, idea["id"])
    reviewers = [colleague(caller_factory, caller, "reviewer") for _ in range(2)]
    for reviewer, (bold_scores, safe_scores) in zip(reviewers, (((5, 1), (2, 5)), ((4, 2), (3, 5))), strict=True):
        await evaluate(reviewer, bold["id"], {"scores": dict(zip(("impact", "feasibility"), bold_scores, strict=True))})
        await evaluate(reviewer, safe["id"], {"scores": dict(zip(("impact", "feasibility"), safe_scores, strict=True))})
    await evaluate(reviewers[0], elsewhere["id"], {"scores": {"impact": 5, "feasibility": 5}})

    ranking = (await manager.get("/v1/ideas/ranking")).json()["items"]

    assert [(item["rank"], item["idea_id"]) for item in ranking] == [(1, bold["id"]), (2, safe["id"])]
    assert ranking[0]["weighted_score"] == 3.75
    assert ranking[1]["weighted_score"] == 3.125
    assert ranking[0]["why"] == [
        {"key": "impact", "mean": 4.5, "weight": 3, "points": 3.375},
        {"key": "feasibility", "mean": 1.5, "weight": 1, "points": 0.375},
    ]
    assert (ranking[0]["reviewers"], ranking[0]["up_votes"], ranking[0]["ice_score"]) == (2, 0, None)
    assert (await caller.get("/v1/ideas/ranking")).status_code == 403
    assert (await caller_factory("manager").get("/v1/ideas/ranking")).json()["items"] == []


async def test_a_challenge_ranking_covers_only_that_challenges_ideas(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    challenge = (await manager.post("/v1/challenges", json=CHALLENGE)).json()
    phase_url = f"/v1/challenges/{challenge['id']}/phase"
    await manager.post(phase_url, json={"phase": "ideation"})
    weak, strong = [await submit(manager, title=title, challenge_id=challenge["id"]) for title in ("Weak", "Strong")]
    outside = await submit(manager, title="Outside")
    await manager.post(phase_url, json={"phase": "evaluation"})
    reviewer = colleague(caller_factory, manager, "reviewer")
    for idea, score in ((weak, 2), (strong, 4), (outside, 5)):
        assert (await evaluate(reviewer, idea["id"], scores(score, score, score, score))).status_code == 201

    ranking = await reviewer.get("/v1/ideas/ranking", params={"challenge_id": challenge["id"]})
    unknown = await reviewer.get("/v1/ideas/ranking", params={"challenge_id": outside["id"]})

    assert [item["title"] for item in ranking.json()["items"]] == ["Strong", "Weak"]
    assert ranking.json()["items"][0]["ice_score"] == 64.0
    assert unknown.status_code == 404
