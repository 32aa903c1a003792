"""What `/v1/customers` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_shared.types import Email, Label, NonBlank, ShortText

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# A decimal string, so no amount is rounded through a binary float on the way in or out.
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,13}(\.[0-9]{1,2})?$")]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")]
# A customer's id in their source system. No slash, since it is a path segment of the upsert URL.
CustomerExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^/\x00\s][^/\x00]*$"), NonBlank
]


class CustomerValue(BaseModel):
    """What the customer is worth to the business (e.g. MRR); it weighs their feedback in demand."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount = Field(description="A non-negative decimal string with up to two decimals.", examples=["1200.00"])
    currency: CurrencyCode = Field(description="ISO 4217 code.", examples=["EUR"])


class CustomerDetails(BaseModel):
    """The full record a source system holds. A PUT replaces it: omitted fields become null."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Ada Lovelace",
                    "company": "Analytical Engines Ltd",
                    "segment": "enterprise",
                    "value": {"amount": "1200.00", "currency": "EUR"},
                    "email": "ada@example.com",
                    "phone": "+44 20 7946 0000",
                }
            ]
        },
    )

    name: ShortText | None = Field(default=None, description="The person's name (personal data).")
    company: ShortText | None = Field(default=None, description="The organisation the person belongs to.")
    segment: Label | None = Field(default=None, description="A segment label, e.g. `enterprise` (lower-cased).")
    value: CustomerValue | None = Field(default=None, description="e.g. monthly recurring revenue.")
    email: Email | None = Field(default=None, description="Contact e-mail (personal data).")
    phone: Phone | None = Field(default=None, description="Contact phone (personal data).")


class CustomerPublic(BaseModel):
    id: uuid.UUID = Field(description="Opaque and stable, even after erasure.")
    source: str
    external_id: str | None = Field(description="The id in the source system; null once erased.")
    name: str | None
    company: str | None
    segment: str | None
    value: CustomerValue | None
    email: str | None
    phone: str | None
    erased_at: dt.datetime | None = Field(description="When the customer's personal data was erased; null if never.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Grows by one with every change; the ETag is derived from it.")


class CustomerOrder(enum.StrEnum):
    """Sort orders for the customer list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
