"""`/v1/learnings`: learning cards, full-text search over learnings and experiments, related learnings."""

from collections.abc import Callable
from typing import Any

import pytest

from ideaflow_shared import fulltext
from ideaflow_shared.testing import Caller

from .test_metrics import EXPERIMENT, new_experiment

CARD = {
    "title": "Regulars do not reorder online",
    "we_believed": "Regular customers would reorder with one click.",
    "we_observed": "Three percent of regulars used the button in two weeks; most still phoned.",
    "we_learned": "Regulars phone because they want to talk about substitutions.",
    "therefore_we_will": "Test a call-back service instead of a button.",
    "kind": "refuted",
    "tags": ["Orders", "regulars", "orders"],
    "failure_analysis": {
        "cause": "wrong_assumption",
        "process_change": "Interview five customers before building a self-service feature.",
    },
}
PUBLIC_FIELDS = {
    "id",
    "title",
    "we_believed",
    "we_observed",
    "we_learned",
    "therefore_we_will",
    "kind",
    "experiment_ids",
    "assumption_ids",
    "tags",
    "failure_analysis",
    "created_at",
    "updated_at",
    "version",
}


async def record(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/learnings", json={**CARD, **overrides})
    assert response.status_code == 201, response.text
    learning: dict[str, Any] = response.json()
    return learning


async def search(caller: Caller, q: str, **params: str) -> list[dict[str, Any]]:
    response = await caller.get("/v1/learnings/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["items"]
    return hits


async def test_a_card_is_analysed_by_process_and_names_nobody(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)

    response = await caller.post("/v1/learnings", json={**CARD, "experiment_ids": [experiment_id]})

    assert response.status_code == 201, response.text
    learning = response.json()
    assert response.headers["location"] == f"/v1/learnings/{learning['id']}"
    assert set(learning) == PUBLIC_FIELDS  # no author, owner or person field of any kind
    assert learning["failure_analysis"] == CARD["failure_analysis"]
    assert learning["tags"] == ["orders", "regulars"]
    assert learning["experiment_ids"] == [experiment_id]
    assert (await caller.get(f"/v1/learnings/{learning['id']}")).json() == learning


async def test_a_failure_analysis_has_no_person_field_to_fill(caller: Caller) -> None:
    response = await caller.post(
        "/v1/learnings",
        json={**CARD, "failure_analysis": {**CARD["failure_analysis"], "responsible": "Alex"}},  # type: ignore[dict-item]
    )

    assert response.status_code == 422


async def test_learnings_are_listed_by_experiment_and_kind(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    linked = await record(caller, experiment_ids=[experiment_id])
    surprise = await record(caller, kind="surprise", failure_analysis=None)

    by_experiment = (await caller.get("/v1/learnings", params={"experiment_id": experiment_id})).json()["items"]
    by_kind = (await caller.get("/v1/learnings", params={"kind": "surprise"})).json()["items"]

    assert [item["id"] for item in by_experiment] == [linked["id"]]
    assert [item["id"] for item in by_kind] == [surprise["id"]]
    assert surprise["failure_analysis"] is None


async def test_managers_curate_cards_with_if_match(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    learning = await record(caller)
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    url = f"/v1/learnings/{learning['id']}"

    assert (await caller.patch(url, json={"kind": "surprise"}, headers={"If-Match": '"1"'})).status_code == 403
    assert (await manager.patch(url, json={"kind": "surprise"})).status_code == 428
    changed = await manager.patch(url, json={"kind": "surprise", "tags": ["phone"]}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["kind"] == "surprise"
    assert changed.json()["tags"] == ["phone"]
    assert (await manager.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await caller.get(url)).status_code == 404


async def test_search_matches_word_stems_and_needs_every_word(caller: Caller) -> None:
    learning = await record(caller)
    await record(
        caller, title="Coupons", we_learned="Coupons bring one-off buyers, not regulars.", failure_analysis=None
    )

    assert [hit["id"] for hit in await search(caller, "substitution phoning")] == [learning["id"]]
    assert await search(caller, "substitutions coupons") == []
    assert {hit["kind"] for hit in await search(caller, "regulars")} == {"learning"}
    assert len(await search(caller, "regulars")) == 2


async def test_search_finds_experiments_by_their_hypothesis_and_follows_changes(caller: Caller, idea_id: str) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    hits = await search(caller, "reordering one click", scope="experiments")
    assert [(hit["kind"], hit["id"]) for hit in hits] == [("experiment", experiment_id)]
    assert hits[0]["excerpt"] == EXPERIMENT["hypothesis"]

    response = await caller.patch(
        f"/v1/experiments/{experiment_id}",
        json={"hypothesis": "We believe that shops would order gift cards in bulk."},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text

    assert await search(caller, "reorder", scope="experiments") == []
    assert [hit["id"] for hit in await search(caller, "gift cards")] == [experiment_id]


async def test_search_never_crosses_organisations(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    await record(caller)

    assert await search(caller_factory(), "substitutions") == []


async def test_search_pages_by_relevance_without_repeats(caller: Caller) -> None:
    ids = {(await record(caller, title=f"Phone orders {n}"))["id"] for n in range(5)}

    first = await caller.get("/v1/learnings/search", params={"q": "phone", "page_size": 2})
    token = first.json()["next_page_token"]
    seen = [hit["id"] for hit in first.json()["items"]]
    while token:
        page = await caller.get("/v1/learnings/search", params={"q": "phone", "page_size": 2, "page_token": token})
        seen += [hit["id"] for hit in page.json()["items"]]
        token = page.json()["next_page_token"]

    assert sorted(seen) == sorted(ids)
    bad = await caller.get(
        "/v1/learnings/search", params={"q": "coupons", "page_token": first.json()["next_page_token"]}
    )
    assert bad.status_code == 400


async def test_search_of_a_common_word_ranks_only_the_newest_matches(
    caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking is bounded per table (ideaflow_shared.fulltext): past CANDIDATES matches, older cards
    drop out until a further word narrows the search."""
    monkeypatch.setattr(fulltext, "CANDIDATES", 3)
    oldest = await record(caller, title="Lantern lanterns", we_learned="Lantern festival: lanterns sell.")
    newer = [(await record(caller, title=f"Lantern {n}"))["id"] for n in range(4)]

    hits = await search(caller, "lantern", scope="learnings")
    assert sorted(hit["id"] for hit in hits) == sorted(newer[1:])

    assert [hit["id"] for hit in await search(caller, "lantern festival")] == [oldest["id"]]


async def test_related_learnings_for_a_draft_hypothesis(caller: Caller) -> None:
    phone = await record(caller)
    await record(
        caller,
        title="Delivery slots",
        we_believed="Evening slots sell.",
        we_observed="They did.",
        we_learned="Evening delivery matters.",
        therefore_we_will="Keep evening slots.",
        kind="confirmed",
        failure_analysis=None,
    )

    response = await caller.post(
        "/v1/learnings/related", json={"hypothesis": "We believe regulars would reorder through a phone call-back."}
    )

    assert response.status_code == 200, response.text
    assert [hit["id"] for hit in response.json()] == [phone["id"]]
