"""Analytics on a known data set: every figure below is computed by hand from the story it tells."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from ideaflow_ideas.ideas.models import Idea
from ideaflow_ideas.stages import service as stages_service
from ideaflow_ideas.stages.models import StageChange
from ideaflow_shared.db import create_engine
from ideaflow_shared.testing import Caller

CHALLENGE = {
    "title": "Faster deliveries",
    "focus_question": "How might we deliver regular orders a day sooner?",
    "opens_at": "2026-12-01T08:00:00Z",
    "closes_at": "2026-12-15T17:00:00Z",
}
IDEA = {"title": "Pack the night before", "problem": "Packing starts late.", "proposal": "Pack at 18:00."}
RATIONALE = "Customers would not notice the difference at all."
# Submission time of the period's ideas; every other time below is in hours after it.
T0 = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=30)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


class Story:
    """One organisation's ideas, comments, votes and moves, with the times rewritten as told."""

    def __init__(self, caller_factory: Callable[..., Caller], database_url: str) -> None:
        self.manager = caller_factory("manager")
        org = self.manager.identity.organization_id
        self.reviewer = caller_factory("reviewer", organization_id=org)
        self.alice, self.bob, self.carol, self.dave = (
            caller_factory("employee", organization_id=org) for _ in range(4)
        )
        self.outsider = caller_factory("manager")
        self.database_url = database_url
        self.times: list[tuple[str, dict[str, dt.datetime]]] = []
        self.moves: list[tuple[str, str, dt.datetime]] = []

    async def submit(self, author: Caller, created_at: dt.datetime, **fields: object) -> str:
        response = await author.post("/v1/ideas", json={**IDEA, **fields})
        assert response.status_code == 201, response.text
        idea_id: str = response.json()["id"]
        self.times.append((idea_id, {"created_at": created_at}))
        return idea_id

    async def move(self, idea_id: str, stage: str, changed_at: dt.datetime, mover: Caller | None = None) -> None:
        etag = (await self.manager.get(f"/v1/ideas/{idea_id}")).headers["etag"]
        body = {"stage": stage, **({"rationale": RATIONALE} if stage == "rejected" else {})}
        response = await (mover or self.manager).post(
            f"/v1/ideas/{idea_id}/stage", json=body, headers={"If-Match": etag}
        )
        assert response.status_code == 200, response.text
        self.moves.append((idea_id, stage, changed_at))

    async def comment(self, author: Caller, idea_id: str, *, anonymous: bool = False) -> None:
        body = {"kind": "build_on", "body": "And share the driver.", "anonymous": anonymous}
        response = await author.post(f"/v1/ideas/{idea_id}/comments", json=body)
        assert response.status_code == 201, response.text

    async def vote(self, voter: Caller, idea_id: str) -> None:
        response = await voter.request("PUT", f"/v1/ideas/{idea_id}/vote")
        assert response.status_code in (200, 201), response.text

    async def rewrite_times(self, extra: list[tuple[str, dict[str, dt.datetime]]]) -> None:
        """The API rightly offers no way to backdate ideas and moves; the story needs them in the past."""
        # An idea's first response is its first move unless the story tells of an earlier answer.
        first_moves: dict[str, dt.datetime] = {}
        for idea_id, _, changed_at in self.moves:
            first_moves[idea_id] = min(changed_at, first_moves.get(idea_id, changed_at))
        responses = [(idea_id, {"first_response_at": first}) for idea_id, first in first_moves.items()]
        engine = create_engine(self.database_url)
        async with engine.begin() as connection:
            for idea_id, values in [*self.times, *responses, *extra]:
                await connection.execute(update(Idea).where(Idea.id == uuid.UUID(idea_id)).values(**values))
            for idea_id, stage, changed_at in self.moves:
                await connection.execute(
                    update(StageChange)
                    .where(StageChange.idea_id == uuid.UUID(idea_id), StageChange.to_stage == stage)
                    .values(changed_at=changed_at)
                )
        await engine.dispose()


