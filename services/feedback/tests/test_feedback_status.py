"""People triage feedback: one transition table, If-Match, roles; the themes/evidence code reuses it."""

from collections.abc import Callable
from typing import Any

import pytest

from ideaflow_feedback.feedback.models import FeedbackStatus
from ideaflow_feedback.feedback.status import TRANSITIONS
from ideaflow_shared.testing import Caller


@pytest.fixture
def manager(caller_factory: Callable[..., Caller]) -> Caller:
    return caller_factory("manager")


async def post(caller: Caller) -> dict[str, Any]:
    response = await caller.post("/v1/feedback", json={"text": "The export crashes.", "channel": "email"})
    assert response.status_code == 201
    item: dict[str, Any] = response.json()
    return item


async def move(caller: Caller, item: dict[str, Any], status: str, etag: str | None = None) -> Any:
    headers = {"If-Match": etag or f'"{item["version"]}"'}
    return await caller.post(f"/v1/feedback/{item['id']}/status", json={"status": status}, headers=headers)


def test_every_status_has_a_way_on_and_the_loop_is_reachable() -> None:
    assert set(TRANSITIONS) == set(FeedbackStatus)
    reachable, frontier = {FeedbackStatus.NEW}, [FeedbackStatus.NEW]
    while frontier:
        for target in TRANSITIONS[frontier.pop()] - reachable:
            reachable.add(target)
            frontier.append(target)
    # `merged` is reached by merging an item into another (POST /v1/feedback/{id}/merge), never by a move.
    assert reachable == set(FeedbackStatus) - {FeedbackStatus.MERGED}
    assert TRANSITIONS[FeedbackStatus.MERGED] == frozenset()


async def test_a_manager_triages_then_archives_an_item(manager: Caller) -> None:
    item = await post(manager)

    triaged = await move(manager, item, "triaged")
    archived = await move(manager, triaged.json(), "archived")

    assert triaged.status_code == archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert archived.headers["etag"] == '"3"'
    assert (await manager.get(f"/v1/feedback/{item['id']}")).json()["status"] == "archived"


async def test_an_illegal_move_is_a_conflict_listing_the_allowed_ones(manager: Caller) -> None:
    item = await post(manager)

    response = await move(manager, item, "loop_closed")

    assert response.status_code == 409
    assert response.json()["allowed"] == ["archived", "linked", "spam", "triaged"]
    assert (await manager.get(f"/v1/feedback/{item['id']}")).json()["status"] == "new"


async def test_moves_need_if_match_and_a_foreign_item_is_not_found(
    caller_factory: Callable[..., Caller], manager: Caller
) -> None:
    item = await post(manager)

    assert (await manager.post(f"/v1/feedback/{item['id']}/status", json={"status": "spam"})).status_code == 428
    assert (await move(manager, item, "spam", etag='"7"')).status_code == 412
    assert (await move(caller_factory("manager"), item, "spam")).status_code == 404


async def test_a_member_without_the_role_is_forbidden(caller_factory: Callable[..., Caller]) -> None:
    member = caller_factory()
    item = await post(member)

    response = await move(member, item, "triaged")
    patched = await member.patch(f"/v1/feedback/{item['id']}", json={"kind": "bug"}, headers={"If-Match": '"1"'})

    assert response.status_code == patched.status_code == 403


async def test_triage_corrects_the_kind_and_tags(manager: Caller) -> None:
    item = await post(manager)

    response = await manager.patch(
        f"/v1/feedback/{item['id']}", json={"kind": "complaint", "tags": ["Export"]}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["kind_suggested"], response.json()["tags"]) == (
        "complaint",
        False,
        ["export"],
    )
    assert response.headers["etag"] == '"2"'


async def test_a_resent_item_keeps_its_triage_status(manager: Caller) -> None:
    body = {"text": "Crashes.", "channel": "email", "source": "zendesk", "external_id": "t-9"}
    item = (await manager.post("/v1/feedback", json=body)).json()
    await move(manager, item, "triaged")

    resent = await manager.post("/v1/feedback", json={**body, "text": "Crashes daily."})

    assert resent.status_code == 200
    assert (resent.json()["status"], resent.json()["text"]) == ("triaged", "Crashes daily.")
