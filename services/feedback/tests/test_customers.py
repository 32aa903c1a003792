"""`/v1/customers`: upsert by the source's id, and erasure that reaches every copy of personal data."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ideaflow_feedback.feedback.erasure import mask
from ideaflow_shared.testing import Caller

ADA = {
    "name": "Ada Lovelace",
    "company": "Analytical Engines Ltd",
    "segment": "Enterprise",
    "value": {"amount": "1200.50", "currency": "EUR"},
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
}


@pytest.fixture
def manager(caller_factory: Callable[..., Caller]) -> Caller:
    return caller_factory("manager")


async def put(caller: Caller, external_id: str = "c-1", source: str = "hubspot", **fields: object) -> httpx.Response:
    return await caller.request("PUT", f"/v1/customers/{source}/{external_id}", json={**ADA, **fields})


async def test_put_creates_then_replaces_the_customer(caller: Caller) -> None:
    created = await put(caller)
    again = await put(caller)
    replaced = await put(caller, segment="smb", value=None, phone=None)

    assert created.status_code == 201
    customer = created.json()
    assert created.headers["location"] == f"/v1/customers/{customer['id']}"
    assert created.headers["etag"] == '"1"'
    assert customer["value"] == {"amount": "1200.50", "currency": "EUR"}
    assert (customer["segment"], customer["source"], customer["external_id"]) == ("enterprise", "hubspot", "c-1")
    assert (again.status_code, again.json()["version"]) == (200, 1)
    assert (replaced.status_code, replaced.json()["id"], replaced.json()["version"]) == (200, customer["id"], 2)
    assert (replaced.json()["segment"], replaced.json()["value"], replaced.json()["phone"]) == ("smb", None, None)
    assert (await caller.get(f"/v1/customers/{customer['id']}")).json() == replaced.json()
    assert (await put(caller, value={"amount": "7", "currency": "USD"})).json()["value"]["amount"] == "7.00"


async def test_put_with_a_stale_if_match_is_refused(caller: Caller) -> None:
    await put(caller)

    response = await caller.request("PUT", "/v1/customers/hubspot/c-1", json=ADA, headers={"If-Match": '"9"'})

    assert response.status_code == 412


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"value": {"amount": "12.345", "currency": "EUR"}}, "/body/value/amount"),
        ({"value": {"amount": "-1", "currency": "EUR"}}, "/body/value/amount"),
        ({"value": {"amount": 12.5, "currency": "EUR"}}, "/body/value/amount"),
        ({"value": {"amount": "1", "currency": "eur"}}, "/body/value/currency"),
        ({"email": "not-an-address"}, "/body/email"),
        ({"nickname": "x"}, "/body/nickname"),
    ],
)
async def test_invalid_customer_fields_are_refused(caller: Caller, fields: dict[str, Any], pointer: str) -> None:
    response = await put(caller, **fields)

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_customers_are_listed_by_source_and_segment_and_scoped_to_the_organisation(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    first = (await put(caller, "c-1")).json()
    second = (await put(caller, "c-2", segment="smb")).json()
    third = (await put(caller, "c-1", source="zendesk")).json()
    stranger = caller_factory()

    async def listed(who: Caller, **params: object) -> list[str]:
        return [item["id"] for item in (await who.get("/v1/customers", params=params)).json()["items"]]

    assert await listed(caller) == [third["id"], second["id"], first["id"]]
    assert await listed(caller, source="hubspot", order_by="created_at") == [first["id"], second["id"]]
    assert await listed(caller, segment="SMB") == [second["id"]]
    page = (await caller.get("/v1/customers", params={"page_size": 2})).json()
    rest = (await caller.get("/v1/customers", params={"page_token": page["next_page_token"]})).json()
    assert [item["id"] for item in page["items"] + rest["items"]] == [third["id"], second["id"], first["id"]]
    assert await listed(stranger) == []
    assert (await stranger.get(f"/v1/customers/{first['id']}")).status_code == 404


async def test_erasure_removes_personal_data_everywhere_and_keeps_the_counts(manager: Caller) -> None:
    customer = (await put(manager)).json()
    posted = await manager.post(
        "/v1/feedback",
        json={
            "text": "Ada Lovelace here (ada@example.com): please add exports. Call +44 20 7946 0000.",
            "title": "From ada@example.com",
            "channel": "email",
            "source": "hubspot",
            "customer_ref": "c-1",
        },
        headers={"Idempotency-Key": "erasure-1"},
    )
    item = posted.json()
    assert item["customer_id"] == customer["id"]

    erased = await manager.post(f"/v1/customers/{customer['id']}/erase")

    assert erased.status_code == 200
    body = erased.json()
    assert body["id"] == customer["id"]
    assert body["erased_at"] is not None
    assert [body[field] for field in ("external_id", "name", "company", "email", "phone")] == [None] * 5
    assert (body["segment"], body["value"]) == ("enterprise", ADA["value"])
    stored = (await manager.get(f"/v1/feedback/{item['id']}")).json()
    assert stored["customer_ref"] is None
    assert stored["customer_id"] == customer["id"]
    assert stored["text"] == "[erased] here ([erased]): please add exports. Call [erased]."
    assert stored["title"] == "From [erased]"
    # The item started a theme, which the engine labelled with the item's title.
    assert [theme["label"] for theme in (await manager.get("/v1/themes")).json()["items"]] == ["From [erased]"]
    listed = (await manager.get("/v1/feedback", params={"customer_id": customer["id"]})).json()["items"]
    assert [entry["id"] for entry in listed] == [item["id"]]
    assert (await manager.get("/v1/feedback", params={"customer_ref": "c-1"})).json()["items"] == []
    replay = await manager.post(
        "/v1/feedback", json={"text": "x", "channel": "email"}, headers={"Idempotency-Key": "erasure-1"}
    )
    assert "ada@example.com" not in replay.text
    assert "Ada Lovelace" not in replay.text


async def test_erasing_twice_changes_nothing_and_the_key_is_free_again(manager: Caller) -> None:
    customer = (await put(manager)).json()
    first = (await manager.post(f"/v1/customers/{customer['id']}/erase")).json()

    second = await manager.post(f"/v1/customers/{customer['id']}/erase")
    recreated = await put(manager)

    assert second.status_code == 200
    assert second.json() == first
    assert recreated.status_code == 201
    assert recreated.json()["id"] != customer["id"]


async def test_erasure_needs_the_manager_role_and_an_own_customer(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    customer = (await put(caller)).json()

    refused = await caller.post(f"/v1/customers/{customer['id']}/erase")
    foreign = await caller_factory("manager").post(f"/v1/customers/{customer['id']}/erase")
    missing = await caller_factory("admin").post(f"/v1/customers/{uuid.uuid4()}/erase")

    assert (refused.status_code, foreign.status_code, missing.status_code) == (403, 404, 404)
    assert (await caller.get(f"/v1/customers/{customer['id']}")).json()["name"] == ADA["name"]


def test_a_personal_value_is_masked_whole_never_inside_a_longer_word() -> None:
    masked = mask("Adaptive exports for Ada's team: ADA@example.com, +44 20 7946 0000.", ["Ada", "ada@example.com"])

    assert masked == "Adaptive exports for [erased]'s team: [erased], +44 20 7946 0000."
    assert mask("Call +44 20 7946 0000 today", ["+44 20 7946 0000"]) == "Call [erased] today"