async def tell(caller_factory: Callable[..., Caller], database_url: str) -> tuple[Story, dict[str, str]]:
    story = Story(caller_factory, database_url)
    challenge = (await story.manager.post("/v1/challenges", json=CHALLENGE)).json()["id"]
    await story.manager.post(f"/v1/challenges/{challenge}/phase", json={"phase": "ideation"})
    in_challenge = {"challenge_id": challenge}
    ideas = {
        "i1": await story.submit(story.alice, at(0), department="sales", **in_challenge),
        "i2": await story.submit(story.bob, at(0), department="ops", **in_challenge),
        "i3": await story.submit(story.dave, at(0), department="it", anonymous=True, **in_challenge),
        "i4": await story.submit(story.alice, at(0), department="sales"),
        "i5": await story.submit(story.carol, at(0)),
        "old": await story.submit(story.alice, T0 - dt.timedelta(days=20), department="sales"),
    }
    foreign = await story.submit(story.outsider, at(0), department="sales")
    await story.move(ideas["i1"], "screening", at(24), mover=story.reviewer)
    await story.move(ideas["i1"], "backlog", at(72))
    await story.move(ideas["i1"], "experimenting", at(120))
    await story.move(ideas["i2"], "screening", at(48))
    await story.move(ideas["i2"], "rejected", at(60))
    await story.move(ideas["i4"], "screening", at(240))
    await story.move(ideas["old"], "screening", at(1))
    etag = (await story.outsider.get(f"/v1/ideas/{foreign}")).headers["etag"]
    await story.outsider.post(f"/v1/ideas/{foreign}/stage", json={"stage": "screening"}, headers={"If-Match": etag})

    await story.comment(story.reviewer, ideas["i3"])  # the reviewer's answer to i3, at hour 12 below
    await story.comment(story.alice, ideas["i2"])
    await story.comment(story.dave, ideas["i1"], anonymous=True)
    await story.comment(story.bob, ideas["old"])  # an old idea, but a comment written in the period
    await story.comment(story.outsider, foreign)
    for voter, idea in ((story.alice, "i2"), (story.bob, "i1"), (story.dave, "i1"), (story.dave, "i3")):
        await story.vote(voter, ideas[idea])
    await story.vote(story.outsider, foreign)
    await story.rewrite_times([(ideas["i3"], {"last_response_at": at(12), "first_response_at": at(12)})])
    return story, {**ideas, "challenge": challenge}


async def report(caller: Caller, **params: object) -> dict[str, Any]:
    query = {"from": (T0 - dt.timedelta(days=1)).isoformat(), **params}
    response = await caller.get("/v1/ideas/analytics", params=query)
    assert response.status_code == 200, response.text
    analytics: dict[str, Any] = response.json()
    return analytics


def by_stage(entries: list[dict[str, Any]], field: str) -> dict[str, object]:
    return {entry["stage"]: entry[field] for entry in entries if entry[field] not in (None, 0)}


