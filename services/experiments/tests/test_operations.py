"""What operators and client generators rely on: migrations that match the models, health, the contract."""

from pathlib import Path

import httpx
from sqlalchemy import Column, Integer, MetaData

from ideaflow_experiments.db import Base
from ideaflow_experiments.experiments import models  # noqa: F401 - registers the tables
from ideaflow_experiments.main import MIGRATIONS
from ideaflow_shared.migrations import drift
from ideaflow_shared.testing import fresh_database_url


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = await fresh_database_url("ideaflow_test_experiments_drift", tmp_path)

    assert await drift(MIGRATIONS, url, Base.metadata) == []


async def test_a_model_change_without_a_migration_is_detected(tmp_path: Path) -> None:
    url = await fresh_database_url("ideaflow_test_experiments_drift", tmp_path)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["experiments"].append_column(Column("budget", Integer, nullable=True))

    differences = await drift(MIGRATIONS, url, changed)

    assert [(kind, column.name) for kind, *_, column in differences] == [("add_column", "budget")]


async def test_health_and_readiness_need_no_token(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/healthz")).json() == {"status": "ok"}
    assert (await app_client.get("/readyz")).json() == {"status": "ok"}


async def test_create_declares_the_idea_check_errors_as_problems(app_client: httpx.AsyncClient) -> None:
    document = (await app_client.get("/openapi.json")).json()

    operation = document["paths"]["/v1/experiments"]["post"]
    assert operation["operationId"] == "experiments_create_experiment"
    for status in ("401", "409", "422", "503", "504"):
        assert "application/problem+json" in operation["responses"][status]["content"]
    operation_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {
        "experiments_list_experiments",
        "experiments_get_experiment",
        "experiments_update_experiment",
        "experiments_delete_experiment",
    } <= operation_ids
