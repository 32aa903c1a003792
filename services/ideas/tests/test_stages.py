"""Stages: what submitters, reviewers and managers rely on when an idea moves through the funnel."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import update

from ideaflow_ideas.ideas.models import Idea
from ideaflow_shared.db import create_engine
from ideaflow_shared.testing import Caller

IDEA = {"title": "Label the spare parts shelf", "problem": "Parts are hard to find.", "proposal": "Label the bins."}
RATIONALE = "We will revisit this when the warehouse moves next year."


async def submit(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/ideas", json={**IDEA, **overrides})
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def move(caller: Caller, idea_id: str, stage: str, rationale: str | None = None) -> httpx.Response:
    etag = (await caller.get(f"/v1/ideas/{idea_id}")).headers["etag"]
    body = {"stage": stage, **({"rationale": rationale} if rationale is not None else {})}
    return await caller.post(f"/v1/ideas/{idea_id}/stage", json=body, headers={"If-Match": etag})


def colleague(caller_factory: Callable[..., Caller], caller: Caller, *roles: str) -> Caller:
    return caller_factory(*roles, organization_id=caller.identity.organization_id)


async def test_a_manager_moves_an_idea_along_the_funnel_and_history_records_each_move(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller)
    manager = colleague(caller_factory, caller, "manager")

    for stage in ("screening", "backlog", "experimenting", "adopted"):
        response = await move(manager, idea["id"], stage)
        assert response.status_code == 200, response.text

    assert response.headers["etag"] == '"5"'
    assert (await caller.get(f"/v1/ideas/{idea['id']}")).json()["stage"] == "adopted"
    history = (await caller.get(f"/v1/ideas/{idea['id']}/history")).json()["items"]
    moves = [(change["from_stage"], change["to_stage"]) for change in history]
    assert moves == [
        ("submitted", "screening"),
        ("screening", "backlog"),
        ("backlog", "experimenting"),
        ("experimenting", "adopted"),
    ]
    assert {change["actor_role"] for change in history} == {"manager"}
    assert manager.identity.principal_id not in str(history)


async def test_an_illegal_move_is_a_conflict_listing_the_allowed_targets(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller)
    manager = colleague(caller_factory, caller, "manager")

    response = await move(manager, idea["id"], "adopted")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["allowed"] == ["screening", "backlog", "parked", "rejected"]
    assert (await caller.get(f"/v1/ideas/{idea['id']}")).json()["stage"] == "submitted"
    assert (await caller.get(f"/v1/ideas/{idea['id']}/history")).json()["items"] == []


async def test_parking_needs_a_rationale_the_submitter_then_reads(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller, anonymous=True)
    manager = colleague(caller_factory, caller, "manager")

    missing = await move(manager, idea["id"], "parked")
    too_short = await move(manager, idea["id"], "rejected", rationale="No.")
    parked = await move(manager, idea["id"], "parked", rationale=RATIONALE)

    assert missing.status_code == too_short.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "/body/rationale"
    assert parked.status_code == 200
    history = (await caller.get(f"/v1/ideas/{idea['id']}/history")).json()["items"]
    assert [(change["to_stage"], change["rationale"]) for change in history] == [("parked", RATIONALE)]


async def test_reviewers_triage_but_only_managers_make_the_other_moves(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    reviewer = colleague(caller_factory, caller, "reviewer")
    first, second = await submit(caller), await submit(caller)

    assert (await move(caller, first["id"], "screening")).status_code == 403
    assert (await move(reviewer, first["id"], "rejected", RATIONALE)).status_code == 403
    assert (await move(reviewer, first["id"], "screening")).status_code == 200
    assert (await move(reviewer, first["id"], "backlog")).status_code == 200
    assert (await move(reviewer, first["id"], "experimenting")).status_code == 403
    assert (await move(reviewer, first["id"], "parked", RATIONALE)).status_code == 200
    assert (await move(reviewer, first["id"], "screening")).status_code == 403
    assert (await move(reviewer, second["id"], "backlog")).status_code == 200
    assert (await move(reviewer, second["id"], "rejected", RATIONALE)).status_code == 200
    history = (await caller.get(f"/v1/ideas/{first['id']}/history")).json()["items"]
    assert [change["actor_role"] for change in history] == ["reviewer"] * 3


async def test_a_move_needs_the_current_etag(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    idea = await submit(caller)
    manager = colleague(caller_factory, caller, "manager")
    url = f"/v1/ideas/{idea['id']}/stage"

    missing = await manager.post(url, json={"stage": "screening"})
    stale = await manager.post(url, json={"stage": "screening"}, headers={"If-Match": '"7"'})

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert (await caller.get(f"/v1/ideas/{idea['id']}")).json()["stage"] == "submitted"


async def test_another_organisations_idea_cannot_be_moved_or_its_history_read(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await submit(caller)
    stranger = caller_factory("manager")

    moved = await stranger.post(f"/v1/ideas/{idea['id']}/stage", json={"stage": "screening"}, headers={"If-Match": "*"})

    assert moved.status_code == 404
    assert (await stranger.get(f"/v1/ideas/{idea['id']}/history")).status_code == 404


async def _age(database_url: str, idea_id: str, *, created_days_ago: int) -> None:
    """Pretend an idea was submitted long ago: the API rightly offers no way to backdate one."""
    engine = create_engine(database_url)
    created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=created_days_ago)
    async with engine.begin() as connection:
        await connection.execute(update(Idea).where(Idea.id == uuid.UUID(idea_id)).values(created_at=created_at))
    await engine.dispose()


async def test_the_review_queue_lists_unanswered_open_ideas_longest_waiting_first(
    caller: Caller, caller_factory: Callable[..., Caller], database_url: str
) -> None:
    reviewer = colleague(caller_factory, caller, "reviewer")
    fresh, old, older, answered, rejected = [await submit(caller, title=f"Idea {n}") for n in range(5)]
    for idea, days in ((old, 10), (older, 20), (answered, 30), (rejected, 40)):
        await _age(database_url, idea["id"], created_days_ago=days)
    await move(reviewer, answered["id"], "screening")
    await move(colleague(caller_factory, caller, "manager"), rejected["id"], "rejected", RATIONALE)

    default = (await reviewer.get("/v1/ideas/awaiting-review")).json()["items"]
    fortnight = (await reviewer.get("/v1/ideas/awaiting-review", params={"days": 14})).json()["items"]

    assert [item["id"] for item in default] == [older["id"], old["id"]]
    assert [item["id"] for item in fortnight] == [older["id"]]
    assert fresh["id"] not in str(default)
    assert (await caller.get("/v1/ideas/awaiting-review")).status_code == 403
    assert (await caller_factory("reviewer").get("/v1/ideas/awaiting-review")).json()["items"] == []


async def test_the_review_queue_pages_through_every_waiting_idea_once(
    caller: Caller, caller_factory: Callable[..., Caller], database_url: str
) -> None:
    reviewer = colleague(caller_factory, caller, "reviewer")
    ideas = [await submit(caller, title=f"Idea {n}") for n in range(5)]
    for days, idea in enumerate(ideas, start=10):
        await _age(database_url, idea["id"], created_days_ago=days)

    seen, token = [], None
    while True:
        params = {"page_size": 2, **({"page_token": token} if token else {})}
        page = (await reviewer.get("/v1/ideas/awaiting-review", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if (token := page["next_page_token"]) is None:
            break

    assert seen == [idea["id"] for idea in reversed(ideas)]


async def test_other_methods_on_the_review_queue_are_not_allowed(caller: Caller) -> None:
    for method in ("PATCH", "DELETE", "POST"):
        response = await caller.request(method, "/v1/ideas/awaiting-review", json={})
        assert response.status_code == 405, method
