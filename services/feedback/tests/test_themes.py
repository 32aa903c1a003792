"""`/v1/themes`: feedback grouped into recurring needs as it arrives, and people's curation of those groups."""

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from ideaflow_feedback.customers.models import Customer
from ideaflow_feedback.feedback.models import Feedback, FeedbackChannel
from ideaflow_feedback.themes import repository
from ideaflow_feedback.themes.assignment import ItemToAssign, assign_themes, fingerprint
from ideaflow_feedback.themes.engine import LexicalEmbedder, Vector, normalised
from ideaflow_feedback.themes.models import Theme, ThemeAssignment, ThemeIndexKey
from ideaflow_feedback.themes.repository import DUPLICATE_CANDIDATES
from ideaflow_shared.testing import Caller, new_identity

DARK = [
    "Dark mode please, the white background hurts my eyes at night.",
    "Please add a dark mode, the bright white screen hurts at night.",
    "A dark mode for night shifts please, white hurts the eyes.",
]
EXPORT = [
    "Please add CSV export of the order history for our accountant.",
    "We need to export the order history as CSV for accounting.",
]


async def post(caller: Caller, text: str, **fields: object) -> dict[str, Any]:
    response = await caller.post("/v1/feedback", json={"text": text, "channel": "email", **fields})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def theme_of(caller: Caller, feedback_id: str) -> dict[str, Any]:
    """The theme whose items include `feedback_id`."""
    themes = (await caller.get("/v1/themes", params={"page_size": 100})).json()["items"]
    for theme in themes:
        items = (await caller.get(f"/v1/themes/{theme['id']}/items", params={"page_size": 100})).json()["items"]
        if any(item["feedback_id"] == feedback_id for item in items):
            found: dict[str, Any] = theme
            return found
    raise AssertionError(f"{feedback_id} is in no theme")


async def set_value(caller: Caller, customer_ref: str, amount: str, currency: str = "EUR") -> None:
    response = await caller.request(
        "PUT",
        f"/v1/customers/api/{customer_ref}",
        json={"name": customer_ref, "value": {"amount": amount, "currency": currency}},
    )
    assert response.status_code in (200, 201), response.text


async def test_similar_feedback_shares_a_theme_and_different_needs_do_not(caller: Caller) -> None:
    dark = [await post(caller, text) for text in DARK]
    export = [await post(caller, text) for text in EXPORT]

    dark_themes = {(await theme_of(caller, item["id"]))["id"] for item in dark}
    export_themes = {(await theme_of(caller, item["id"]))["id"] for item in export}

    assert len(dark_themes) == 1
    assert len(export_themes) == 1
    assert dark_themes != export_themes


async def test_theme_figures_count_items_customers_value_sentiment_and_time(caller: Caller) -> None:
    await set_value(caller, "acme", "1200.50")
    await set_value(caller, "globex", "300.00")
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).isoformat()
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=45)).isoformat()
    first = await post(caller, DARK[0], customer_ref="acme", received_at=old)
    await post(caller, DARK[1], customer_ref="acme", received_at=week_ago)
    await post(caller, DARK[2], customer_ref="globex")

    theme = await theme_of(caller, first["id"])

    assert theme["label"] == DARK[0]
    assert theme["item_count"] == 3
    assert theme["customer_count"] == 2
    assert theme["customer_value"] == [{"amount": "1500.50", "currency": "EUR"}]
    assert -1 <= theme["average_sentiment"] < 0
    assert theme["first_seen_at"] == first["received_at"]
    assert theme["trend"] == {"current_items": 2, "previous_items": 1, "change": 1}
    fetched = await caller.get(f"/v1/themes/{theme['id']}")
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == f'"{theme["version"]}"'


async def test_patterns_need_enough_distinct_customers_within_the_window(caller: Caller) -> None:
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=90)).isoformat()
    dark = [await post(caller, text, customer_ref=f"c{n}") for n, text in enumerate(DARK)]
    await post(caller, EXPORT[0], customer_ref="c0")
    await post(caller, EXPORT[1], customer_ref="c1", received_at=long_ago)
    dark_theme = (await theme_of(caller, dark[0]["id"]))["id"]

    async def listed(**params: object) -> list[str]:
        response = await caller.get("/v1/themes", params=params)
        assert response.status_code == 200, response.text
        return [theme["id"] for theme in response.json()["items"]]

    assert await listed(recurrence="pattern") == [dark_theme]
    assert dark_theme not in await listed(recurrence="individual")
    assert len(await listed(recurrence="individual")) == 1
    assert len(await listed(recurrence="pattern", min_customers=2, window_days=365)) == 2
    assert await listed(recurrence="pattern", min_customers=4) == []
    assert (await caller.get(f"/v1/themes/{dark_theme}", params={"min_customers": 4})).json()["recurrence"] == (
        "individual"
    )