async def test_the_report_on_a_known_organisation_matches_the_figures_computed_by_hand(
    caller_factory: Callable[..., Caller], database_url: str
) -> None:
    story, ids = await tell(caller_factory, database_url)

    figures = await report(story.reviewer)

    assert figures["participation"] == {
        "submitters": 3,
        "ideas": 5,
        "anonymous_ideas": 1,
        "commenters": 3,
        "anonymous_comments": 1,
        "voters": 3,
        "votes": 4,
        "by_department": [
            {"department": "it", "submitters": 0, "ideas": 1, "anonymous_ideas": 1},
            {"department": "ops", "submitters": 1, "ideas": 1, "anonymous_ideas": 0},
            {"department": "sales", "submitters": 1, "ideas": 2, "anonymous_ideas": 0},
            {"department": None, "submitters": 1, "ideas": 1, "anonymous_ideas": 0},
        ],
    }
    funnel = figures["funnel"]
    assert by_stage(funnel["stages"], "current") == {
        "submitted": 2,
        "screening": 1,
        "experimenting": 1,
        "rejected": 1,
    }
    assert by_stage(funnel["stages"], "reached") == {"submitted": 5, "screening": 3, "backlog": 1, "experimenting": 1}
    assert [(c["from_stage"], c["to_stage"], c["rate"]) for c in funnel["conversions"]] == [
        ("submitted", "screening", 0.6),
        ("screening", "backlog", 0.3333),
        ("backlog", "experimenting", 1.0),
        ("experimenting", "adopted", 0.0),
    ]
    assert by_stage(figures["time_in_stage"], "median_hours") == {"submitted": 48.0, "screening": 30.0, "backlog": 48.0}
    assert by_stage(figures["time_in_stage"], "stays") == {"submitted": 3, "screening": 2, "backlog": 1}
    assert figures["responsiveness"] == {
        "ideas": 5,
        "answered": 4,
        "median_hours_to_first_response": 36.0,
        "answered_within_days": 7,
        "answered_within_share": 0.6,
    }
    assert figures["challenges"] == [
        {
            "challenge_id": ids["challenge"],
            "departments": 3,
            "ideas": 3,
            "votes": 4,
            "dots": 0,
            "by_department": [
                {"department": "it", "ideas": 1, "votes": 1, "dots": 0},
                {"department": "ops", "ideas": 1, "votes": 1, "dots": 0},
                {"department": "sales", "ideas": 1, "votes": 2, "dots": 0},
            ],
        }
    ]

    within_ten_days = await report(story.manager, answered_within_days=10)
    assert within_ten_days["responsiveness"]["answered_within_share"] == 0.8

    sales = await report(story.manager, department="sales")
    assert sales["participation"]["submitters"] == 1
    assert (sales["participation"]["voters"], sales["participation"]["votes"]) == (2, 2)
    assert sales["responsiveness"]["median_hours_to_first_response"] == 132.0
    assert by_stage(sales["funnel"]["stages"], "reached") == {
        "submitted": 2,
        "screening": 2,
        "backlog": 1,
        "experimenting": 1,
    }

    challenge = await report(story.manager, challenge_id=ids["challenge"])
    assert challenge["participation"]["ideas"] == 3
    assert challenge["responsiveness"]["median_hours_to_first_response"] == 24.0

    earlier = await report(story.manager, to=(T0 - dt.timedelta(hours=1)).isoformat())
    assert earlier["participation"]["ideas"] == 0
    assert earlier["responsiveness"]["answered_within_share"] is None


async def test_time_to_first_response_keeps_a_reviewer_comment_that_later_answers_overwrote(
    caller_factory: Callable[..., Caller], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = Story(caller_factory, database_url)
    org = story.manager.identity.organization_id
    idea_id = await story.submit(story.alice, at(0))
    await story.rewrite_times([])
    clock = [at(6)]
    monkeypatch.setattr(stages_service, "utcnow", lambda: clock[0])

    await story.comment(story.reviewer, idea_id)  # answered after 6 hours
    clock[0] = at(30)
    await story.comment(caller_factory("reviewer", organization_id=org), idea_id)
    clock[0] = at(100)
    await story.move(idea_id, "screening", at(100))

    responsiveness = (await report(story.manager))["responsiveness"]
    assert responsiveness["answered"] == 1
    assert responsiveness["median_hours_to_first_response"] == 6.0


async def test_analytics_are_for_reviewers_managers_and_admins(caller_factory: Callable[..., Caller]) -> None:
    employee = caller_factory("employee")
    refused = await employee.get("/v1/ideas/analytics")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    for role in ("reviewer", "manager", "admin"):
        assert (await caller_factory(role).get("/v1/ideas/analytics")).status_code == 200


async def test_a_period_that_ends_before_it_starts_is_empty(
    caller_factory: Callable[..., Caller], database_url: str
) -> None:
    story, _ = await tell(caller_factory, database_url)
    figures = await report(story.manager, **{"from": at(1).isoformat(), "to": at(0).isoformat()})
    assert figures["participation"]["ideas"] == figures["participation"]["votes"] == 0
    assert figures["responsiveness"]["median_hours_to_first_response"] is None
    assert figures["funnel"]["conversions"][0]["rate"] is None


async def test_other_methods_on_the_analytics_path_are_not_allowed(caller_factory: Callable[..., Caller]) -> None:
    response: httpx.Response = await caller_factory("manager").request("PATCH", "/v1/ideas/analytics")
    assert response.status_code == 405
