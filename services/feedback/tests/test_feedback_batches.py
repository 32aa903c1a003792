"""`/v1/feedback/batches`: many items at once, each upserted, each answered, none sinking the others."""

import asyncio
import json
import uuid
from collections.abc import Callable

from ideaflow_shared.etag import etag_for
from ideaflow_shared.testing import Caller

NDJSON = {"Content-Type": "application/x-ndjson"}


def item(n: int, **fields: object) -> dict[str, object]:
    return {
        "text": f"Item {n}: please add exports.",
        "channel": "crm",
        "source": "hubspot",
        "external_id": f"t-{n}",
        **fields,
    }


async def listed_ids(caller: Caller) -> set[str]:
    return {entry["id"] for entry in (await caller.get("/v1/feedback", params={"page_size": 100})).json()["items"]}


async def test_each_item_is_answered_created_updated_unchanged_or_error(caller: Caller) -> None:
    await caller.post("/v1/feedback", json=item(1))
    await caller.post("/v1/feedback", json=item(2))

    response = await caller.post(
        "/v1/feedback/batches",
        json=[item(0), item(1, text="Changed in the CRM."), item(2), {"channel": "crm"}, item(4, rating=9)],
    )

    assert response.status_code == 200
    result = response.json()
    assert [entry["outcome"] for entry in result["items"]] == ["created", "updated", "unchanged", "error", "error"]
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (1, 1, 1, 2)
    assert result["items"][3]["errors"][0]["pointer"] == "/3/text"
    assert result["items"][4]["errors"][0]["pointer"] == "/4/rating"
    assert result["items"][3]["id"] is None
    stored = (await caller.get(f"/v1/feedback/{result['items'][1]['id']}")).json()
    assert stored["text"] == "Changed in the CRM."
    assert len(await listed_ids(caller)) == 3


async def test_ndjson_lines_are_items_and_an_unreadable_line_is_refused_alone(caller: Caller) -> None:
    body = "\n".join([json.dumps(item(0)), "{not json", "", json.dumps(item(1, kind="bug"))]) + "\n"

    response = await caller.post("/v1/feedback/batches", content=body.encode(), headers=NDJSON)

    assert response.status_code == 200
    results = response.json()["items"]
    assert [entry["outcome"] for entry in results] == ["created", "error", "created"]
    assert results[1]["errors"][0]["pointer"] == "/1"
    assert (await caller.get(f"/v1/feedback/{results[2]['id']}")).json()["kind"] == "bug"


async def test_a_repeated_item_in_one_batch_is_stored_once(caller: Caller) -> None:
    response = await caller.post("/v1/feedback/batches", json=[item(7), item(7, text="Second say.")])

    outcomes = [entry["outcome"] for entry in response.json()["items"]]
    assert outcomes == ["created", "updated"]
    assert len(await listed_ids(caller)) == 1


async def test_the_batch_is_idempotent_by_key(caller: Caller) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    batch = [item(0), item(1)]

    first = await caller.post("/v1/feedback/batches", json=batch, headers=headers)
    again = await caller.post("/v1/feedback/batches", json=batch, headers=headers)
    other = await caller.post("/v1/feedback/batches", json=[item(2)], headers=headers)

    assert first.json()["created"] == 2
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert len(await listed_ids(caller)) == 2


async def test_numbers_beyond_64_bits_are_an_items_error_not_a_crash(caller: Caller) -> None:
    body = b'[{"text": "Hi", "channel": "crm", "rating": 123456789012345678901234567890}]'
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}

    response = await caller.post("/v1/feedback/batches", content=body, headers=headers)

    assert response.status_code == 200
    assert response.json()["items"][0]["errors"][0]["pointer"] == "/0/rating"


async def test_unreadable_or_oversized_batches_are_refused_whole(caller: Caller) -> None:
    not_a_list = await caller.post("/v1/feedback/batches", json={"text": "hi"})
    too_many = await caller.post("/v1/feedback/batches", json=[{}] * 1001)
    broken = await caller.post("/v1/feedback/batches", content=b"[{", headers={"Content-Type": "application/json"})
    wrong_type = await caller.post("/v1/feedback/batches", content=b"a,b", headers={"Content-Type": "text/csv"})

    assert (not_a_list.status_code, too_many.status_code, broken.status_code) == (422, 422, 422)
    assert not_a_list.json()["errors"][0]["pointer"] == "/body"
    assert wrong_type.status_code == 415
    assert wrong_type.headers["content-type"] == "application/problem+json"
    assert await listed_ids(caller) == set()


