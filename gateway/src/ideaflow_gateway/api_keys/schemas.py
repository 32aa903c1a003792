"""What `/v1/api-keys` accepts and answers."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_shared.types import Label, NonBlank, ShortText

PrincipalId = Annotated[str, StringConstraints(min_length=1, max_length=200), NonBlank]
Roles = Annotated[list[Label], Field(min_length=1, max_length=10, description="Roles the key's caller has.")]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "CRM import", "roles": ["manager"]}]},
    )

    name: ShortText = Field(description="What the key is for, so that people know which one to revoke.")
    roles: Roles
    principal_id: PrincipalId | None = Field(
        default=None, description="Who calls with this key; defaults to `api-key:<key id>`."
    )


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    principal_id: str
    roles: list[str]
    prefix: str = Field(description="The first characters of the key, to tell keys apart; not a secret.")
    created_at: dt.datetime
    revoked_at: dt.datetime | None = Field(description="When the key stopped working; null while it works.")
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class ApiKeyCreated(ApiKeyPublic):
    secret: str | None = Field(
        default=None,
        description="The key itself, shown in this first response only (it is stored as a hash). "
        "A replay of the same Idempotency-Key answers null here.",
    )
