"""The migrations build exactly the tables the models describe, on SQLite and on PostgreSQL."""

from pathlib import Path

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
