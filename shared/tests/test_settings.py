import pytest
from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import DEVELOPMENT_TOKEN_SECRET, ProcessSettings, load_settings


class ExampleSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_EXAMPLE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/example.db"


def test_production_refuses_to_start_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IDEAFLOW_EXAMPLE_ENVIRONMENT", "production")

    with pytest.raises(SystemExit) as exit_info:
        load_settings(ExampleSettings)

    assert exit_info.value.code == 2
    assert "internal_token_secret is required outside development" in capsys.readouterr().err


def test_a_short_secret_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IDEAFLOW_EXAMPLE_INTERNAL_TOKEN_SECRET", "too-short")

    with pytest.raises(SystemExit):
        load_settings(ExampleSettings)

    assert "at least 32 characters" in capsys.readouterr().err


def test_a_bad_value_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IDEAFLOW_EXAMPLE_ENVIRONMENT", "development")
    monkeypatch.setenv("IDEAFLOW_EXAMPLE_PORT", "not-a-port")

    with pytest.raises(SystemExit):
        load_settings(ExampleSettings)

    assert "IDEAFLOW_EXAMPLE_PORT" in capsys.readouterr().err


def test_development_mode_has_a_default_secret_and_migrates_on_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEAFLOW_EXAMPLE_ENVIRONMENT", "development")

    settings = load_settings(ExampleSettings)

    assert settings.token_secret == DEVELOPMENT_TOKEN_SECRET
    assert settings.migrate_on_start is True
