"""The table behind `/v1/customers`."""

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class Customer(Base):
    """A customer as a source system knows them.

    Erasure keeps the row and its `id` (an opaque key, so counts of distinct customers stay right)
    but nulls every personal field, `external_id` included, and sets `erased_at`. Readers of this
    table treat a customer with `erased_at` set as anonymous: no name, no contact, no CRM reference.
    """

    __tablename__ = "customers"
    __table_args__ = (
        # NULL external ids (erased customers) are distinct on every backend, so never collide.
        UniqueConstraint("organization_id", "source", "external_id"),
        Index("ix_customers_org_created", "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(40))
    # Money in minor units (cents), so sums are exact on every backend.
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    value_currency: Mapped[str | None] = mapped_column(String(3))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
