"""The experiment lifecycle and pre-registration: what a team and its managers rely on."""

from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

EXPERIMENT = {
    "title": "Repeat-order button on the order page",
    "hypothesis": "We believe that regular customers would reorder with one click.",
    "test_description": "To verify that, we will show the button to 10% of returning customers.",
    "type": "ab_test",
}


async def create(caller: Caller, idea_id: str) -> dict[str, Any]:
    response = await caller.post("/v1/experiments", json={**EXPERIMENT, "idea_id": idea_id})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def act(caller: Caller, experiment: dict[str, Any], action: str, **kwargs: Any) -> dict[str, Any]:
    response = await caller.post(f"/v1/experiments/{experiment['id']}/{action}", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    acted: dict[str, Any] = response.json()
    return acted


async def test_an_experiment_runs_from_draft_to_concluded_recording_when(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)

    started = await act(caller, experiment, "start")
    concluded = await act(caller, experiment, "conclude")

    assert started["status"] == "running"
    assert started["started_at"] is not None
    assert started["version"] == experiment["version"] + 1
    assert concluded["status"] == "concluded"
    assert concluded["concluded_at"] >= concluded["started_at"]
    assert (await caller.get(f"/v1/experiments/{experiment['id']}")).json() == concluded
    listed = (await caller.get("/v1/experiments", params={"status": "concluded"})).json()["items"]
    assert [item["id"] for item in listed] == [experiment["id"]]


async def test_illegal_moves_are_conflicts_listing_the_allowed_ones(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"

    conclude_draft = await caller.post(f"{url}/conclude")
    await act(caller, experiment, "start")
    start_again = await caller.post(f"{url}/start")
    await act(caller, experiment, "conclude")
    cancel_concluded = await caller.post(f"{url}/cancel", json={"reason": "Too late"})

    assert conclude_draft.status_code == 409
    assert conclude_draft.headers["content-type"] == "application/problem+json"
    assert conclude_draft.json()["status"] == 409
    assert conclude_draft.json()["current_status"] == "draft"
    assert conclude_draft.json()["allowed"] == ["running", "cancelled"]
    assert start_again.status_code == 409
    assert start_again.json()["allowed"] == ["concluded", "cancelled"]
    assert cancel_concluded.status_code == 409
    assert cancel_concluded.json()["allowed"] == ["decided"]
    assert (await caller.get(url)).json()["status"] == "concluded"


async def test_cancelling_needs_a_reason_and_is_final(caller: Caller, idea_id: str) -> None:
    draft = await create(caller, idea_id)
    running = await create(caller, idea_id)
    await act(caller, running, "start")

    no_reason = await caller.post(f"/v1/experiments/{draft['id']}/cancel", json={})
    blank_reason = await caller.post(f"/v1/experiments/{draft['id']}/cancel", json={"reason": "  "})
    cancelled_draft = await act(caller, draft, "cancel", json={"reason": "The supplier withdrew."})
    cancelled_running = await act(caller, running, "cancel", json={"reason": "The shop closed for works."})
    restart = await caller.post(f"/v1/experiments/{draft['id']}/start")

    assert no_reason.status_code == blank_reason.status_code == 422
    assert blank_reason.json()["errors"][0]["pointer"] == "/body/reason"
    assert cancelled_draft["status"] == "cancelled"
    assert cancelled_draft["cancellation_reason"] == "The supplier withdrew."
    assert cancelled_draft["cancelled_at"] is not None
    assert cancelled_running["cancellation_reason"] == "The shop closed for works."
    assert restart.status_code == 409
    assert restart.json()["allowed"] == []


async def test_only_the_owner_or_a_manager_moves_it_and_strangers_see_nothing(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    stranger = caller_factory("admin")

    assert (await colleague.post(f"{url}/start")).status_code == 403
    assert (await stranger.post(f"{url}/start")).status_code == 404
    assert (await manager.post(f"{url}/start")).status_code == 200
    assert (await stranger.post(f"{url}/cancel", json={"reason": "Not ours"})).status_code == 404
    assert (await caller.get(url)).json()["status"] == "running"


async def test_an_if_match_sent_with_an_action_must_be_current(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"

    stale = await caller.post(f"{url}/start", headers={"If-Match": '"7"'})
    current = await caller.post(f"{url}/start", headers={"If-Match": '"1"'})

    assert stale.status_code == 412
    assert current.status_code == 200


async def test_starting_locks_the_hypothesis_and_the_test(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    before_start = await caller.patch(url, json={"hypothesis": "We believe that X."}, headers={"If-Match": '"1"'})
    assert before_start.status_code == 200
    started = await act(caller, experiment, "start")
    etag = {"If-Match": f'"{started["version"]}"'}

    hypothesis = await caller.patch(url, json={"hypothesis": "We believe that Y."}, headers=etag)
    test = await caller.patch(url, json={"test_description": "We will ask."}, headers=etag)
    title = await caller.patch(url, json={"title": "Renamed"}, headers=etag)

    assert hypothesis.status_code == test.status_code == 409
    assert hypothesis.json()["locked_fields"] == ["hypothesis"]
    assert test.json()["locked_fields"] == ["test_description"]
    assert title.status_code == 200
    assert title.json()["hypothesis"] == "We believe that X."
    assert title.json()["amended_after_start"] is False


async def test_an_amendment_records_what_why_who_and_when_and_marks_every_read(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    started = await act(caller, experiment, "start")
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    body = {"why": "Only logged-in customers see the button.", "hypothesis": "We believe that logged-in ones do."}

    without_etag = await manager.post(f"{url}/amendments", json=body)
    response = await manager.post(f"{url}/amendments", json=body, headers={"If-Match": f'"{started["version"]}"'})

    assert without_etag.status_code == 428
    assert response.status_code == 201, response.text
    amendment = response.json()
    assert amendment["what"] == "hypothesis"
    assert amendment["why"] == body["why"]
    assert amendment["changes"] == {"hypothesis": {"from": EXPERIMENT["hypothesis"], "to": body["hypothesis"]}}
    assert amendment["amended_by"] == manager.identity.principal_id
    assert amendment["amended_at"] is not None
    assert (await caller.get(response.headers["location"])).json() == amendment
    read = await caller.get(url)
    assert response.headers["etag"] == read.headers["etag"] == f'"{started["version"] + 1}"'
    assert read.json()["hypothesis"] == body["hypothesis"]
    assert read.json()["amended_after_start"] is True
    listed = (await caller.get("/v1/experiments")).json()["items"]
    assert listed[0]["amended_after_start"] is True
    amendments = (await caller.get(f"{url}/amendments")).json()
    assert amendments == {"items": [amendment], "next_page_token": None}


async def test_amendments_are_only_for_started_experiments_that_change_something(
    caller: Caller, idea_id: str, caller_factory: Callable[..., Caller]
) -> None:
    experiment = await create(caller, idea_id)
    url = f"/v1/experiments/{experiment['id']}"
    body = {"why": "Clearer wording.", "test_description": "We will ask 20 customers."}

    draft = await caller.post(f"{url}/amendments", json=body, headers={"If-Match": '"1"'})
    started = await act(caller, experiment, "start")
    etag = {"If-Match": f'"{started["version"]}"'}
    nothing = await caller.post(f"{url}/amendments", json={"why": "No change."}, headers=etag)
    colleague = caller_factory(organization_id=caller.identity.organization_id)
    not_owner = await colleague.post(f"{url}/amendments", json=body, headers=etag)

    assert draft.status_code == 409
    assert draft.json()["allowed"] == ["running", "concluded"]
    assert nothing.status_code == 422
    assert not_owner.status_code == 403
    assert (await caller.get(f"{url}/amendments")).json()["items"] == []
    assert (await caller.get(url)).json()["amended_after_start"] is False


async def test_a_started_experiment_cannot_be_deleted(caller: Caller, idea_id: str) -> None:
    experiment = await create(caller, idea_id)
    started = await act(caller, experiment, "start")
    url = f"/v1/experiments/{experiment['id']}"

    response = await caller.delete(url, headers={"If-Match": f'"{started["version"]}"'})

    assert response.status_code == 409
    assert (await caller.get(url)).status_code == 200
