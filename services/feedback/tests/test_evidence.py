"""Feedback as evidence for ideas: links checked with the real ideas service, evidence and demand ranking."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ideaflow_feedback.main import create_app
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_ideas.main import create_app as create_ideas_app
from ideaflow_ideas.settings import IdeasSettings
from ideaflow_shared.identity import Identity
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, free_port, fresh_database_url, new_identity, served

IDEA = {"title": "Dark mode", "problem": "The white UI glares at night.", "proposal": "Offer a dark theme."}
DARK = [
    "Dark mode please, the white background hurts my eyes at night.",
    "Please add a dark mode, the bright white screen hurts at night.",
    "A dark mode for night shifts please, white hurts the eyes.",
]


@pytest.fixture(scope="module")
async def ideas_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The real ideas service, served over HTTP by uvicorn in this event loop."""
    settings = IdeasSettings(
        environment="development",
        database_url=await fresh_database_url("ideaflow_test_feedback_ideas", tmp_path_factory.mktemp("ideas")),
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        log_level="warning",
    )
    async with served(create_ideas_app(settings)) as url:
        yield url


@asynccontextmanager
async def _feedback_client(database_url: str, ideas_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = FeedbackSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        ideas_url=ideas_url,
        ideas_timeout_seconds=2,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://feedback") as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def linked_client(database_url: str, ideas_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _feedback_client(database_url, ideas_url) as client:
        yield client


@pytest.fixture(scope="module")
async def client_without_ideas(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second feedback process on the same database, whose ideas service is down."""
    async with _feedback_client(database_url, f"http://127.0.0.1:{free_port()}") as client:
        yield client


@pytest.fixture
def manager(linked_client: httpx.AsyncClient) -> Caller:
    return Caller(linked_client, new_identity("manager"))


@pytest.fixture
async def submit_idea(ideas_url: str) -> AsyncIterator[Callable[[Identity], Any]]:
    async with httpx.AsyncClient(base_url=ideas_url) as client:

        async def submit(identity: Identity) -> str:
            response = await Caller(client, identity).post("/v1/ideas", json=IDEA)
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        yield submit


async def post(caller: Caller, text: str, **fields: object) -> dict[str, Any]:
    response = await caller.post("/v1/feedback", json={"text": text, "channel": "email", **fields})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def set_value(caller: Caller, customer_ref: str, amount: str, currency: str = "EUR") -> None:
    response = await caller.request(
        "PUT",
        f"/v1/customers/api/{customer_ref}",
        json={"name": customer_ref, "value": {"amount": amount, "currency": currency}},
    )
    assert response.status_code in (200, 201), response.text


async def link(
    caller: Caller, *, feedback_id: str | None = None, theme_id: str | None = None, **body: object
) -> httpx.Response:
    path = f"/v1/feedback/{feedback_id}/idea-links" if feedback_id else f"/v1/themes/{theme_id}/idea-links"
    return await caller.post(path, json=body)


async def test_linking_an_item_checks_the_idea_and_marks_the_item_linked(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    idea_id = await submit_idea(manager.identity)
    item = await post(manager, DARK[0])

    created = await link(manager, idea_id=idea_id, feedback_id=item["id"], importance="critical", note="Blocks rollout")
    again = await link(manager, idea_id=idea_id, feedback_id=item["id"])

    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/feedback/ideas/links/{body['id']}"
    assert (body["importance"], body["note"]) == ("critical", "Blocks rollout")
    assert (await manager.get(f"/v1/feedback/{item['id']}")).json()["status"] == "linked"
    assert again.status_code == 409
    assert again.json()["existing_id"] == body["id"]


async def test_unknown_or_foreign_idea_is_a_422_and_ideas_down_is_a_503(
    manager: Caller,
    submit_idea: Callable[[Identity], Any],
    client_without_ideas: httpx.AsyncClient,
) -> None:
    item = await post(manager, DARK[0])
    foreign_idea = await submit_idea(new_identity("employee"))

    unknown = await link(manager, idea_id=foreign_idea, feedback_id=item["id"])
    down = await link(Caller(client_without_ideas, manager.identity), idea_id=foreign_idea, feedback_id=item["id"])
    missing_item = await link(manager, idea_id=foreign_idea, feedback_id=str(uuid.uuid4()))

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/body/idea_id"
    assert down.status_code == 503
    assert missing_item.status_code == 404
    assert (await manager.get("/v1/feedback/ideas/links")).json()["items"] == []


async def test_linking_needs_the_manager_role(
    linked_client: httpx.AsyncClient, manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    member = Caller(linked_client, new_identity(organization_id=manager.identity.organization_id))
    item = await post(manager, DARK[0])

    response = await link(member, idea_id=await submit_idea(manager.identity), feedback_id=item["id"])

    assert response.status_code == 403


async def test_evidence_counts_direct_and_theme_links_customers_value_and_quotes(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    idea_id = await submit_idea(manager.identity)
    await set_value(manager, "acme", "1000.00")
    await set_value(manager, "globex", "250.00")
    dark = [
        await post(manager, DARK[0], customer_ref="acme"),
        await post(manager, DARK[1], customer_ref="globex"),
        await post(manager, DARK[2], customer_ref="acme"),
    ]
    theme_id = (await manager.get(f"/v1/themes/{(await theme_of(manager, dark[0]['id']))}")).json()["id"]

    assert (await link(manager, idea_id=idea_id, theme_id=theme_id, importance="important")).status_code == 201
    assert (await link(manager, idea_id=idea_id, feedback_id=dark[1]["id"], importance="critical")).status_code == 201
    later = await post(manager, "Dark mode please, white hurts my eyes at night!", customer_ref="initech")

    evidence = (await manager.get(f"/v1/feedback/ideas/{idea_id}/evidence")).json()

    assert evidence["item_count"] == 4
    assert evidence["customer_count"] == 3
    assert evidence["customer_value"] == [{"amount": "1250.00", "currency": "EUR"}]
    assert evidence["importance"] == {"nice_to_have": 0, "important": 3, "critical": 1}
    assert evidence["quotes"][0]["feedback_id"] == dark[1]["id"]
    assert later["id"] in {quote["feedback_id"] for quote in evidence["quotes"]}
    empty = (await manager.get(f"/v1/feedback/ideas/{await submit_idea(manager.identity)}/evidence")).json()
    assert empty["item_count"] == 0


async def test_demand_ranks_ideas_by_customer_value_times_importance(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    small, big, critical = [await submit_idea(manager.identity) for _ in range(3)]
    await set_value(manager, "acme", "1000.00")
    await set_value(manager, "tiny", "10.00")
    a = await post(manager, DARK[0], customer_ref="acme")
    b = await post(manager, "Please add CSV export of orders.", customer_ref="tiny")
    await link(manager, idea_id=big, feedback_id=a["id"], importance="nice_to_have")
    await link(manager, idea_id=small, feedback_id=b["id"], importance="nice_to_have")
    await link(manager, idea_id=critical, feedback_id=a["id"], importance="critical")

    ranking = (await manager.get("/v1/feedback/ideas/demand", params={"currency": "EUR"})).json()["items"]
    in_dollars = (await manager.get("/v1/feedback/ideas/demand", params={"currency": "USD"})).json()["items"]

    assert [row["idea_id"] for row in ranking] == [critical, big, small]
    assert [row["weighted_value"] for row in ranking] == [300_000, 100_000, 1_000]
    assert {row["weighted_value"] for row in in_dollars} == {0}


async def test_links_change_with_if_match_and_are_private_to_the_organisation(
    manager: Caller, submit_idea: Callable[[Identity], Any], linked_client: httpx.AsyncClient
) -> None:
    item = await post(manager, DARK[0])
    created = (await link(manager, idea_id=await submit_idea(manager.identity), feedback_id=item["id"])).json()
    url = f"/v1/feedback/ideas/links/{created['id']}"

    assert (await manager.patch(url, json={"importance": "critical"})).status_code == 428
    changed = await manager.patch(url, json={"importance": "critical"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.json()["importance"] == "critical"
    assert (await Caller(linked_client, new_identity("manager")).get(url)).status_code == 404
    assert (await manager.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await manager.get(url)).status_code == 404


async def theme_of(caller: Caller, feedback_id: str) -> str:
    for theme in (await caller.get("/v1/themes", params={"page_size": 100})).json()["items"]:
        items = (await caller.get(f"/v1/themes/{theme['id']}/items", params={"page_size": 100})).json()["items"]
        if any(item["feedback_id"] == feedback_id for item in items):
            return str(theme["id"])
    raise AssertionError(f"{feedback_id} is in no theme")


async def test_shipping_an_idea_addresses_its_feedback_and_notified_customers_close_the_loop(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    idea_id = await submit_idea(manager.identity)
    await set_value(manager, "acme", "10.00")
    acme = await post(manager, DARK[0], customer_ref="acme")
    globex = await post(manager, DARK[1], customer_ref="globex")
    archived = await post(manager, DARK[2], customer_ref="initech")
    for item in (acme, globex, archived):
        assert (await link(manager, idea_id=idea_id, feedback_id=item["id"])).status_code == 201
    etag = (await manager.get(f"/v1/feedback/{archived['id']}")).headers["etag"]
    archiving = await manager.post(
        f"/v1/feedback/{archived['id']}/status", json={"status": "archived"}, headers={"If-Match": etag}
    )
    assert archiving.status_code == 200, archiving.text

    shipped = await manager.post(f"/v1/feedback/ideas/{idea_id}/shipped")
    repeated = await manager.post(f"/v1/feedback/ideas/{idea_id}/shipped")
    to_notify = (await manager.get(f"/v1/feedback/ideas/{idea_id}/customers-to-notify")).json()["customers"]

    assert shipped.status_code == 200, shipped.text
    assert set(shipped.json()["feedback_ids"]) == {acme["id"], globex["id"]}
    assert repeated.json()["feedback_ids"] == []
    assert (await manager.get(f"/v1/feedback/{acme['id']}")).json()["status"] == "addressed"
    assert (await manager.get(f"/v1/feedback/{archived['id']}")).json()["status"] == "archived"
    assert {(entry["source"], entry["external_id"]) for entry in to_notify} == {("api", "acme"), ("api", "globex")}

    acme_id = next(entry["customer_id"] for entry in to_notify if entry["external_id"] == "acme")
    notified = await manager.post(f"/v1/feedback/ideas/{idea_id}/customers-notified", json={"customer_ids": [acme_id]})

    assert notified.json()["feedback_ids"] == [acme["id"]]
    assert (await manager.get(f"/v1/feedback/{acme['id']}")).json()["status"] == "loop_closed"
    left = (await manager.get(f"/v1/feedback/ideas/{idea_id}/customers-to-notify")).json()["customers"]
    assert [entry["external_id"] for entry in left] == ["globex"]


async def test_shipping_an_unknown_idea_is_not_found_and_needs_a_manager(
    linked_client: httpx.AsyncClient, manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    member = Caller(linked_client, new_identity(organization_id=manager.identity.organization_id))

    unknown = await manager.post(f"/v1/feedback/ideas/{await submit_idea(new_identity('employee'))}/shipped")
    forbidden = await member.post(f"/v1/feedback/ideas/{await submit_idea(manager.identity)}/shipped")

    assert unknown.status_code == 404
    assert forbidden.status_code == 403


async def test_a_linked_theme_merged_into_another_stays_evidence_for_its_idea(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    idea_id = await submit_idea(manager.identity)
    export = await post(manager, "Please add CSV export of the order history for our accountant.")
    dark = await post(manager, DARK[0])
    source, target = await theme_of(manager, export["id"]), await theme_of(manager, dark["id"])
    assert (await link(manager, idea_id=idea_id, theme_id=source)).status_code == 201

    merged = await manager.post(f"/v1/themes/{target}/merge", json={"theme_ids": [source]})

    assert merged.status_code == 200
    links = (await manager.get("/v1/feedback/ideas/links", params={"idea_id": idea_id})).json()["items"]
    assert [entry["theme_id"] for entry in links] == [target]
    assert (await manager.get(f"/v1/feedback/ideas/{idea_id}/evidence")).json()["item_count"] == 2


async def test_a_merged_items_idea_links_move_to_the_item_that_stays(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    both, only_duplicate = await submit_idea(manager.identity), await submit_idea(manager.identity)
    kept = await post(manager, DARK[0], customer_ref="acme")
    duplicate = await post(manager, DARK[0], customer_ref="acme")
    assert (await link(manager, idea_id=both, feedback_id=kept["id"], importance="nice_to_have")).status_code == 201
    on_duplicate = await link(manager, idea_id=both, feedback_id=duplicate["id"], importance="critical", note="Call")
    assert on_duplicate.status_code == 201
    moving = await link(manager, idea_id=only_duplicate, feedback_id=duplicate["id"], importance="important")
    assert moving.status_code == 201
    etag = (await manager.get(f"/v1/feedback/{duplicate['id']}")).headers["etag"]

    merged = await manager.post(
        f"/v1/feedback/{duplicate['id']}/merge", json={"into_id": kept["id"]}, headers={"If-Match": etag}
    )

    assert merged.status_code == 200, merged.text
    links = (await manager.get("/v1/feedback/ideas/links", params={"feedback_id": kept["id"]})).json()["items"]
    assert {entry["idea_id"]: (entry["importance"], entry["note"]) for entry in links} == {
        both: ("critical", "Call"),
        only_duplicate: ("important", None),
    }
    assert (await manager.get(f"/v1/feedback/ideas/links/{moving.json()['id']}")).json()["feedback_id"] == kept["id"]
    assert (await manager.get(f"/v1/feedback/ideas/links/{on_duplicate.json()['id']}")).status_code == 404
    assert (await manager.get("/v1/feedback/ideas/links", params={"feedback_id": duplicate["id"]})).json()[
        "items"
    ] == []
    assert (await manager.get(f"/v1/feedback/{kept['id']}")).json()["status"] == "linked"
    evidence = (await manager.get(f"/v1/feedback/ideas/{both}/evidence")).json()
    assert (evidence["item_count"], evidence["customer_count"]) == (1, 1)
    assert evidence["importance"] == {"nice_to_have": 0, "important": 0, "critical": 1}


async def test_erasing_a_customer_masks_them_in_link_notes_and_theme_labels(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    await set_value(manager, "acme", "100.00")  # the customer is named "acme"
    item = await post(manager, "acme here: " + DARK[0], customer_ref="acme")
    note = "Acme's CTO raised it twice"
    linked = await link(manager, idea_id=await submit_idea(manager.identity), feedback_id=item["id"], note=note)
    customer_id = item["customer_id"]

    erased = await manager.post(f"/v1/customers/{customer_id}/erase")

    assert erased.status_code == 200, erased.text
    stored_link = (await manager.get(f"/v1/feedback/ideas/links/{linked.json()['id']}")).json()
    assert (stored_link["note"], stored_link["version"]) == ("[erased]'s CTO raised it twice", 2)
    labels = [theme["label"] for theme in (await manager.get("/v1/themes")).json()["items"]]
    assert labels == ["[erased] here: " + DARK[0]]


async def test_the_item_that_stays_becomes_linked_when_a_merged_items_link_moves_to_it(
    manager: Caller, submit_idea: Callable[[Identity], Any]
) -> None:
    kept = await post(manager, DARK[0], customer_ref="acme")
    duplicate = await post(manager, DARK[0], customer_ref="acme")
    linked = await link(manager, idea_id=await submit_idea(manager.identity), feedback_id=duplicate["id"])
    assert linked.status_code == 201, linked.text
    etag = (await manager.get(f"/v1/feedback/{duplicate['id']}")).headers["etag"]

    merged = await manager.post(
        f"/v1/feedback/{duplicate['id']}/merge", json={"into_id": kept["id"]}, headers={"If-Match": etag}
    )

    assert merged.status_code == 200, merged.text
    assert (kept["status"], (await manager.get(f"/v1/feedback/{kept['id']}")).json()["status"]) == ("new", "linked")
