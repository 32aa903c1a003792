"""What operators rely on: migrations that match the models, health, readiness and metrics."""

from pathlib import Path

import httpx

from ideaflow_ideas.db import Base
from ideaflow_ideas.main import MIGRATIONS
from ideaflow_shared.migrations import drift
from ideaflow_shared.testing import Caller, fresh_database_url


async def test_the_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    database_url = await fresh_database_url("ideaflow_test_ideas_drift", tmp_path)

    assert await drift(MIGRATIONS, database_url, Base.metadata) == []


async def test_health_and_readiness_need_no_token(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/healthz")).json() == {"status": "ok"}
    assert (await app_client.get("/readyz")).json() == {"status": "ok"}


async def test_metrics_count_requests_by_route_template_and_status(caller: Caller) -> None:
    await caller.get("/v1/ideas/00000000-0000-0000-0000-000000000000")

    metrics = (await caller.client.get("/metrics")).text

    assert 'http_requests_total{method="GET",route="/v1/ideas/{idea_id}",status="404"}' in metrics
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/ideas/{idea_id}"}' in metrics


async def test_every_operation_declares_its_errors_as_problems(app_client: httpx.AsyncClient) -> None:
    document = (await app_client.get("/openapi.json")).json()

    operation = document["paths"]["/v1/ideas/{idea_id}"]["patch"]
    assert operation["operationId"] == "ideas_update_idea"
    for status in ("401", "404", "412", "422", "428"):
        assert "application/problem+json" in operation["responses"][status]["content"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
