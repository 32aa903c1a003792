"""Configuration of the ideas service, read from IDEAFLOW_IDEAS_* variables."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ideaflow_shared.settings import MIN_SECRET_LENGTH, ProcessSettings, load_settings


class IdeasSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_IDEAS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/ideas.db"
    port: int = 8001
    review_cadence_days: int = Field(
        default=7, ge=1, le=365, description="Ideas unanswered for this many days are listed for reviewers."
    )
    voter_key_secret: SecretStr | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        description="Key of the pseudonyms that keep votes one per person; never stored in the database. "
        "Defaults to one derived from the internal token secret. Changing it lets everyone vote again.",
    )

    @property
    def voter_secret(self) -> str:
        explicit = self.voter_key_secret
        return explicit.get_secret_value() if explicit is not None else "voter-keys\x1f" + self.token_secret


def get_settings() -> IdeasSettings:
    return load_settings(IdeasSettings)
