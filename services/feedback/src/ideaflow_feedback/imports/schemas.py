"""What `/v1/imports` accepts and answers."""

import datetime as dt
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideaflow_feedback.feedback.models import FeedbackChannel, FeedbackKind
from ideaflow_feedback.feedback.schemas import SourceName, UniqueTags
from ideaflow_feedback.imports.models import ImportFormat, ImportStatus
from ideaflow_shared.types import Label, NonBlank, Storable

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=200), NonBlank]
Separator = Annotated[str, StringConstraints(min_length=1, max_length=1), Storable]

DEFAULT_IMPORT_SOURCE = "import"


class ColumnMapping(BaseModel):
    """Which column of the file (or key of an NDJSON object) holds each feedback field.

    A field left out is read from a column named like the field, if the file has one.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "Comment", "rating": "Stars"}]})

    text: ColumnName | None = None
    title: ColumnName | None = None
    channel: ColumnName | None = None
    kind: ColumnName | None = None
    rating: ColumnName | None = None
    nps: ColumnName | None = None
    tags: ColumnName | None = Field(default=None, description="Several tags in one cell, split by `tag_separator`.")
    product_area: ColumnName | None = None
    customer_ref: ColumnName | None = None
    source: ColumnName | None = None
    external_id: ColumnName | None = None
    received_at: ColumnName | None = None


class ImportDefaults(BaseModel):
    """Values for rows that leave a field empty (or whose file has no column for it)."""

    model_config = ConfigDict(extra="forbid")

    channel: FeedbackChannel | None = None
    kind: FeedbackKind | None = None
    source: SourceName = Field(
        default=DEFAULT_IMPORT_SOURCE,
        description="The system the file comes from; with `external_id` it is what makes re-imports update.",
    )
    product_area: Label | None = None
    tags: UniqueTags = Field(default_factory=list, description="Tags for rows without any.")


class ImportCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "format": "csv",
                    "columns": {"text": "Comment", "external_id": "Ticket", "rating": "Stars", "tags": "Labels"},
                    "defaults": {"channel": "survey", "source": "typeform"},
                    "tag_separator": ";",
                }
            ]
        },
    )

    format: ImportFormat = Field(
        default=ImportFormat.CSV,
        description="`csv` (UTF-8, first row the header) or `ndjson` (one JSON object per line).",
    )
    columns: ColumnMapping = Field(default_factory=ColumnMapping)
    defaults: ImportDefaults = Field(default_factory=ImportDefaults)
    delimiter: Separator = Field(default=",", description="The CSV field delimiter.")
    tag_separator: Separator = Field(default=",", description="What separates several tags in one CSV cell.")


class ImportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    format: ImportFormat
    status: ImportStatus = Field(
        description="`awaiting_file` until the file is uploaded, then `queued`, `running`, and `succeeded` "
        "(even when some rows were refused: see `failed`), `failed` (the job stopped; see `error`) or `cancelled`."
    )
    columns: ColumnMapping
    defaults: ImportDefaults
    delimiter: str
    tag_separator: str
    file_bytes: int | None = Field(description="The uploaded file's size; null before the upload.")
    total: int | None = Field(description="Rows in the file, once the job has counted them; null until then.")
    processed: int = Field(description="Rows handled so far, refused ones included.")
    failed: int = Field(description="Rows refused; each reason is in the error report.")
    created: int = Field(description="Feedback items created.")
    updated: int = Field(description="Items that were already stored (same source and external id) and changed.")
    unchanged: int = Field(description="Items already stored exactly so.")
    error: str | None = Field(description="Why a `failed` job stopped.")
    error_report_url: str = Field(description="The refused rows with their row numbers and reasons.")
    created_by: str
    created_at: dt.datetime
    queued_at: dt.datetime | None = Field(description="When the upload completed.")
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    updated_at: dt.datetime
    version: int = Field(description="Grows with every change; the ETag is derived from it.")


class ImportOrder(enum.StrEnum):
    """Sort orders for the import list; a leading `-` means newest first."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
