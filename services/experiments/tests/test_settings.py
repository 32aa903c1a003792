"""The experiments process is configured from IDEAFLOW_EXPERIMENTS_* variables."""

import pytest

from ideaflow_experiments.settings import ExperimentsSettings


def test_defaults_point_at_the_local_ideas_service() -> None:
    settings = ExperimentsSettings(environment="development")

    assert settings.port == 8002
    assert settings.database_url == "sqlite+aiosqlite:///data/experiments.db"
    assert settings.ideas_url == "http://127.0.0.1:8001"
    assert settings.ideas_timeout_seconds == 5


def test_ideas_service_address_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEAFLOW_EXPERIMENTS_ENVIRONMENT", "development")
    monkeypatch.setenv("IDEAFLOW_EXPERIMENTS_IDEAS_URL", "http://ideas:8001")
    monkeypatch.setenv("IDEAFLOW_EXPERIMENTS_IDEAS_TIMEOUT_SECONDS", "1.5")

    settings = ExperimentsSettings()

    assert settings.ideas_url == "http://ideas:8001"
    assert settings.ideas_timeout_seconds == 1.5
