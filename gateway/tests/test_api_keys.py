"""`/v1/api-keys`: organisation admins create, list and revoke the keys programs call with."""

import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx

from ideaflow_gateway.main import GatewayApp
from ideaflow_shared.testing import TEST_TOKEN_SECRET

from .conftest import IssueKey

NEW_KEY = {"name": "CRM import", "roles": ["manager"]}


async def test_only_admins_manage_keys(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    manager = {"X-API-Key": await issue_key("manager")}

    for method, path in (("GET", "/v1/api-keys"), ("POST", "/v1/api-keys"), ("GET", f"/v1/api-keys/{uuid.uuid4()}")):
        response = await client.request(method, path, json=NEW_KEY, headers=manager)
        assert response.status_code == 403, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/api-keys")).status_code == 401


async def test_a_created_key_is_shown_once_and_stored_only_as_a_hash(
    client: httpx.AsyncClient, issue_key: IssueKey, gateway: GatewayApp
) -> None:
    admin = {"X-API-Key": await issue_key("admin")}

    created = await client.post("/v1/api-keys", json=NEW_KEY, headers=admin)

    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("ifk_")
    assert len(secret) > 40
    assert created.headers["location"] == f"/v1/api-keys/{body['id']}"
    assert body["prefix"] == secret[:12]
    assert body["roles"] == ["manager"]
    assert body["revoked_at"] is None
    fetched = await client.get(created.headers["location"], headers=admin)
    assert fetched.headers["etag"] == '"1"'
    assert "secret" not in fetched.json()
    assert fetched.json() == {key: value for key, value in body.items() if key != "secret"}
    async with gateway.state.engine.connect() as connection:
        dump = "\n".join(str(row) for row in (await connection.exec_driver_sql("SELECT * FROM api_keys")).all())
    assert secret not in dump
    assert (await client.get("/v1/ideas", headers={"Authorization": f"Bearer {secret}"})).status_code == 200


async def test_a_replayed_create_answers_the_same_key_without_its_secret(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    headers = {"X-API-Key": await issue_key("admin"), "Idempotency-Key": str(uuid.uuid4())}

    first = await client.post("/v1/api-keys", json=NEW_KEY, headers=headers)
    again = await client.post("/v1/api-keys", json=NEW_KEY, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["secret"]
    assert again.json()["secret"] is None
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"


async def test_keys_are_listed_in_pages_and_only_to_their_organisation(
    client: httpx.AsyncClient, issue_key: IssueKey
) -> None:
    organization_id = uuid.uuid4()
    admin = {"X-API-Key": await issue_key("admin", organization_id=organization_id)}
    for number in range(3):
        await client.post("/v1/api-keys", json={**NEW_KEY, "name": f"key {number}"}, headers=admin)

    first = (await client.get("/v1/api-keys", params={"page_size": 2}, headers=admin)).json()
    rest = (await client.get("/v1/api-keys", params={"page_token": first["next_page_token"]}, headers=admin)).json()
    stranger = {"X-API-Key": await issue_key("admin")}

    names = [item["name"] for item in first["items"] + rest["items"]]
    assert names == ["key 2", "key 1", "key 0", "test key"]
    assert rest["next_page_token"] is None
    foreign = await client.get(f"/v1/api-keys/{first['items'][0]['id']}", headers=stranger)
    assert foreign.status_code == 404


async def test_revoking_needs_the_current_etag(client: httpx.AsyncClient, issue_key: IssueKey) -> None:
    admin = {"X-API-Key": await issue_key("admin")}
    location = (await client.post("/v1/api-keys", json=NEW_KEY, headers=admin)).headers["location"]

    assert (await client.delete(location, headers=admin)).status_code == 428
    assert (await client.delete(location, headers={**admin, "If-Match": '"9"'})).status_code == 412
    assert (await client.delete(location, headers={**admin, "If-Match": '"1"'})).status_code == 204
    revoked = await client.get(location, headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert revoked.headers["etag"] == '"2"'
    assert (await client.delete(location, headers={**admin, "If-Match": '"2"'})).status_code == 409


async def test_the_cli_prints_only_a_key_that_then_authenticates(
    client: httpx.AsyncClient, gateway_database_url: str
) -> None:
    organization_id = uuid.uuid4()
    environment = {
        **os.environ,
        "IDEAFLOW_GATEWAY_ENVIRONMENT": "development",
        "IDEAFLOW_GATEWAY_DATABASE_URL": gateway_database_url,
        "IDEAFLOW_GATEWAY_INTERNAL_TOKEN_SECRET": TEST_TOKEN_SECRET,
    }
    command = [
        str(Path(sys.executable).parent / "ideaflow-gateway"),
        "create-api-key",
        f"--organization-id={organization_id}",
        "--name=run script",
        "--roles=admin,manager",
    ]

    process = await asyncio.create_subprocess_exec(
        *command, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 0, stderr.decode()
    key = stdout.decode().strip()
    assert stdout.decode() == key + "\n"
    assert key.startswith("ifk_")
    listed = await client.get("/v1/api-keys", headers={"X-API-Key": key})
    assert listed.status_code == 200
    assert [item["roles"] for item in listed.json()["items"]] == [["admin", "manager"]]
