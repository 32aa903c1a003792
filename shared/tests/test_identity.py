import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI

from ideaflow_shared.identity import CurrentIdentity, Identity, TokenVerifier, mint_token, verify_token
from ideaflow_shared.internal_auth import InternalAuthMiddleware
from ideaflow_shared.problems import Unauthorized, install_problem_handlers

SECRET = "a-test-secret-that-is-long-enough-000"


def test_a_minted_token_verifies_to_the_same_identity() -> None:
    identity = Identity(organization_id=uuid.uuid4(), principal_id="user-1", roles=frozenset({"manager"}))

    verified = verify_token(mint_token(identity, SECRET), SECRET)

    assert verified == identity
    assert verified.has_role("manager")
    assert not verified.has_role("admin")


def test_an_expired_token_is_refused() -> None:
    identity = Identity(organization_id=uuid.uuid4(), principal_id="user-1")

    with pytest.raises(Unauthorized, match="expired"):
        verify_token(mint_token(identity, SECRET, ttl_seconds=-1), SECRET)


def test_a_token_from_another_secret_is_refused() -> None:
    identity = Identity(organization_id=uuid.uuid4(), principal_id="user-1")

    with pytest.raises(Unauthorized, match="invalid"):
        verify_token(mint_token(identity, "another-secret-which-is-long-enough"), SECRET)


async def test_a_remembered_token_is_still_refused_once_it_expires() -> None:
    identity = Identity(organization_id=uuid.uuid4(), principal_id="user-1")
    verifier = TokenVerifier(SECRET)
    token = mint_token(identity, SECRET, ttl_seconds=1)
    assert verifier.verify(token) == identity
    assert verifier.verify(token) == identity

    await asyncio.sleep(2.1)

    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_forged_token_is_refused_every_time() -> None:
    verifier = TokenVerifier(SECRET)
    forged = mint_token(Identity(organization_id=uuid.uuid4(), principal_id="x"), "another-secret-which-is-long-enough")

    for _ in range(2):
        with pytest.raises(Unauthorized, match="invalid"):
            verifier.verify(forged)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/whoami")
    async def whoami(identity: CurrentIdentity) -> dict[str, str]:
        return {"organization_id": str(identity.organization_id), "principal_id": identity.principal_id}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(InternalAuthMiddleware, secret=SECRET)
    return app


async def test_services_refuse_requests_without_a_valid_token_and_see_the_verified_identity() -> None:
    identity = Identity(organization_id=uuid.uuid4(), principal_id="user-7")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://service") as client:
        missing = await client.get("/whoami")
        forged = await client.get("/whoami", headers={"X-Ideaflow-Token": "not.a.token"})
        valid = await client.get("/whoami", headers={"X-Ideaflow-Token": mint_token(identity, SECRET)})
        health = await client.get("/healthz")

    assert missing.status_code == forged.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert valid.json() == {"organization_id": str(identity.organization_id), "principal_id": "user-7"}
    assert health.status_code == 200