async def test_a_batch_mixing_new_updated_unchanged_invalid_and_repeated_items_answers_as_if_posted_one_by_one(
    caller: Caller,
) -> None:
    stored = (await caller.post("/v1/feedback", json=item(1, received_at="2026-01-05T10:00:00Z"))).json()
    await caller.post("/v1/feedback", json=item(2))
    batch = [
        item(0),  # new
        item(1, text="Changed once."),  # stored: updated
        item(5, text="First say."),  # new
        item(1, text="Changed once."),  # the same again: unchanged
        {"text": "", "channel": "crm"},  # invalid
        item(5, text="Second say.", received_at="2026-02-01T08:00:00Z"),  # new in this batch: updated
        item(2),  # stored, same: unchanged
        item(1, text="Changed twice."),  # updated again
        item(5, text="Second say."),  # unchanged: an omitted received_at keeps the one sent
    ]

    result = (await caller.post("/v1/feedback/batches", json=batch)).json()

    outcomes = [entry["outcome"] for entry in result["items"]]
    assert outcomes == [
        "created", "updated", "created", "unchanged", "error", "updated", "unchanged", "updated", "unchanged"
    ]  # fmt: skip
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (2, 3, 3, 1)
    assert result["items"][4]["errors"][0]["pointer"] == "/4/text"
    ids = [entry["id"] for entry in result["items"]]
    assert ids[1] == ids[3] == ids[7] == stored["id"]
    assert ids[2] == ids[5] == ids[8] != ids[0]
    first = (await caller.get(f"/v1/feedback/{stored['id']}")).json()
    assert (first["text"], first["version"], first["received_at"]) == ("Changed twice.", 3, "2026-01-05T10:00:00Z")
    fifth = (await caller.get(f"/v1/feedback/{ids[2]}")).json()
    assert (fifth["text"], fifth["version"], fifth["received_at"]) == ("Second say.", 2, "2026-02-01T08:00:00Z")
    assert fifth["created_at"] == fifth["updated_at"]
    assert len(await listed_ids(caller)) == 4


async def test_a_batch_keeps_peoples_triage_of_the_items_it_updates(caller_factory: Callable[..., Caller]) -> None:
    manager = caller_factory("manager")
    created = (await manager.post("/v1/feedback", json=item(1))).json()
    triaged = await manager.post(
        f"/v1/feedback/{created['id']}/status", json={"status": "triaged"}, headers={"If-Match": etag_for(1)}
    )
    assert triaged.status_code == 200

    result = (await manager.post("/v1/feedback/batches", json=[item(1, text="Resent with an edit.")])).json()

    assert result["items"][0]["outcome"] == "updated"
    stored = (await manager.get(f"/v1/feedback/{created['id']}")).json()
    assert (stored["status"], stored["text"], stored["version"]) == ("triaged", "Resent with an edit.", 3)


async def test_customers_named_in_a_batch_are_created_once_and_shared(caller: Caller) -> None:
    await caller.request("PUT", "/v1/customers/hubspot/c-1", json={"name": "Ada", "company": "Acme"})
    batch = [item(n, customer_ref=f"c-{n % 2}") for n in range(4)] + [item(9, customer_ref="c-1", source="zendesk")]

    result = (await caller.post("/v1/feedback/batches", json=batch)).json()

    items = [(await caller.get(f"/v1/feedback/{entry['id']}")).json() for entry in result["items"]]
    customers = (await caller.get("/v1/customers", params={"page_size": 100})).json()["items"]
    by_key = {(customer["source"], customer["external_id"]): customer for customer in customers}
    assert set(by_key) == {("hubspot", "c-0"), ("hubspot", "c-1"), ("zendesk", "c-1")}
    assert by_key["hubspot", "c-1"]["name"] == "Ada"
    assert [entry["customer_id"] for entry in items] == [
        by_key[key]["id"]
        for key in [("hubspot", "c-0"), ("hubspot", "c-1"), ("hubspot", "c-0"), ("hubspot", "c-1"), ("zendesk", "c-1")]
    ]


async def test_concurrent_batches_naming_the_same_items_and_customers_store_each_once(caller: Caller) -> None:
    batches = [[item(n, text=f"Say {copy}", customer_ref=f"c-{n}") for n in range(20)] for copy in range(3)]

    responses = await asyncio.gather(*(caller.post("/v1/feedback/batches", json=batch) for batch in batches))

    assert [response.status_code for response in responses] == [200, 200, 200]
    results = [response.json() for response in responses]
    assert sum(result["created"] for result in results) == 20
    assert sum(result["updated"] for result in results) == 40
    assert len({entry["id"] for result in results for entry in result["items"]}) == 20
    assert len(await listed_ids(caller)) == 20
    customers = (await caller.get("/v1/customers", params={"page_size": 100})).json()["items"]
    assert len(customers) == 20


async def test_every_new_item_of_a_batch_is_placed_in_a_theme(caller: Caller) -> None:
    texts = ["Please add a dark mode to the app.", "Dark mode please, my eyes hurt at night.", "Export to CSV fails."]

    result = (
        await caller.post("/v1/feedback/batches", json=[item(n, text=text) for n, text in enumerate(texts)])
    ).json()

    themes = (await caller.get("/v1/themes", params={"page_size": 100})).json()["items"]
    assert sum(theme["item_count"] for theme in themes) == 3
    assert result["created"] == 3


async def test_a_full_batch_of_1000_items_with_1000_customers_is_stored(caller: Caller) -> None:
    batch = [item(n, text=f"Item {n} of a full batch.", customer_ref=f"c-{n}", rating=1 + n % 5) for n in range(1000)]

    response = await caller.post("/v1/feedback/batches", json=batch)

    assert response.status_code == 200
    assert response.json()["created"] == 1000
    last = (await caller.get(f"/v1/feedback/{response.json()['items'][999]['id']}")).json()
    assert (last["text"], last["rating"], last["customer_ref"]) == ("Item 999 of a full batch.", 5, "c-999")
