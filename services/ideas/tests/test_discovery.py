"""`/v1/ideas/search` and `/v1/ideas/similar`: finding ideas before repeating them."""

from collections.abc import Callable
from typing import Any

import pytest

from ideaflow_ideas.discovery import search as discovery_search
from ideaflow_shared import fulltext
from ideaflow_shared.testing import Caller

IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
    "category": "customer_experience",
    "tags": ["orders"],
}


async def create(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/ideas", json={**IDEA, **overrides})
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def search(caller: Caller, q: str, **params: object) -> dict[str, Any]:
    response = await caller.get("/v1/ideas/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_search_matches_title_problem_proposal_and_tags_by_stem(caller: Caller) -> None:
    idea = await create(
        caller,
        title="Quieter warehouse",
        problem="Forklifts beep all day.",
        proposal="Use light signals in aisles.",
        tags=["noise-reduction"],
    )
    await create(caller, title="Unrelated", problem="Nothing here.", proposal="Nothing either.", tags=[])

    for query in ("warehouse", "forklift", "signalling aisle", "reduction", "Quieter FORKLIFTS"):
        assert [hit["id"] for hit in (await search(caller, query))["items"]] == [idea["id"]], query
    assert (await search(caller, "warehouse elephant"))["items"] == []


async def test_search_ranks_the_idea_about_it_first(caller: Caller) -> None:
    about = await create(
        caller, title="Invoice reminders", problem="Invoices are paid late; invoice reminders are manual.", tags=[]
    )
    mentions = await create(caller, title="Shared calendar", problem="We forget the invoice run.", tags=[])

    hits = (await search(caller, "invoice"))["items"]

    assert [hit["id"] for hit in hits] == [about["id"], mentions["id"]]
    assert hits[0]["score"] > hits[1]["score"]
    assert hits[0]["excerpt"] == about["problem"]


async def test_search_follows_edits_tags_and_deletes(caller: Caller) -> None:
    idea = await create(caller, title="Paper forms", tags=[])
    assert (await search(caller, "digital"))["items"] == []

    changed = await caller.patch(
        f"/v1/ideas/{idea['id']}",
        json={"title": "Digital forms", "tags": ["tablets"]},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200
    assert [hit["id"] for hit in (await search(caller, "digital tablets"))["items"]] == [idea["id"]]
    assert (await search(caller, "paper"))["items"] == []

    assert (await caller.delete(f"/v1/ideas/{idea['id']}", headers={"If-Match": '"2"'})).status_code == 204
    assert (await search(caller, "digital"))["items"] == []


async def test_search_is_scoped_to_the_organisation_and_never_names_an_author(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    await create(caller, title="Secret staffing plan", anonymous=True)
    stranger = caller_factory()
    assert (await search(stranger, "staffing"))["items"] == []

    response = await caller.get("/v1/ideas/search", params={"q": "staffing"})
    assert [hit["title"] for hit in response.json()["items"]] == ["Secret staffing plan"]
    assert "author" not in response.text
    assert caller.identity.principal_id not in response.text


async def test_search_pages_follow_the_ranking_without_repeats(caller: Caller) -> None:
    created = {(await create(caller, title=f"Parcel lockers {n}", tags=[]))["id"] for n in range(5)}

    seen: list[str] = []
    token = None
    while True:
        params = {"page_size": 2} | ({"page_token": token} if token else {})
        page = await search(caller, "parcel lockers", **params)
        seen += [hit["id"] for hit in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert sorted(seen) == sorted(created)

    foreign = await caller.get(
        "/v1/ideas/search", params={"q": "other words", "page_token": token or "bm90LWEtdG9rZW4"}
    )
    assert foreign.status_code == 400
    assert foreign.headers["content-type"] == "application/problem+json"


async def test_search_of_common_words_only_finds_nothing(caller: Caller) -> None:
    await create(caller)
    assert (await search(caller, "the and of"))["items"] == []
    assert (await caller.get("/v1/ideas/search")).status_code == 422


async def test_other_methods_on_the_fixed_paths_are_not_allowed(caller: Caller) -> None:
    assert (await caller.patch("/v1/ideas/search", json={})).status_code == 405
    assert (await caller.get("/v1/ideas/similar")).status_code == 405


async def similar(caller: Caller, **draft: object) -> list[dict[str, Any]]:
    response = await caller.post("/v1/ideas/similar", json=draft)
    assert response.status_code == 200, response.text
    matches: list[dict[str, Any]] = response.json()["matches"]
    return matches


async def test_similar_finds_the_duplicate_first_with_a_score_in_0_1(caller: Caller) -> None:
    duplicate = await create(caller)
    related = await create(caller, title="Weekly newsletter", problem="Customers miss our weekly offers.", tags=[])
    await create(caller, title="Parking", problem="Too few spaces.", proposal="Rent more.", tags=[])

    matches = await similar(caller, title="Repeat orders", text="customers re-type their weekly order")

    assert [match["id"] for match in matches] == [duplicate["id"], related["id"]]
    assert 0 < matches[1]["score"] < matches[0]["score"] <= 1


async def test_similar_to_an_identical_draft_scores_one(caller: Caller) -> None:
    idea = await create(caller, title="Solar panels", problem="Power bills.", proposal="Roof panels.", tags=[])

    matches = await similar(caller, title="Solar panels", text="power bills roof panels")

    assert matches[0] == {"id": idea["id"], "title": "Solar panels", "stage": "submitted", "score": 1.0}


async def test_similar_leaves_out_the_edited_idea_other_orgs_and_empty_drafts(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    idea = await create(caller)
    await create(caller_factory())

    assert await similar(caller, title="Repeat orders", exclude_idea_id=idea["id"]) == []
    assert await similar(caller) == []
    assert await similar(caller, title="the of and") == []
    assert len(await similar(caller, title="repeat", limit=1)) == 1


async def test_similar_rejects_bad_drafts(caller: Caller) -> None:
    for draft in ({"title": 5}, {"limit": 0}, {"limit": 21}, {"limit": True}, {"unknown": "x"}):
        response = await caller.post("/v1/ideas/similar", json=draft)
        assert response.status_code == 422, draft


async def test_a_common_word_ranks_only_the_newest_matches(caller: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking is bounded (ideaflow_shared.fulltext): past CANDIDATES matches, older ideas drop out
    until a further word narrows the search."""
    monkeypatch.setattr(fulltext, "CANDIDATES", 3)
    oldest = await create(caller, title="Lantern lantern lantern", problem="Lantern festival lanterns.", tags=[])
    newer = [(await create(caller, title=f"Lantern {n}", problem="Street lighting.", tags=[]))["id"] for n in range(4)]

    hits = (await search(caller, "lantern"))["items"]
    assert sorted(hit["id"] for hit in hits) == sorted(newer[1:])
    first = await search(caller, "lantern", page_size=2)
    second = await search(caller, "lantern", page_size=2, page_token=first["next_page_token"])
    assert [hit["id"] for hit in first["items"] + second["items"]] == [hit["id"] for hit in hits]
    assert second["next_page_token"] is None

    assert [hit["id"] for hit in (await search(caller, "lantern festival"))["items"]] == [oldest["id"]]


async def test_similar_finds_an_idea_by_a_rare_word_among_many_common_ones(
    caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery_search, "SIMILAR_POOL", 3)
    rare = await create(caller, title="Delivery by cargo bike", problem="Vans are slow downtown.", tags=[])
    for n in range(5):
        await create(caller, title=f"Delivery slots {n}", problem="Customers want delivery slots.", tags=[])

    matches = await similar(caller, title="Cargo bike delivery", text="customers want delivery")

    assert matches[0]["id"] == rare["id"]
