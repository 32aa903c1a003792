"""Settings shared by every process; each process subclasses them with its own env prefix."""

import sys
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only ever used when environment == "development"; production refuses to start without a secret.
DEVELOPMENT_TOKEN_SECRET = "development-only-internal-token-secret-change-me"
MIN_SECRET_LENGTH = 32


class ProcessSettings(BaseSettings):
    """What every Ideaflow process is configured with."""

    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_", extra="ignore")

    environment: Literal["development", "production"] = "production"
    database_url: str = Field(description="SQLAlchemy async URL, e.g. sqlite+aiosqlite:///data/ideas.db")
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=500,
        description="PostgreSQL connections a process (each worker) keeps open at most; a request beyond "
        "them waits for one. PostgreSQL's max_connections must cover the sum over every process.",
    )
    internal_token_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for the gateway-signed internal identity token (shared by all processes).",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger request bodies get 413.")
    migrate_on_start: bool | None = Field(
        default=None, description="Apply migrations at start-up; defaults to on in development only."
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Server processes sharing the port, each with the app and its background jobs "
        "(one per core the process may use).",
    )

    @model_validator(mode="after")
    def _require_secrets_outside_development(self) -> Self:
        if self.internal_token_secret is None:
            if self.environment != "development":
                raise ValueError("internal_token_secret is required outside development mode")
            self.internal_token_secret = SecretStr(DEVELOPMENT_TOKEN_SECRET)
        if len(self.internal_token_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"internal_token_secret must be at least {MIN_SECRET_LENGTH} characters")
        if self.migrate_on_start is None:
            self.migrate_on_start = self.environment == "development"
        return self

    @property
    def token_secret(self) -> str:
        assert self.internal_token_secret is not None  # set by the validator
        return self.internal_token_secret.get_secret_value()


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Read settings from the environment, or exit with a message a human can act on."""
    try:
        return settings_class()
    except ValidationError as error:
        prefix = settings_class.model_config.get("env_prefix", "")
        lines = [f"Invalid configuration for {settings_class.__name__}:"]
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "(settings)"
            variable = f"{prefix}{field}".upper() if item["loc"] else "settings"
            lines.append(f"  {variable}: {item['msg']}")
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None
