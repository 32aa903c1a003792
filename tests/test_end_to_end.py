"""The system as a front end sees it: real processes, real HTTP, through the gateway."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx

from deploy.local_stack import LocalStack
from ideaflow_shared.identity import mint_token
from ideaflow_shared.testing import new_identity
from tests.conftest import Tenant

IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
}


async def _create_idea(tenant: Tenant) -> dict[str, Any]:
    response = await tenant.client.post("/v1/ideas", json=IDEA)
    assert response.status_code == 201, response.text
    idea: dict[str, Any] = response.json()
    return idea


async def _every(tenant: Tenant, path: str) -> AsyncIterator[dict[str, Any]]:
    """Every item of a list, page after page."""
    params: dict[str, str | int] = {"page_size": 100}
    while True:
        page = (await tenant.client.get(path, params=params)).json()
        for item in page["items"]:
            yield item
        if page["next_page_token"] is None:
            return
        params["page_token"] = page["next_page_token"]


async def test_create_and_read_an_idea_through_the_gateway(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/ideas", json=IDEA, headers={"X-Request-ID": "e2e-create-idea"})

    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "e2e-create-idea"
    read = await tenant.client.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read.json()["stage"] == "submitted"


async def test_experiment_for_an_idea_is_checked_across_services(tenant: Tenant) -> None:
    idea = await _create_idea(tenant)
    experiment = {
        "idea_id": idea["id"],
        "title": "Repeat-order button on 10 % of accounts",
        "hypothesis": "We believe that regulars will reorder faster with one click.",
        "test_description": "To verify that, we will show the button to 10 % of accounts for two weeks.",
        "type": "ab_test",
    }

    created = await tenant.client.post("/v1/experiments", json=experiment)
    unknown = await tenant.client.post("/v1/experiments", json={**experiment, "idea_id": str(uuid.uuid4())})

    assert created.status_code == 201, created.text
    assert created.json()["idea_id"] == idea["id"]
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["errors"][0]["pointer"] == "/body/idea_id"


async def test_feedback_posted_twice_with_one_idempotency_key_is_stored_once(tenant: Tenant) -> None:
    # No external id: only the key can tell that the second post is a retry of the first.
    source = f"crm-{uuid.uuid4().hex[:8]}"
    item = {"text": "Please let me repeat my last order.", "channel": "crm", "source": source}
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    first = await tenant.client.post("/v1/feedback", json=item, headers=headers)
    second = await tenant.client.post("/v1/feedback", json=item, headers=headers)

    assert first.status_code == second.status_code == 201, first.text
    assert second.json() == first.json()
    listed = await tenant.client.get("/v1/feedback", params={"source": source})
    assert [entry["id"] for entry in listed.json()["items"]] == [first.json()["id"]]


async def test_a_crm_resending_under_a_new_id_is_flagged_and_merged_through_the_gateway(tenant: Tenant) -> None:
    source = f"crm-{uuid.uuid4().hex[:8]}"
    item = {"text": "Please let me repeat my last order.", "channel": "crm", "source": source, "customer_ref": "acme"}
    first = (await tenant.client.post("/v1/feedback", json={**item, "external_id": "t-1"})).json()
    resent = (await tenant.client.post("/v1/feedback", json={**item, "external_id": "t-2"})).json()
    flagged = {}
    async for theme in _every(tenant, "/v1/themes"):
        async for entry in _every(tenant, f"/v1/themes/{theme['id']}/items"):
            flagged[entry["feedback_id"]] = entry["duplicate_of_id"]

    merged = await tenant.client.post(
        f"/v1/feedback/{resent['id']}/merge", json={"into_id": first["id"]}, headers={"If-Match": '"1"'}
    )

    assert flagged[resent["id"]] == first["id"]
    assert merged.status_code == 200, merged.text
    assert (merged.json()["status"], merged.json()["merged_into_id"]) == ("merged", first["id"])
    assert merged.headers["etag"] == '"2"'


async def test_another_organisations_idea_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    idea = await _create_idea(tenant)

    response = await other_tenant.client.get(f"/v1/ideas/{idea['id']}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_service_called_around_the_gateway_refuses_the_request(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("ideas")) as direct:
        response = await direct.get("/v1/ideas")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_token_signed_with_another_secret_is_refused(stack: LocalStack) -> None:
    forged = mint_token(new_identity("admin"), "a-secret-that-is-not-the-gateways-at-all")
    async with httpx.AsyncClient(base_url=stack.url("feedback")) as direct:
        response = await direct.get("/v1/feedback", headers={"X-Ideaflow-Token": forged})

    assert response.status_code == 401


async def test_the_gateway_refuses_callers_without_a_valid_key(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway")) as anonymous:
        missing = await anonymous.get("/v1/ideas")
        unknown = await anonymous.get("/v1/ideas", headers={"X-API-Key": "ifk_not-a-real-key"})

    assert missing.status_code == unknown.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"


async def test_the_gateway_serves_one_document_for_the_whole_api(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway")) as anonymous:
        response = await anonymous.get("/openapi.json")

    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    assert {"/v1/ideas", "/v1/experiments", "/v1/feedback", "/v1/api-keys"} <= set(paths)
