"""Bounded, storable text for request schemas: every backend accepts what these let through.

Compose your own as `Annotated[str, StringConstraints(max_length=...), Storable]`.
"""

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Storable = AfterValidator(_storable)

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable]
LongText = Annotated[str, StringConstraints(max_length=10_000), Storable]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
    Storable,
]


class PatchModel(BaseModel):
    """Base of PATCH bodies: omitted fields stay as they are; `null` is refused, not stored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_explicit_nulls(self) -> Self:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"omit fields you do not change instead of sending null: {', '.join(sorted(nulls))}")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)
