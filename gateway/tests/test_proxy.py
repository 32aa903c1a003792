"""Requests reach the service that owns their path, and failures upstream are problems, never hangs."""

import uuid

import httpx

from .conftest import IssueKey

PROBLEM_JSON = "application/problem+json"
IDEA = {
    "title": "Pre-fill repeat orders",
    "problem": "Regular customers re-type the same order every week.",
    "proposal": "Offer a one-click 'repeat last order' on the order page.",
}


async def test_an_idea_created_through_the_gateway_belongs_to_the_keys_organisation(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    organization_id = uuid.uuid4()
    author = {"X-API-Key": await issue_key("employee", organization_id=organization_id)}
    colleague = {"Authorization": f"Bearer {await issue_key('employee', organization_id=organization_id)}"}
    stranger = {"X-API-Key": await issue_key("admin")}

    created = await client.post("/v1/ideas", json=IDEA, headers=author)

    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert created.headers["etag"] == '"1"'
    fetched = await client.get(location, headers=colleague)
    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert fetched.headers["etag"] == '"1"'
    assert (await client.get(location, headers=stranger)).status_code == 404
    assert [idea["id"] for idea in (await client.get("/v1/ideas", headers=colleague)).json()["items"]] == [
        created.json()["id"]
    ]


async def test_the_services_problems_pass_through_unchanged(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    response = await client.post("/v1/ideas", json={**IDEA, "title": ""}, headers={"X-API-Key": await issue_key()})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "/body/title" in {error["pointer"] for error in response.json()["errors"]}


async def test_an_unreachable_service_is_a_503_problem(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    response = await client.get("/v1/feedback", headers={"X-API-Key": await issue_key()})

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "feedback" in response.json()["detail"]


async def test_a_service_too_slow_to_answer_is_a_504_problem_in_time(
    impatient_client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    response = await impatient_client.get("/v1/experiments/slow", headers={"X-API-Key": await issue_key()}, timeout=1.4)

    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_an_import_upload_may_take_longer_than_the_upstream_timeout(
    impatient_client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    response = await impatient_client.put(
        "/v1/imports/slow/file",
        content=b"text\n" + b"x" * 2_000_000,
        headers={"X-API-Key": await issue_key(), "Content-Type": "text/csv"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.json()["body_bytes"] == 2_000_005


async def test_a_body_over_the_cap_is_refused_before_it_is_forwarded(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    key = await issue_key()
    huge = {**IDEA, "problem": "x" * (65 * 1024)}

    response = await client.post("/v1/ideas", json=huge, headers={"X-API-Key": key})

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get("/v1/ideas", headers={"X-API-Key": key})).json()["items"] == []


async def test_a_request_body_is_streamed_to_the_service(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    response = await client.post(
        "/v1/experiments/echo", content=b"y" * 50_000, headers={"X-API-Key": await issue_key()}
    )

    assert response.json()["body_bytes"] == 50_000


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    for path in ("/v1/nothing-here", "/v2/ideas", "/ideas"):
        response = await client.get(path, headers={"X-API-Key": await issue_key()})
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM_JSON
