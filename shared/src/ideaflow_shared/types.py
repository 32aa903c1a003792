"""Bounded, storable text for request schemas: every backend accepts what these let through.

Compose your own as `Annotated[str, StringConstraints(max_length=...), Storable]` (or `NonBlank`).
"""

import datetime as dt
import re
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# JSON Schema patterns use ECMAScript's \s, which differs from Python's (e.g. U+001F), so the
# whitespace set is spelled out once and used both in the pattern and when stripping.
_SPACE_CLASS = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACES = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"


class _Text:
    """Annotation for request text that every backend can store, as the schema says.

    NUL is refused (PostgreSQL cannot store it). `required` text is stripped and must not be
    blank; `lower` text is lower-cased. Lone surrogates never get here: pydantic refuses them.
    """

    def __init__(self, *, required: bool = False, lower: bool = False, max_length: int | None = None) -> None:
        self.required = required
        self.lower = lower
        self.max_length = max_length

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        pattern = rf"^[{_SPACE_CLASS}]*[^{_SPACE_CLASS}\u0000][^\u0000]*$" if self.required else r"^[^\u0000]*$"
        json_schema.setdefault("pattern", pattern)
        return json_schema

    def _validate(self, value: str) -> str:
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        if self.required:
            value = value.strip(_SPACES)
            if not value:
                raise ValueError("must not be blank")
        if self.lower:
            value = value.lower()[: self.max_length]  # a few characters grow when lower-cased
        return value


Storable = _Text()
NonBlank = _Text(required=True)


def _whole_number(value: object) -> object:
    # JSON has one number type: 4.0 is the integer 4 (as JSON Schema says), but "4" and true are not.
    if isinstance(value, bool | str) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("expected a whole number")
    return value


# An integer as JSON Schema means it: 3 and 3.0, never true or "3" (pydantic's lax int takes all
# three, StrictInt refuses 3.0). Put the bounds BEFORE it, or they vanish from the schema:
# `Annotated[int, Field(ge=1, le=100), WholeNumber]`.
WholeNumber = BeforeValidator(_whole_number)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_text(value: object) -> object:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("expected an RFC 3339 timestamp with a UTC offset, e.g. 2026-01-31T09:30:00Z")
    if isinstance(value, int | float):
        raise ValueError("expected an RFC 3339 timestamp, not a number")
    return value


def _to_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00: a 422, not a crash
        raise ValueError("the instant lies outside the years 1 to 9999 in UTC") from None


# An instant as RFC 3339 text with an offset (no Unix numbers, no naive times), normalised to UTC.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_to_utc),
]

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), NonBlank]
# An e-mail address as people type it: something@something without spaces or control characters.
# The classes are spelled out because `\s` differs between JSON Schema's regexes and the server's.
Email = Annotated[
    str, StringConstraints(max_length=320, pattern=r"^[^@\x00-\x20\x7f-\x9f]+@[^@\x00-\x20\x7f-\x9f]+$"), NonBlank
]
LongText = Annotated[str, StringConstraints(max_length=10_000), Storable]
Label = Annotated[str, StringConstraints(min_length=1, max_length=40), _Text(required=True, lower=True, max_length=40)]


class PatchModel(BaseModel):
    """Base of PATCH bodies: omitted fields stay as they are; `null` is refused, not stored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_explicit_nulls(self) -> Self:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"omit fields you do not change instead of sending null: {', '.join(sorted(nulls))}")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """Document the fields as non-nullable, since null is refused."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        for field in schema.get("properties", {}).values():
            options = [option for option in field.pop("anyOf", []) if option != {"type": "null"}]
            if len(options) == 1:
                field.update(options[0])
            elif options:
                field["anyOf"] = options
            if field.get("default", "") is None:
                del field["default"]
        return schema

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)