async def test_renaming_needs_a_manager_and_if_match_and_the_label_then_stays(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    member = caller_factory(organization_id=manager.identity.organization_id)
    item = await post(manager, DARK[0])
    theme = await theme_of(manager, item["id"])
    url = f"/v1/themes/{theme['id']}"

    missing = await manager.patch(url, json={"label": "Dark mode"})
    stale = await manager.patch(url, json={"label": "Dark mode"}, headers={"If-Match": '"99"'})
    forbidden = await member.patch(url, json={"label": "Dark mode"}, headers={"If-Match": f'"{theme["version"]}"'})
    renamed = await manager.patch(url, json={"label": "Dark mode"}, headers={"If-Match": f'"{theme["version"]}"'})
    await post(manager, DARK[1])

    assert (missing.status_code, stale.status_code, forbidden.status_code) == (428, 412, 403)
    assert renamed.status_code == 200
    assert renamed.headers["etag"] == f'"{theme["version"] + 1}"'
    after = (await manager.get(url)).json()
    assert after["label"] == "Dark mode"
    assert after["item_count"] == 2


async def test_merged_themes_pool_their_items_and_attract_what_resembled_either(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    dark = await post(manager, DARK[0])
    export = await post(manager, EXPORT[0])
    target = await theme_of(manager, dark["id"])
    source = await theme_of(manager, export["id"])

    merged = await manager.post(f"/v1/themes/{target['id']}/merge", json={"theme_ids": [source["id"]]})
    later = await post(manager, EXPORT[1])

    assert merged.status_code == 200, merged.text
    assert merged.json()["item_count"] == 2
    assert (await manager.get(f"/v1/themes/{source['id']}")).json()["merged_into_id"] == target["id"]
    assert (await theme_of(manager, later["id"]))["id"] == target["id"]
    listed = [theme["id"] for theme in (await manager.get("/v1/themes")).json()["items"]]
    assert listed == [target["id"]]
    again = await manager.post(f"/v1/themes/{source['id']}/merge", json={"theme_ids": [target["id"]]})
    assert again.status_code == 409


async def test_split_seeds_a_new_theme_and_moved_items_stay_where_people_put_them(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    dark = [await post(manager, text) for text in DARK]
    theme = await theme_of(manager, dark[0]["id"])

    split = await manager.post(
        f"/v1/themes/{theme['id']}/split", json={"feedback_ids": [dark[2]["id"]], "label": "Night shifts"}
    )
    assert split.status_code == 201, split.text
    new = split.json()
    assert split.headers["location"] == f"/v1/themes/{new['id']}"
    assert (new["label"], new["item_count"]) == ("Night shifts", 1)
    assert (await manager.get(f"/v1/themes/{theme['id']}")).json()["item_count"] == 2

    moved = await manager.post(f"/v1/themes/{new['id']}/items", json={"feedback_ids": [dark[0]["id"]]})
    assert moved.status_code == 200
    assert moved.json()["item_count"] == 2
    items = (await manager.get(f"/v1/themes/{new['id']}/items")).json()["items"]
    assert {item["feedback_id"] for item in items} == {dark[0]["id"], dark[2]["id"]}
    assert all(item["pinned"] for item in items)


async def test_curation_refuses_items_of_other_themes_and_members_without_the_role(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    member = caller_factory(organization_id=manager.identity.organization_id)
    dark = await post(manager, DARK[0])
    export = await post(manager, EXPORT[0])
    theme = await theme_of(manager, dark["id"])

    foreign_item = await manager.post(
        f"/v1/themes/{theme['id']}/split", json={"feedback_ids": [export["id"]], "label": "x"}
    )
    everything = await manager.post(
        f"/v1/themes/{theme['id']}/split", json={"feedback_ids": [dark["id"]], "label": "x"}
    )
    not_a_manager = await member.post(f"/v1/themes/{theme['id']}/items", json={"feedback_ids": [export["id"]]})

    assert foreign_item.status_code == 404
    assert export["id"] in foreign_item.json()["detail"]
    assert everything.status_code == 409
    assert not_a_manager.status_code == 403


async def test_the_same_customer_saying_the_same_twice_is_flagged_as_a_near_duplicate(caller: Caller) -> None:
    first = await post(caller, DARK[0], customer_ref="acme", source="hubspot", external_id="t-1")
    resent = await post(caller, DARK[0], customer_ref="acme", source="hubspot", external_id="t-2")
    other_customer = await post(caller, DARK[0], customer_ref="globex", source="hubspot", external_id="t-3")

    theme = await theme_of(caller, first["id"])
    items = {
        item["feedback_id"]: item for item in (await caller.get(f"/v1/themes/{theme['id']}/items")).json()["items"]
    }

    assert items[resent["id"]]["duplicate_of_id"] == first["id"]
    assert items[first["id"]]["duplicate_of_id"] is None
    assert items[other_customer["id"]]["duplicate_of_id"] is None


async def test_a_repeat_of_an_item_assigned_earlier_is_flagged_as_its_near_duplicate(caller: Caller) -> None:
    first = await post(caller, DARK[0], customer_ref="acme", source="hubspot", external_id="t-1")
    # More of the customer's items in the theme than a paraphrase check compares with, all stored:
    # only the lookup of exact repeats still finds the first.
    for number in range(DUPLICATE_CANDIDATES):
        variant = f"{DARK[1]} Ticket {number}."
        await post(caller, variant, customer_ref="acme", source="hubspot", external_id=f"v-{number}")
    await theme_of(caller, first["id"])
    resent = await post(caller, DARK[0].upper(), customer_ref="acme", source="hubspot", external_id="t-2")
    other_customer = await post(caller, DARK[0], customer_ref="globex", source="hubspot", external_id="t-3")

    theme = await theme_of(caller, first["id"])
    listed = await caller.get(f"/v1/themes/{theme['id']}/items", params={"page_size": 100})
    items = {item["feedback_id"]: item for item in listed.json()["items"]}

    assert len(items) == DUPLICATE_CANDIDATES + 3
    assert items[resent["id"]]["duplicate_of_id"] == first["id"]
    assert items[other_customer["id"]]["duplicate_of_id"] is None


async def test_an_item_resent_under_another_customer_counts_as_theirs_for_near_duplicates(caller: Caller) -> None:
    first = await post(caller, DARK[0], customer_ref="acme", source="hubspot", external_id="t-1")
    await theme_of(caller, first["id"])  # assigned (and stored) before the CRM names another customer
    resent = await caller.post(
        "/v1/feedback",
        json={"text": DARK[0], "channel": "email", "customer_ref": "globex", "source": "hubspot", "external_id": "t-1"},
    )
    reworded = DARK[0].replace("please", "really urgent")
    by_globex = await post(caller, reworded, customer_ref="globex", source="hubspot", external_id="t-2")
    by_acme = await post(caller, reworded, customer_ref="acme", source="hubspot", external_id="t-3")

    theme = await theme_of(caller, first["id"])
    items = {
        item["feedback_id"]: item for item in (await caller.get(f"/v1/themes/{theme['id']}/items")).json()["items"]
    }

    assert (resent.status_code, resent.json()["id"]) == (200, first["id"])
    assert items[by_globex["id"]]["duplicate_of_id"] == first["id"]
    assert items[by_acme["id"]]["duplicate_of_id"] is None


async def test_another_organisations_theme_is_not_found(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    item = await post(caller, DARK[0])
    theme = await theme_of(caller, item["id"])
    stranger = caller_factory("manager")

    assert (await stranger.get(f"/v1/themes/{theme['id']}")).status_code == 404
    assert (await stranger.get(f"/v1/themes/{theme['id']}/items")).status_code == 404
    assert (await stranger.get("/v1/themes")).json()["items"] == []


# The batch path, called directly as the ingest code calls it ----------------------------------------


@pytest.fixture
async def sessions(app_client: httpx.AsyncClient, database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database, which the app (`app_client`) migrated."""
    engine = create_async_engine(database_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def stored_items(
    session: AsyncSession, organization_id: uuid.UUID, texts: list[str], customer_id: uuid.UUID | None = None
) -> list[ItemToAssign]:
    """Feedback rows as the ingest path inserts them, ready to be assigned."""
    now = dt.datetime.now(dt.UTC)
    items = [
        Feedback(
            id=uuid.uuid4(),
            organization_id=organization_id,
            text=text,
            channel=FeedbackChannel.EMAIL,
            received_at=now,
            source="test",
            external_id=str(uuid.uuid4()),
            customer_id=customer_id,
            submitted_by="test",
            created_at=now,
            updated_at=now,
            version=1,
        )
        for text in texts
    ]
    session.add_all(items)
    await session.flush()
    return [ItemToAssign.of(item) for item in items]


async def themes_of(sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID) -> dict[uuid.UUID, Theme]:
    async with sessions() as session:
        found = await session.scalars(select(Theme).where(Theme.organization_id == organization_id))
        return {theme.id: theme for theme in found}


async def test_a_batch_groups_its_own_items_and_later_batches_join_the_stored_themes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        first = await assign_themes(
            session,
            organization_id=organization_id,
            items=await stored_items(session, organization_id, [DARK[0], EXPORT[0], DARK[1], EXPORT[1]]),
        )
    async with sessions() as session, session.begin():
        (later,) = await assign_themes(
            session, organization_id=organization_id, items=await stored_items(session, organization_id, [DARK[2]])
        )

    assert [assignment.started_theme for assignment in first] == [True, True, False, False]
    dark, export = first[0].theme_id, first[1].theme_id
    assert dark != export
    assert [assignment.theme_id for assignment in first] == [dark, export, dark, export]
    assert 0 < first[2].similarity < 1
    assert (later.theme_id, later.started_theme) == (dark, False)
    themes = await themes_of(sessions, organization_id)
    assert {theme_id: theme.item_count for theme_id, theme in themes.items()} == {dark: 3, export: 2}
    assert themes[dark].label == DARK[0]


async def test_a_batch_costs_the_same_few_statements_whatever_its_size(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Candidate lookup, duplicate check and write-back are one statement each per batch, not per item."""
    organization_id = uuid.uuid4()

    async def statements_for(texts: list[str]) -> int:
        async with sessions() as session, session.begin():
            items = await stored_items(session, organization_id, texts)
            executed: list[str] = []

            def count(*args: object) -> None:
                executed.append(str(args[2]))

            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", count)
            try:
                await assign_themes(session, organization_id=organization_id, items=items)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return len(executed)

    await statements_for(DARK + EXPORT)
    small = await statements_for([DARK[0], EXPORT[1]])
    large = await statements_for((DARK + EXPORT) * 20)

    assert large == small
    assert small <= 8


async def test_near_duplicates_within_one_batch_are_flagged(sessions: async_sessionmaker[AsyncSession]) -> None:
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        customer = Customer(id=uuid.uuid4(), organization_id=organization_id, source="test", external_id="acme")
        session.add(customer)
        await session.flush()
        items = await stored_items(session, organization_id, [DARK[0], DARK[0]], customer_id=customer.id)
        items += await stored_items(session, organization_id, [DARK[0]])
        first, resent, anonymous = await assign_themes(session, organization_id=organization_id, items=items)

    assert first.duplicate_of_id is None
    assert resent.duplicate_of_id == first.feedback_id
    assert anonymous.duplicate_of_id is None


async def customers_of(session: AsyncSession, organization_id: uuid.UUID, count: int) -> list[Customer]:
    customers = [
        Customer(id=uuid.uuid4(), organization_id=organization_id, source="test", external_id=f"c-{number}")
        for number in range(count)
    ]
    session.add_all(customers)
    await session.flush()
    return customers


async def test_exact_repeats_in_a_later_batch_point_at_the_same_senders_first_item(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        acme, globex, initech = await customers_of(session, organization_id, 3)
        items = []
        for customer in (acme, globex):
            items += await stored_items(session, organization_id, [DARK[0]], customer_id=customer.id)
        items += await stored_items(session, organization_id, [DARK[0]])
        acme_first, _, anonymous_first = await assign_themes(session, organization_id=organization_id, items=items)
    async with sessions() as session, session.begin():
        items = []
        for customer in (acme, initech):
            items += await stored_items(session, organization_id, [DARK[0]], customer_id=customer.id)
        items += await stored_items(session, organization_id, [DARK[0]])
        acme_again, initech_first, anonymous_again = await assign_themes(
            session, organization_id=organization_id, items=items
        )

    assert acme_again.duplicate_of_id == acme_first.feedback_id
    assert anonymous_again.duplicate_of_id == anonymous_first.feedback_id
    assert initech_first.duplicate_of_id is None


async def test_the_repeat_check_reads_back_only_the_batchs_own_senders_earlier_items(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Not every customer's first item with the same words: with a few texts sent by many customers
    that was one stored item per item imported, and an import's memory grew with the file."""
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        customers = await customers_of(session, organization_id, 20)
        items = []
        for customer in customers:
            items += await stored_items(session, organization_id, [DARK[0]], customer_id=customer.id)
        items += await stored_items(session, organization_id, [DARK[0]])
        stored = await assign_themes(session, organization_id=organization_id, items=items)
    async with sessions() as session:
        earlier = await repository.earlier_items(
            session,
            organization_id=organization_id,
            theme_ids={stored[0].theme_id},
            said_by=set(),
            repeats_of={(customers[0].id, fingerprint(DARK[0])), (None, fingerprint(DARK[0]))},
        )

    assert {item.feedback_id for item in earlier} == {stored[0].feedback_id, stored[-1].feedback_id}


async def test_concurrent_batches_joining_the_same_themes_in_opposite_orders_both_succeed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two transactions each add to theme A then B, and B then A, holding their locks in between.

    Locking theme rows as items joined them deadlocked here on PostgreSQL (a 500 for one batch);
    the organisation's theme lock makes the second wait for the first, and neither update is lost.
    """
    organization_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        seeded = await assign_themes(
            session,
            organization_id=organization_id,
            items=await stored_items(session, organization_id, [DARK[0], EXPORT[0]]),
        )
    dark, export = seeded[0].theme_id, seeded[1].theme_id

    async def batch(texts: list[str]) -> list[uuid.UUID]:
        async with sessions() as session, session.begin():
            joined = []
            for text in texts:
                (assignment,) = await assign_themes(
                    session, organization_id=organization_id, items=await stored_items(session, organization_id, [text])
                )
                joined.append(assignment.theme_id)
                await asyncio.sleep(0.2)
            return joined

    one, other = await asyncio.gather(batch([DARK[1], EXPORT[1]]), batch([EXPORT[0], DARK[2]]))

    assert (one, other) == ([dark, export], [export, dark])
    themes = await themes_of(sessions, organization_id)
    assert (themes[dark].item_count, themes[export].item_count) == (3, 3)


class AxesEmbedder:
    """Texts are points in the plane ("x,y"), indexed by the axes they lean on: similarities chosen by hand."""

    name = "axes"
    threshold = 0.5
    merge_threshold = 0.5
    duplicate_threshold = 0.99

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        return [normalised({axis: float(value) for axis, value in enumerate(text.split(","))}) for text in texts]

    def index_keys(self, vector: Mapping[int, float]) -> list[str]:
        return [f"axis{axis}" for axis, weight in vector.items() if weight > 0.1]


async def assign_axes(
    sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID, points: list[str]
) -> list[uuid.UUID]:
    async with sessions() as session, session.begin():
        items = await stored_items(session, organization_id, points)
        assigned = await assign_themes(session, organization_id=organization_id, items=items, embedder=AxesEmbedder())
        return [assignment.theme_id for assignment in assigned]


async def test_the_engine_merges_a_stored_theme_whose_centroid_came_close_and_its_items_follow(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A and B were stored apart; C and D join B and pull it within reach of A, which folds into it."""
    organization_id = uuid.uuid4()
    a, b = await assign_axes(sessions, organization_id, ["1,0", "0,1"])

    later = await assign_axes(sessions, organization_id, ["0.6,0.8", "0.8,0.6"])

    assert later == [b, b]
    themes = await themes_of(sessions, organization_id)
    assert (themes[a].merged_into_id, themes[a].item_count, themes[a].centroid) == (b, 0, {})
    assert themes[b].item_count == 4
    async with sessions() as session:
        members = await session.scalars(
            select(ThemeAssignment.theme_id).where(ThemeAssignment.organization_id == organization_id)
        )
        keys = await session.scalars(
            select(ThemeIndexKey.theme_id).where(ThemeIndexKey.organization_id == organization_id)
        )
        assert set(members) == {b}
        assert set(keys) == {b}


async def test_the_engine_never_merges_a_theme_people_curated(
    sessions: async_sessionmaker[AsyncSession], caller_factory: Callable[..., Caller]
) -> None:
    manager = caller_factory("manager")
    organization_id = manager.identity.organization_id
    a, b = await assign_axes(sessions, organization_id, ["1,0", "0,1"])
    renamed = await manager.patch(f"/v1/themes/{a}", json={"label": "Kept apart"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text

    await assign_axes(sessions, organization_id, ["0.6,0.8", "0.8,0.6"])

    themes = await themes_of(sessions, organization_id)
    assert themes[a].merged_into_id is None
    assert (themes[a].item_count, themes[b].item_count) == (1, 3)


async def test_the_same_customer_paraphrasing_an_earlier_item_is_flagged_as_a_near_duplicate(caller: Caller) -> None:
    first = await post(caller, DARK[0], customer_ref="acme")
    reworded = await post(caller, DARK[0].replace("please", "really urgent"), customer_ref="acme")
    other_customer = await post(caller, DARK[0].replace("please", "really urgent"), customer_ref="globex")

    theme = await theme_of(caller, first["id"])
    items = {
        item["feedback_id"]: item for item in (await caller.get(f"/v1/themes/{theme['id']}/items")).json()["items"]
    }

    assert items[reworded["id"]]["duplicate_of_id"] == first["id"]
    assert items[other_customer["id"]]["duplicate_of_id"] is None


async def merge(caller: Caller, item: dict[str, Any], into: str, *, etag: str | None = None) -> httpx.Response:
    headers = {"If-Match": etag or f'"{item["version"]}"'}
    return await caller.post(f"/v1/feedback/{item['id']}/merge", json={"into_id": into}, headers=headers)


async def test_a_merged_near_duplicate_stops_counting_in_its_theme_and_stays_merged_when_resent(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    first = await post(manager, DARK[0], customer_ref="acme", source="hubspot", external_id="t-1")
    resent = await post(manager, DARK[0], customer_ref="acme", source="hubspot", external_id="t-2")
    await post(manager, DARK[1], customer_ref="globex", source="hubspot", external_id="t-3")
    before = await theme_of(manager, first["id"])
    listed = (await manager.get(f"/v1/themes/{before['id']}/items")).json()["items"]
    assert {item["feedback_id"]: item["duplicate_of_id"] for item in listed}[resent["id"]] == first["id"]

    merged = await merge(manager, resent, first["id"])

    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["status"], body["merged_into_id"], body["version"]) == ("merged", first["id"], 2)
    assert merged.headers["etag"] == '"2"'
    after = (await manager.get(f"/v1/themes/{before['id']}")).json()
    assert (before["item_count"], after["item_count"]) == (3, 2)
    assert (before["customer_count"], after["customer_count"]) == (2, 2)
    items = (await manager.get(f"/v1/themes/{before['id']}/items")).json()["items"]
    assert resent["id"] not in {item["feedback_id"] for item in items}
    for filters in ({"status": "merged"}, {"merged_into_id": first["id"]}):
        listed = (await manager.get("/v1/feedback", params=filters)).json()["items"]
        assert [item["id"] for item in listed] == [resent["id"]]
    # The CRM sends it again: the stored row is found and updated, and stays merged, out of the theme.
    again = await manager.post(
        "/v1/feedback",
        json={
            "text": DARK[0] + "!",
            "channel": "email",
            "customer_ref": "acme",
            "source": "hubspot",
            "external_id": "t-2",
        },
    )
    assert (again.status_code, again.json()["id"], again.json()["status"]) == (200, resent["id"], "merged")
    assert (await manager.get(f"/v1/themes/{before['id']}")).json()["item_count"] == 2


async def test_items_flagged_as_repeats_of_a_merged_item_then_repeat_the_item_that_stays(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    first = await post(manager, DARK[0], customer_ref="acme", source="hubspot", external_id="t-1")
    await theme_of(manager, first["id"])
    second = await post(manager, DARK[0], customer_ref="acme", source="hubspot", external_id="t-2")
    third = await post(manager, DARK[0], customer_ref="acme", source="hubspot", external_id="t-3")
    theme = await theme_of(manager, first["id"])

    # People keep the latest and merge the first into it: the others now repeat the latest.
    assert (await merge(manager, first, third["id"])).status_code == 200

    items = (await manager.get(f"/v1/themes/{theme['id']}/items")).json()["items"]
    assert {item["feedback_id"]: item["duplicate_of_id"] for item in items} == {
        second["id"]: third["id"],
        third["id"]: None,
    }


async def test_merging_refuses_what_would_lose_a_customer_or_a_decision_and_changes_nothing(
    caller_factory: Callable[..., Caller],
) -> None:
    manager = caller_factory("manager")
    first = await post(manager, DARK[0], customer_ref="acme")
    resent = await post(manager, DARK[0], customer_ref="acme")
    other_customer = await post(manager, DARK[0], customer_ref="globex")
    foreign = await post(caller_factory("manager"), DARK[0], customer_ref="acme")
    member = Caller(manager.client, new_identity(organization_id=manager.identity.organization_id))
    theme = await theme_of(manager, first["id"])

    refusals = {
        "other customer": await merge(manager, other_customer, first["id"]),
        "itself": await merge(manager, first, first["id"]),
        "unknown": await merge(manager, first, str(uuid.uuid4())),
        "foreign": await merge(manager, first, foreign["id"]),
        "no If-Match": await manager.post(f"/v1/feedback/{resent['id']}/merge", json={"into_id": first["id"]}),
        "stale": await merge(manager, resent, first["id"], etag='"7"'),
        "not a manager": await merge(member, resent, first["id"]),
        "no such item": await merge(manager, {"id": str(uuid.uuid4()), "version": 1}, first["id"]),
    }

    assert {name: response.status_code for name, response in refusals.items()} == {
        "other customer": 409,
        "itself": 422,
        "unknown": 422,
        "foreign": 422,
        "no If-Match": 428,
        "stale": 412,
        "not a manager": 403,
        "no such item": 404,
    }
    assert refusals["unknown"].json()["errors"][0]["pointer"] == "/body/into_id"
    assert all(r.headers["content-type"] == "application/problem+json" for r in refusals.values())
    for item in (first, resent, other_customer):
        stored = (await manager.get(f"/v1/feedback/{item['id']}")).json()
        assert (stored["status"], stored["merged_into_id"], stored["version"]) == ("new", None, 1)
    assert (await manager.get(f"/v1/themes/{theme['id']}")).json()["item_count"] == 3

    assert (await merge(manager, resent, first["id"])).status_code == 200
    merged = (await manager.get(f"/v1/feedback/{resent['id']}")).json()
    twice = await merge(manager, merged, first["id"])
    into_merged = await merge(manager, first, resent["id"])
    revived = await manager.post(
        f"/v1/feedback/{resent['id']}/status", json={"status": "new"}, headers={"If-Match": f'"{merged["version"]}"'}
    )
    assert (twice.status_code, twice.json()["merged_into_id"]) == (409, first["id"])
    assert (into_merged.status_code, into_merged.json()["merged_into_id"]) == (409, first["id"])
    assert (revived.status_code, revived.json()["allowed"]) == (409, [])


async def test_erasing_a_customer_leaves_no_hash_of_their_words_in_vectors_or_fingerprints(
    caller_factory: Callable[..., Caller], sessions: async_sessionmaker[AsyncSession]
) -> None:
    manager = caller_factory("manager")
    await set_value(manager, "Lovelace", "10.00")  # the customer's name is "Lovelace"
    item = await post(manager, "Lovelace here: " + DARK[0], customer_ref="Lovelace")
    theme = await theme_of(manager, item["id"])
    name_features = {str(feature) for feature in LexicalEmbedder().embed(["lovelace"])[0]}

    async def stored_state() -> tuple[set[str], set[str], str]:
        async with sessions() as session:
            assignment = await session.get(ThemeAssignment, uuid.UUID(item["id"]))
            stored_theme = await session.get(Theme, uuid.UUID(theme["id"]))
            assert assignment is not None
            assert stored_theme is not None
            return set(assignment.vector), set(stored_theme.centroid), assignment.fingerprint

    vector_before, centroid_before, _ = await stored_state()
    erased = await manager.post(f"/v1/customers/{item['customer_id']}/erase")
    vector_after, centroid_after, fingerprint_after = await stored_state()

    assert erased.status_code == 200, erased.text
    assert name_features <= vector_before
    assert name_features & centroid_before
    assert not name_features & vector_after
    assert not name_features & centroid_after
    assert fingerprint_after == fingerprint("[erased] here: " + DARK[0])
    assert (await manager.get(f"/v1/themes/{theme['id']}")).json()["item_count"] == 1
