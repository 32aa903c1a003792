"""Configuration of the ideas service, read from IDEAFLOW_IDEAS_* variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import ProcessSettings, load_settings


class IdeasSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_IDEAS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/ideas.db"
    port: int = 8001
    review_cadence_days: int = Field(
        default=7, ge=1, le=365, description="Ideas unanswered for this many days are listed for reviewers."
    )


def get_settings() -> IdeasSettings:
    return load_settings(IdeasSettings)
