"""What `/v1/partners` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_experiments.partners.models import PartnerType
from ideaflow_shared.types import Email, PatchModel, ShortText, Storable

Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")]


def _readable_address(value: str) -> str:
    """Refuse what the pattern lets through but a URL parser cannot read: an unbalanced bracket in the
    host, or a host character whose compatibility form is a delimiter (e.g. `︓`, a colon)."""
    try:
        urlsplit(value)
    except ValueError as error:
        raise ValueError(f"not a web address a URL parser can read ({error})") from None
    return value


Website = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^https?://[^\s\x00]+$"),
    AfterValidator(_readable_address),
    Field(description="The partner's web address (http or https), e.g. `https://example.org/about`."),
]
Description = Annotated[str, StringConstraints(max_length=5000), Storable]
Role = Annotated[str, StringConstraints(max_length=200), Storable]


class Contact(BaseModel):
    """A person to talk to at the partner."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    role: Role = Field(default="", description="Their role, e.g. 'Professor of logistics'.")
    email: Email | None = None
    phone: Phone | None = None


Contacts = Annotated[list[Contact], Field(max_length=20, description="Up to 20 contacts.")]

_EXAMPLE: dict[str, Any] = {
    "name": "Fraunhofer IML",
    "type": "university_or_research_centre",
    "website": "https://www.iml.fraunhofer.de",
    "description": "Applied research in logistics; runs our route-planning pilot.",
    "contacts": [{"name": "Dr. Lena Koch", "role": "Project lead", "email": "lena.koch@example.org"}],
}


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: ShortText = Field(description="The organisation's name.")
    type: PartnerType
    website: Website | None = None
    description: Description = ""
    contacts: Contacts = Field(default_factory=list)


class PartnerUpdate(PatchModel):
    """Fields to change; omitted fields stay as they are. `contacts` replaces the stored list."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"type": "supplier"}]})

    name: ShortText | None = None
    type: PartnerType | None = None
    website: Website | None = None
    description: Description | None = None
    contacts: Contacts | None = None


class PartnerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE]})

    id: uuid.UUID
    name: str
    type: PartnerType
    website: str | None
    description: str
    contacts: list[Contact]
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class PartnerOrder(enum.StrEnum):
    NAME = "name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
