"""Configuration of the feedback service, read from IDEAFLOW_FEEDBACK_* variables."""

from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import ProcessSettings, load_settings


class FeedbackSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_FEEDBACK_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/feedback.db"
    port: int = 8003


def get_settings() -> FeedbackSettings:
    return load_settings(FeedbackSettings)
