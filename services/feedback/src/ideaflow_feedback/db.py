"""The feedback service's own tables live in this metadata."""

from sqlalchemy.orm import DeclarativeBase

from ideaflow_shared.db import new_metadata
from ideaflow_shared.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = new_metadata()


idempotency_keys = idempotency_table(Base.metadata)
