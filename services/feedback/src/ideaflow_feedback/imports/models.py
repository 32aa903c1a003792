"""The tables behind `/v1/imports`: the job, and one row per problem found in the file."""

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_feedback.db import Base
from ideaflow_shared.db import UTCDateTime


class ImportFormat(enum.StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


class ImportStatus(enum.StrEnum):
    """`awaiting_file` → `queued` → `running` → `succeeded` | `failed`; `cancelled` from any but the last two."""

    AWAITING_FILE = "awaiting_file"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.CANCELLED})


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        Index("ix_import_jobs_org_created", "organization_id", "created_at", "id"),
        Index("ix_import_jobs_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(200))
    format: Mapped[ImportFormat] = mapped_column(_enum(ImportFormat, "import_format"))
    # The ImportCreate options as sent (columns, defaults, separators), read back by the runner.
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus, "import_status"))
    file_bytes: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int | None] = mapped_column(Integer)
    # Rows handled so far, refused ones included; also where a resumed job carries on.
    processed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # The runner that holds the job and when it last committed a batch: a job whose runner went
    # silent (a crash, a restart) is taken over by another after `runner.STALE_AFTER`.
    runner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ImportRowError(Base):
    """One reason a row was refused; a row may have several."""

    __tablename__ = "import_row_errors"
    __table_args__ = (Index("ix_import_row_errors_import", "import_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("import_jobs.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    # The CSV column, or the JSON pointer into an NDJSON line ("" for the row as a whole).
    location: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
