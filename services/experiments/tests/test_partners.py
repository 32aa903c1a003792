"""`/v1/partners`: partner organisations, and their collaborations on experiments."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from ideaflow_shared.testing import Caller

from .conftest import SubmitIdea
from .test_metrics import new_experiment

PARTNER: dict[str, Any] = {
    "name": "Fraunhofer IML",
    "type": "university_or_research_centre",
    "website": "https://www.iml.fraunhofer.de",
    "description": "Applied research in logistics.",
    "contacts": [{"name": "Dr. Lena Koch", "role": "Project lead", "email": "lena.koch@example.org"}],
}
COLLABORATION = {
    "goals": "Find out whether dynamic route planning cuts delivery time by 10 %.",
    "our_responsibilities": "Run the pilot with two drivers.",
    "their_responsibilities": "Provide the planning software and analyse the results.",
    "success_criteria": "A report with the measured time saving.",
    "shared_data": ["experiment_design", "results_aggregated"],
    "confidentiality": "internal",
    "starts_on": "2026-02-01",
    "ends_on": "2026-03-31",
}


@pytest.fixture
def caller(caller_factory: Callable[..., Caller]) -> Caller:
    """An employee of a fresh organisation (employees may submit the ideas experiments test)."""
    return caller_factory("employee")


async def new_partner(caller: Caller, **overrides: object) -> dict[str, Any]:
    response = await caller.post("/v1/partners", json={**PARTNER, **overrides})
    assert response.status_code == 201, response.text
    partner: dict[str, Any] = response.json()
    return partner


async def propose(caller: Caller, partner_id: str, experiment_id: str, **overrides: object) -> dict[str, Any]:
    response = await caller.post(
        f"/v1/partners/{partner_id}/collaborations",
        json={**COLLABORATION, "experiment_id": experiment_id, **overrides},
    )
    assert response.status_code == 201, response.text
    collaboration: dict[str, Any] = response.json()
    return collaboration


async def test_a_partner_is_recorded_with_its_contacts(caller: Caller) -> None:
    response = await caller.post("/v1/partners", json=PARTNER)

    assert response.status_code == 201, response.text
    partner = response.json()
    assert response.headers["location"] == f"/v1/partners/{partner['id']}"
    assert response.headers["etag"] == '"1"'
    assert partner["contacts"] == [{**PARTNER["contacts"][0], "phone": None}]
    assert partner["created_by"] == caller.identity.principal_id
    assert (await caller.get(f"/v1/partners/{partner['id']}")).json() == partner


async def test_a_retried_create_with_the_same_key_records_one_partner(caller: Caller) -> None:
    headers = {"Idempotency-Key": "partner-1"}
    first = await caller.post("/v1/partners", json=PARTNER, headers=headers)
    again = await caller.post("/v1/partners", json=PARTNER, headers=headers)

    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len((await caller.get("/v1/partners")).json()["items"]) == 1


async def test_invalid_partner_fields_are_refused_at_the_field(caller: Caller) -> None:
    cases: list[tuple[str, dict[str, object]]] = [
        ("/body/type", {"type": "competitor"}),
        ("/body/website", {"website": "ftp://example.org"}),
        ("/body/website", {"website": "https://[example.org/about"}),  # hosts no URL parser can read
        ("/body/website", {"website": "http://\ufe13"}),
        ("/body/contacts/0/email", {"contacts": [{"name": "Lena", "email": "not-an-address"}]}),
        ("/body/name", {"name": "   "}),
    ]
    for pointer, override in cases:
        response = await caller.post("/v1/partners", json={**PARTNER, **override})
        assert response.status_code == 422, (pointer, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert pointer in [error["pointer"] for error in response.json()["errors"]]


async def test_partners_are_listed_by_name_filtered_by_type_and_name(caller: Caller) -> None:
    for name, kind in [("Beta Logistics", "supplier"), ("Alpha University", "university_or_research_centre")]:
        await new_partner(caller, name=name, type=kind)
    await new_partner(caller, name="Gamma Ventures", type="startup")

    async def names(**params: str) -> list[str]:
        response = await caller.get("/v1/partners", params=params)
        assert response.status_code == 200, response.text
        return [partner["name"] for partner in response.json()["items"]]

    assert await names() == ["Alpha University", "Beta Logistics", "Gamma Ventures"]
    assert await names(type="supplier") == ["Beta Logistics"]
    assert await names(q="LOGIST") == ["Beta Logistics"]
    assert await names(q="%") == []  # the search text is literal, not a pattern
    assert await names(order_by="-created_at") == ["Gamma Ventures", "Alpha University", "Beta Logistics"]
    first = (await caller.get("/v1/partners", params={"page_size": "2"})).json()
    second = (
        await caller.get("/v1/partners", params={"page_size": "2", "page_token": first["next_page_token"]})
    ).json()
    assert [p["name"] for p in first["items"] + second["items"]] == await names()
    assert second["next_page_token"] is None


async def test_another_organisations_partner_is_not_found(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    partner = await new_partner(caller)
    stranger = caller_factory("employee")

    assert (await stranger.get(f"/v1/partners/{partner['id']}")).status_code == 404
    assert (await stranger.get("/v1/partners")).json()["items"] == []
    response = await stranger.patch(f"/v1/partners/{partner['id']}", json={"name": "Mine"}, headers={"If-Match": '"1"'})
    assert response.status_code == 404


async def test_a_partner_changes_with_its_etag_by_its_author_or_a_manager(
    caller: Caller, caller_factory: Callable[..., Caller]
) -> None:
    partner = await new_partner(caller)
    url = f"/v1/partners/{partner['id']}"

    assert (await caller.patch(url, json={"type": "supplier"})).status_code == 428
    assert (await caller.patch(url, json={"type": "supplier"}, headers={"If-Match": '"7"'})).status_code == 412
    colleague = caller_factory("employee", organization_id=caller.identity.organization_id)
    assert (await colleague.patch(url, json={"type": "supplier"}, headers={"If-Match": '"1"'})).status_code == 403
    response = await caller.patch(url, json={"type": "supplier", "contacts": []}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["type"] == "supplier"
    assert response.json()["contacts"] == []
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    assert (await manager.patch(url, json={"name": "IML"}, headers={"If-Match": '"2"'})).status_code == 200


async def test_a_collaboration_ties_a_partner_to_an_experiment_and_is_listed_from_both_sides(
    caller: Caller, idea_id: str
) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)

    response = await caller.post(
        f"/v1/partners/{partner['id']}/collaborations", json={**COLLABORATION, "experiment_id": experiment_id}
    )

    assert response.status_code == 201, response.text
    collaboration = response.json()
    assert response.headers["location"] == f"/v1/partners/{partner['id']}/collaborations/{collaboration['id']}"
    assert collaboration["status"] == "proposed"
    assert collaboration["shared_data"] == COLLABORATION["shared_data"]
    assert collaboration["starts_on"] == "2026-02-01"
    by_partner = (await caller.get(f"/v1/partners/{partner['id']}/collaborations")).json()["items"]
    by_experiment = (await caller.get(f"/v1/experiments/{experiment_id}/collaborations")).json()["items"]
    assert by_partner == by_experiment == [collaboration]
    assert (await caller.get(response.headers["location"])).json() == collaboration


async def test_personal_or_customer_data_is_shared_only_under_a_protected_boundary(
    caller: Caller, idea_id: str
) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    url = f"/v1/partners/{partner['id']}/collaborations"
    shared = ["results_raw", "personal_data"]

    refused = await caller.post(
        url,
        json={**COLLABORATION, "experiment_id": experiment_id, "shared_data": shared, "confidentiality": "internal"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/body/confidentiality"
    assert "personal_data" in refused.json()["detail"]
    collaboration = await propose(
        caller, partner["id"], experiment_id, shared_data=shared, confidentiality="confidential"
    )
    item = f"{url}/{collaboration['id']}"
    lowered = await caller.patch(item, json={"confidentiality": "public"}, headers={"If-Match": '"1"'})
    assert lowered.status_code == 422
    assert lowered.json()["errors"][0]["pointer"] == "/body/confidentiality"
    assert (await caller.get(item)).json()["confidentiality"] == "confidential"  # nothing half-written


async def test_collaboration_dates_and_experiment_are_checked(
    caller: Caller, caller_factory: Callable[..., Caller], idea_id: str, submit_idea: SubmitIdea
) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    url = f"/v1/partners/{partner['id']}/collaborations"

    backwards = await caller.post(url, json={**COLLABORATION, "experiment_id": experiment_id, "ends_on": "2026-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["pointer"] == "/body/ends_on"
    timestamp = await caller.post(
        url, json={**COLLABORATION, "experiment_id": experiment_id, "starts_on": "2026-02-01T00:00:00Z"}
    )
    assert timestamp.status_code == 422
    stranger = caller_factory("employee")
    stranger_experiment = await new_experiment(stranger, await submit_idea(stranger.identity))
    foreign = await caller.post(url, json={**COLLABORATION, "experiment_id": stranger_experiment})
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "/body/experiment_id"
    await propose(caller, partner["id"], experiment_id)
    twice = await caller.post(url, json={**COLLABORATION, "experiment_id": experiment_id})
    assert twice.status_code == 409


async def test_only_the_experiments_owner_or_a_manager_sets_up_a_collaboration(
    caller: Caller, caller_factory: Callable[..., Caller], idea_id: str
) -> None:
    experiment_id = await new_experiment(caller, idea_id)
    colleague = caller_factory("employee", organization_id=caller.identity.organization_id)
    partner = await new_partner(colleague)

    response = await colleague.post(
        f"/v1/partners/{partner['id']}/collaborations", json={**COLLABORATION, "experiment_id": experiment_id}
    )

    assert response.status_code == 403
    manager = caller_factory("manager", organization_id=caller.identity.organization_id)
    await propose(manager, partner["id"], experiment_id)


async def test_a_cancelled_experiment_takes_no_new_partner(caller: Caller, idea_id: str) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    cancelled = await caller.post(f"/v1/experiments/{experiment_id}/cancel", json={"reason": "Supplier went bust."})
    assert cancelled.status_code == 200, cancelled.text

    response = await caller.post(
        f"/v1/partners/{partner['id']}/collaborations", json={**COLLABORATION, "experiment_id": experiment_id}
    )

    assert response.status_code == 409
    assert response.json()["experiment_status"] == "cancelled"


async def test_a_collaboration_moves_through_its_statuses_and_illegal_moves_list_the_allowed_ones(
    caller: Caller, idea_id: str
) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    collaboration = await propose(caller, partner["id"], experiment_id)
    url = f"/v1/partners/{partner['id']}/collaborations/{collaboration['id']}"

    skipped = await caller.patch(url, json={"status": "completed"}, headers={"If-Match": '"1"'})
    assert skipped.status_code == 409
    assert skipped.json()["allowed"] == ["active", "ended"]
    active = await caller.patch(
        url, json={"status": "active", "goals": "Cut delivery time."}, headers={"If-Match": '"1"'}
    )
    assert active.status_code == 200, active.text
    assert (active.json()["status"], active.json()["goals"]) == ("active", "Cut delivery time.")
    done = await caller.patch(url, json={"status": "completed"}, headers={"If-Match": '"2"'})
    assert done.json()["status"] == "completed"
    reopened = await caller.patch(url, json={"status": "active"}, headers={"If-Match": '"3"'})
    assert reopened.status_code == 409
    assert reopened.json()["allowed"] == []


async def test_only_a_proposed_collaboration_is_deleted_and_a_partner_with_collaborations_is_kept(
    caller: Caller, idea_id: str
) -> None:
    partner = await new_partner(caller)
    first = await propose(caller, partner["id"], await new_experiment(caller, idea_id))
    second = await propose(caller, partner["id"], await new_experiment(caller, idea_id))
    base = f"/v1/partners/{partner['id']}/collaborations"
    await caller.patch(f"{base}/{second['id']}", json={"status": "active"}, headers={"If-Match": '"1"'})

    kept = await caller.delete(f"/v1/partners/{partner['id']}", headers={"If-Match": '"1"'})
    assert kept.status_code == 409
    assert kept.json()["collaborations"] == 2
    assert (await caller.delete(f"{base}/{second['id']}", headers={"If-Match": '"2"'})).status_code == 409
    assert (await caller.delete(f"{base}/{first['id']}", headers={"If-Match": '"1"'})).status_code == 204
    assert (await caller.get(f"{base}/{first['id']}")).status_code == 404
    assert [item["id"] for item in (await caller.get(base)).json()["items"]] == [second["id"]]


async def test_a_partner_without_collaborations_is_deleted(caller: Caller) -> None:
    partner = await new_partner(caller)

    assert (await caller.delete(f"/v1/partners/{partner['id']}")).status_code == 428
    assert (await caller.delete(f"/v1/partners/{partner['id']}", headers={"If-Match": '"1"'})).status_code == 204
    assert (await caller.get(f"/v1/partners/{partner['id']}")).status_code == 404


async def test_deleting_a_draft_experiment_removes_its_proposed_collaborations(caller: Caller, idea_id: str) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    await propose(caller, partner["id"], experiment_id)

    deleted = await caller.delete(f"/v1/experiments/{experiment_id}", headers={"If-Match": '"1"'})

    assert deleted.status_code == 204, deleted.text
    assert (await caller.get(f"/v1/partners/{partner['id']}/collaborations")).json()["items"] == []
    assert (await caller.delete(f"/v1/partners/{partner['id']}", headers={"If-Match": '"1"'})).status_code == 204


async def test_concurrent_duplicate_proposals_make_one_collaboration_and_one_conflict(
    caller: Caller, idea_id: str
) -> None:
    partner = await new_partner(caller)
    experiment_id = await new_experiment(caller, idea_id)
    url = f"/v1/partners/{partner['id']}/collaborations"
    body = {**COLLABORATION, "experiment_id": experiment_id}

    responses = await asyncio.gather(*(caller.post(url, json=body) for _ in range(4)))

    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
    assert len((await caller.get(url)).json()["items"]) == 1
