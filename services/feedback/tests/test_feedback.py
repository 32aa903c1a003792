"""`/v1/feedback`: what CRMs, helpdesks and import scripts rely on when they post and read feedback."""

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from ideaflow_shared.testing import Caller

FEEDBACK = {
    "text": "I re-type the same order every week; please let me repeat my last one.",
    "title": "Repeat orders",
    "channel": "support_ticket",
    "customer_ref": "cust-4711",
}

PROBLEM_JSON = "application/problem+json"


async def create(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/feedback", json={**FEEDBACK, **overrides})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def listed_ids(caller: Caller, **params: object) -> list[str]:
    response = await caller.get("/v1/feedback", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_created_feedback_has_location_etag_and_defaults(caller: Caller) -> None:
    before = dt.datetime.now(dt.UTC)
    response = await caller.post("/v1/feedback", json={"text": "  Checkout is slow.  ", "channel": "email"})

    assert response.status_code == 201
    item = response.json()
    assert response.headers["location"] == f"/v1/feedback/{item['id']}"
    assert response.headers["etag"] == '"1"'
    assert item["text"] == "Checkout is slow."
    assert item["source"] == "api"
    assert item["title"] is item["customer_ref"] is item["external_id"] is None
    assert item["submitted_by"] == caller.identity.principal_id
    assert item["version"] == 1
    assert before <= dt.datetime.fromisoformat(item["received_at"]) <= dt.datetime.now(dt.UTC)
    fetched = await caller.get(response.headers["location"])
    assert fetched.json() == item
    assert fetched.headers["etag"] == '"1"'


async def test_past_received_at_is_kept_and_normalised_to_utc(caller: Caller) -> None:
    item = await create(caller, received_at="2024-03-01T09:30:00.250+02:00")

    assert item["received_at"] == "2024-03-01T07:30:00.250000Z"
    assert (await caller.get(f"/v1/feedback/{item['id']}")).json()["received_at"] == item["received_at"]


async def test_idempotency_key_replays_the_first_response(caller: Caller) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    first = await caller.post("/v1/feedback", json=FEEDBACK, headers=headers)
    again = await caller.post("/v1/feedback", json=FEEDBACK, headers=headers)
    different = await caller.post("/v1/feedback", json={**FEEDBACK, "text": "Other"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert different.status_code == 422
    assert different.json()["errors"][0]["pointer"] == "/header/Idempotency-Key"
    assert await listed_ids(caller) == [first.json()["id"]]


async def test_reposted_external_id_updates_the_stored_item(caller: Caller) -> None:
    first = await create(caller, source="HubSpot", external_id="ticket-1")

    updated = await caller.post(
        "/v1/feedback", json={**FEEDBACK, "text": "Edited in the CRM", "source": "hubspot", "external_id": "ticket-1"}
    )
    unchanged = await caller.post(
        "/v1/feedback", json={**FEEDBACK, "text": "Edited in the CRM", "source": "hubspot", "external_id": "ticket-1"}
    )

    assert first["source"] == "hubspot"
    assert updated.status_code == unchanged.status_code == 200
    assert updated.json()["id"] == unchanged.json()["id"] == first["id"]
    assert updated.headers["location"] == f"/v1/feedback/{first['id']}"
    assert updated.json()["text"] == "Edited in the CRM"
    assert updated.json()["version"] == unchanged.json()["version"] == 2
    assert updated.headers["etag"] == '"2"'
    assert await listed_ids(caller) == [first["id"]]


async def test_concurrent_posts_of_one_external_id_store_one_item(caller: Caller) -> None:
    posts = [
        caller.post("/v1/feedback", json={**FEEDBACK, "text": f"Copy {n}", "source": "zendesk", "external_id": "88"})
        for n in range(5)
    ]

    responses = await asyncio.gather(*posts)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 200, 200, 201]
    assert len({response.json()["id"] for response in responses}) == 1
    assert await listed_ids(caller) == [responses[0].json()["id"]]
    stored = (await caller.get(f"/v1/feedback/{responses[0].json()['id']}")).json()
    assert stored["text"] in {f"Copy {n}" for n in range(5)}


async def test_concurrent_retries_with_one_idempotency_key_store_one_item(caller: Caller) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {**FEEDBACK, "source": "zendesk", "external_id": "retry-1"}

    responses = await asyncio.gather(*[caller.post("/v1/feedback", json=body, headers=headers) for _ in range(5)])

    answered = [response for response in responses if response.status_code != 409]
    assert answered
    assert all(response.status_code == 201 for response in answered)
    assert len({response.json()["id"] for response in answered}) == 1
    assert await listed_ids(caller) == [answered[0].json()["id"]]


async def test_external_id_is_unique_only_within_one_source_and_organisation(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    other_organisation = caller_factory()

    mine = await create(caller, source="hubspot", external_id="42")
    other_source = await create(caller, source="csv-import", external_id="42")
    theirs = await create(other_organisation, source="hubspot", external_id="42")
    without_ids = [await create(caller), await create(caller)]

    assert len({mine["id"], other_source["id"], theirs["id"]}) == 3
    assert without_ids[0]["external_id"] is without_ids[1]["external_id"] is None
    assert len(await listed_ids(caller)) == 4


async def test_invalid_feedback_is_a_problem_pointing_at_each_field(caller: Caller) -> None:
    response = await caller.post(
        "/v1/feedback",
        json={
            "text": "   ",
            "title": "t" * 201,
            "channel": "fax",
            "received_at": "2024-03-01T09:30:00",
            "source": "hub spot",
            "external_id": "a\x00b",
        },
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {
        "/body/text",
        "/body/title",
        "/body/channel",
        "/body/received_at",
        "/body/source",
        "/body/external_id",
    } <= pointers
    assert (await caller.post("/v1/feedback", json={"channel": "email"})).json()["errors"][0]["pointer"] == "/body/text"
    assert await listed_ids(caller) == []


async def test_timestamps_beyond_the_calendar_in_utc_are_refused_not_crashed(caller: Caller) -> None:
    posted = await caller.post("/v1/feedback", json={**FEEDBACK, "received_at": "0001-01-01T00:00:00+01:00"})
    listed = await caller.get("/v1/feedback", params={"received_before": "9999-12-31T23:59:59-01:00"})

    assert posted.status_code == 422
    assert posted.json()["errors"][0]["pointer"] == "/body/received_at"
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["pointer"] == "/query/received_before"


async def test_another_organisations_feedback_is_not_found(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    item = await create(caller)
    stranger = caller_factory()

    response = await stranger.get(f"/v1/feedback/{item['id']}")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 404
    assert await listed_ids(stranger) == []


async def test_list_filters_by_channel_source_customer_and_receipt_time(caller: Caller) -> None:
    old = await create(
        caller, channel="phone", source="csv-import", customer_ref="c-1", received_at="2024-01-10T08:00:00Z"
    )
    new = await create(
        caller, channel="email", source="hubspot", customer_ref="c-2", received_at="2025-06-01T08:00:00Z"
    )

    assert await listed_ids(caller, channel="phone") == [old["id"]]
    assert await listed_ids(caller, source="HubSpot") == [new["id"]]
    assert await listed_ids(caller, customer_ref="c-1") == [old["id"]]
    assert await listed_ids(caller, received_after="2025-06-01T10:00:00+02:00") == [new["id"]]
    assert await listed_ids(caller, received_before="2025-06-01T08:00:00Z") == [old["id"]]
    assert await listed_ids(caller, channel="email", source="csv-import") == []


async def test_list_orders_by_receipt_or_creation_time(caller: Caller) -> None:
    imported = await create(caller, received_at="2020-05-05T12:00:00Z")
    live = await create(caller)
    backdated = await create(caller, received_at="2023-05-05T12:00:00Z")

    assert await listed_ids(caller) == [live["id"], backdated["id"], imported["id"]]
    assert await listed_ids(caller, order_by="received_at") == [imported["id"], backdated["id"], live["id"]]
    assert await listed_ids(caller, order_by="created_at") == [imported["id"], live["id"], backdated["id"]]
    assert await listed_ids(caller, order_by="-created_at") == [backdated["id"], live["id"], imported["id"]]


async def test_list_pages_through_every_item_once_in_order(caller: Caller) -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    created = [await create(caller, received_at=(start + dt.timedelta(days=n)).isoformat()) for n in range(7)]
    await create(caller, received_at=created[3]["received_at"])  # a tie, broken by id

    for order_by in ("-received_at", "created_at"):
        seen, token = [], None
        while True:
            params = {"page_size": 3, "order_by": order_by, **({"page_token": token} if token else {})}
            page = (await caller.get("/v1/feedback", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            token = page["next_page_token"]
            if token is None:
                break
        assert seen == await listed_ids(caller, order_by=order_by, page_size=100)
        assert len(seen) == len(set(seen)) == 8


async def test_page_token_of_another_ordering_is_refused(caller: Caller) -> None:
    for _ in range(3):
        await create(caller)
    token = (await caller.get("/v1/feedback", params={"page_size": 1})).json()["next_page_token"]

    response = await caller.get("/v1/feedback", params={"page_token": token, "order_by": "created_at"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/page_token"


async def test_invalid_filters_are_problems_pointing_at_the_parameter(caller: Caller) -> None:
    response = await caller.get("/v1/feedback", params={"source": "hub spot", "received_after": "yesterday"})

    assert response.status_code == 422
    assert {error["pointer"] for error in response.json()["errors"]} == {"/query/source", "/query/received_after"}
