"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from pathlib import Path

from ideaflow_feedback.db import Base
from ideaflow_feedback.main import MIGRATIONS
from ideaflow_shared.migrations import drift
from ideaflow_shared.testing import fresh_database_url


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = await fresh_database_url("ideaflow_test_feedback_drift", tmp_path)

    assert await drift(MIGRATIONS, url, Base.metadata) == []
