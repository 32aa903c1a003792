"""`/v1/feedback/batches`: many items at once, each upserted, each answered, none sinking the others."""

import json
import uuid

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
