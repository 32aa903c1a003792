"""Who may call through the gateway, and what of the caller's credentials reaches a service."""

import asyncio
import uuid

import httpx
from sqlalchemy import update

from ideaflow_gateway.api_keys.models import ApiKey
from ideaflow_gateway.api_keys.service import hash_key
from ideaflow_gateway.authentication import Authenticator
from ideaflow_gateway.main import GatewayApp
from ideaflow_shared.db import utcnow
from ideaflow_shared.identity import verify_token
from ideaflow_shared.testing import TEST_TOKEN_SECRET, new_identity

from .conftest import IssueKey

PROBLEM_JSON = "application/problem+json"


def received_headers(response: httpx.Response) -> dict[str, str]:
    """The headers the recording upstream (playing the experiments service) was sent."""
    assert response.status_code == 200, response.text
    return dict(response.json()["headers"])


async def test_a_request_without_a_key_is_refused_with_a_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/ideas")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient) -> None:
    for key in ("ifk_" + "x" * 43, "not-even-our-format"):
        response = await client.get("/v1/ideas", headers={"X-API-Key": key})
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_the_key_is_accepted_as_x_api_key_and_as_bearer(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    key = await issue_key("employee")

    assert (await client.get("/v1/ideas", headers={"X-API-Key": key})).status_code == 200
    assert (await client.get("/v1/ideas", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    assert (await client.get("/v1/ideas", headers={"Authorization": f"Basic {key}"})).status_code == 401


async def test_a_revoked_key_stops_working(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    organization_id = uuid.uuid4()
    admin = {"X-API-Key": await issue_key("admin", organization_id=organization_id)}
    created = await client.post("/v1/api-keys", json={"name": "to revoke", "roles": ["employee"]}, headers=admin)
    doomed = {"X-API-Key": created.json()["secret"]}
    assert (await client.get("/v1/ideas", headers=doomed)).status_code == 200

    revoked = await client.delete(created.headers["location"], headers={**admin, "If-Match": created.headers["etag"]})

    assert revoked.status_code == 204
    assert (await client.get("/v1/ideas", headers=doomed)).status_code == 401


async def test_the_service_gets_a_signed_identity_and_never_the_callers_credentials(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    organization_id = uuid.uuid4()
    key = await issue_key("manager", organization_id=organization_id)
    forged = new_identity("admin").token  # validly signed, for another organisation: must not get through

    response = await client.get(
        "/v1/experiments/echo",
        headers={"X-API-Key": key, "Authorization": f"Bearer {key}", "X-Ideaflow-Token": forged},
    )

    headers = received_headers(response)
    assert "x-api-key" not in headers
    assert "authorization" not in headers
    identity = verify_token(headers["x-ideaflow-token"], TEST_TOKEN_SECRET)
    assert identity.organization_id == organization_id
    assert identity.roles == frozenset({"manager"})
    assert [name for name, _ in response.json()["headers"]].count("x-ideaflow-token") == 1


async def test_the_request_id_is_echoed_and_passed_on_with_the_trace(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = await client.get(
        "/v1/experiments/echo?page_size=5&tag=a%20b",
        headers={
            "X-API-Key": await issue_key(),
            "X-Request-ID": "req-42",
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
        },
    )

    headers = received_headers(response)
    assert response.headers["x-request-id"] == "req-42"
    assert response.headers.get_list("x-request-id") == ["req-42"]
    assert headers["x-request-id"] == "req-42"
    assert headers["traceparent"].startswith(f"00-{trace_id}-")
    assert response.json()["query"] == "page_size=5&tag=a%20b"
    assert response.headers["x-upstream"] == "recording"


async def test_a_verified_key_is_remembered_for_the_cache_time_then_checked_again(
    gateway: GatewayApp, issue_key: IssueKey
) -> None:
    key = await issue_key("employee")
    cached = Authenticator(token_secret=TEST_TOKEN_SECRET, cache_seconds=60)
    uncached = Authenticator(token_secret=TEST_TOKEN_SECRET, cache_seconds=0)
    cached.sessionmaker = uncached.sessionmaker = gateway.state.sessionmaker

    callers = await asyncio.gather(*(cached.authenticate(key) for _ in range(10)))
    async with gateway.state.sessionmaker() as session, session.begin():
        await session.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(revoked_at=utcnow()))

    assert all(caller is callers[0] for caller in callers)  # one lookup, one minted token
    assert await cached.authenticate(key) is callers[0]  # revocation waits for the cache to expire
    assert await uncached.authenticate(key) is None
