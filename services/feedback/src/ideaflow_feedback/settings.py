"""Configuration of the feedback service, read from IDEAFLOW_FEEDBACK_* variables."""

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import MIN_SECRET_LENGTH, ProcessSettings, load_settings


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
    theme_assigner_poll_seconds: float = Field(
        default=2,
        gt=0,
        le=300,
        description="How often the theme assigner looks for items other replicas stored; it wakes at once "
        "for this process's own.",
    )
    themes_engine: Literal["lexical", "multilingual", "semantic", "semantic-multilingual"] = Field(
        default="lexical",
        description="How new feedback is compared to find its theme. lexical: words and spellings, no "
        "dependency, fast enough for bulk ingest; the sentence-embedding engines find clearly better themes "
        "(docs/performance.md) at 2-30 ms of CPU per item and need the service's `multilingual` or "
        "`semantic` extra. Changing it starts new themes; existing ones keep their engine.",
    )
    webhook_log_retention_days: int = Field(
        default=30,
        ge=7,
        le=3650,
        description="How long integrations' delivery logs and the event ids that turn a sender's retry into a "
        "duplicate are kept. At least 7 days: longer than any supported sender retries (HubSpot: 3 days).",
    )
    public_base_url: AnyHttpUrl | None = Field(
        default=None,
        description="The gateway's public URL as webhook senders call it (e.g. https://api.example.com). "
        "HubSpot signs the full URL it called; defaults to the URL the request arrived with.",
    )
    integration_secrets_key: SecretStr | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        description="Key that seals integrations' signing secrets in the database. Defaults to one derived "
        "from the internal token secret; changing it makes the stored secrets unreadable.",
    )

    @property
    def integration_secrets_key_material(self) -> str:
        explicit = self.integration_secrets_key
        return explicit.get_secret_value() if explicit is not None else "integration-secrets\x1f" + self.token_secret


def get_settings() -> FeedbackSettings:
    return load_settings(FeedbackSettings)
