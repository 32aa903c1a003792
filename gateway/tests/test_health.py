"""Health and readiness, CORS for browser front ends, and the migrations matching the models."""

from pathlib import Path

import httpx

from ideaflow_gateway.db import Base
from ideaflow_gateway.main import MIGRATIONS
from ideaflow_shared.migrations import drift

ALLOWED_ORIGIN = "https://app.example.com"


async def test_readiness_reports_the_database_and_each_service(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["checks"] == {
        "database": "ok",
        "ideas": "ok",
        "experiments": "ok",
        "feedback": "unavailable",
    }
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_a_preflight_from_a_configured_origin_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/ideas",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type, idempotency-key",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_a_preflight_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/ideas",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in response.headers


async def test_migrations_create_exactly_the_models_tables(tmp_path: Path) -> None:
    assert await drift(MIGRATIONS, f"sqlite+aiosqlite:///{tmp_path}/drift.db", Base.metadata) == []
