"""Configuration of the feedback service, read from IDEAFLOW_FEEDBACK_* variables."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import ProcessSettings, load_settings


class FeedbackSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_FEEDBACK_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/feedback.db"
    port: int = 8003
    ideas_url: str = Field(
        default="http://127.0.0.1:8001", description="Base URL of the ideas service, which owns the ideas."
    )
    ideas_timeout_seconds: float = Field(
        default=5, gt=0, le=60, description="How long one call to the ideas service may take."
    )
    import_dir: Path = Field(
        default=Path("data/imports"),
        description="Where uploaded import files wait until their job ends; replicas must share it.",
    )
    import_max_bytes: int = Field(default=1 << 30, ge=1024, description="The largest import file taken.")
    import_batch_size: int = Field(default=1_000, ge=1, le=10_000, description="Rows upserted per transaction.")
    import_poll_seconds: float = Field(
        default=5, gt=0, le=300, description="How often the import runner looks for jobs other replicas queued."
    )


def get_settings() -> FeedbackSettings:
    return load_settings(FeedbackSettings)
