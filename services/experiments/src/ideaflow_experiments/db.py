"""The experiments service's own tables live in this metadata."""

import enum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase

from ideaflow_shared.db import new_metadata
from ideaflow_shared.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = new_metadata()


idempotency_keys = idempotency_table(Base.metadata)


def string_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """An enum stored as a plain string with a CHECK constraint, so a new value is a one-line migration."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
