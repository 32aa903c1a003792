"""Configuration of the gateway, read from IDEAFLOW_GATEWAY_* variables."""

from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ideaflow_gateway.upstreams import upstream_address
from ideaflow_shared.settings import ProcessSettings, load_settings


class GatewaySettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAFLOW_GATEWAY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/gateway.db"
    port: int = 8000
    ideas_url: str = "http://127.0.0.1:8001"
    experiments_url: str = "http://127.0.0.1:8002"
    feedback_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = Field(default=10, gt=0, le=300)
    upload_timeout_seconds: float = Field(
        default=600, gt=0, le=3600, description="How long an import file's upload and answer may take."
    )
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed to call the API.")
    cors_allow_credentials: bool = False
    api_key_cache_seconds: float = Field(
        default=5, ge=0, le=300, description="A revoked key keeps working for at most this long."
    )

    @field_validator("ideas_url", "experiments_url", "feedback_url")
    @classmethod
    def _plain_http(cls, url: str) -> str:
        upstream_address(url)
        return url

    @model_validator(mode="after")
    def _refuse_credentials_for_any_origin(self) -> Self:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError("cors_allow_credentials cannot be combined with the '*' origin; list the origins")
        return self

    def upstream_urls(self) -> dict[str, str]:
        return {"ideas": self.ideas_url, "experiments": self.experiments_url, "feedback": self.feedback_url}


def get_settings() -> GatewaySettings:
    return load_settings(GatewaySettings)
