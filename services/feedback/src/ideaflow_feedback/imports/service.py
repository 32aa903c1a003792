"""The rules for import jobs: create, upload, cancel, read. The runner does the importing."""

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ideaflow_feedback.imports import reading, repository, spool
from ideaflow_feedback.imports.models import FINISHED, ImportFormat, ImportJob, ImportStatus
from ideaflow_feedback.imports.schemas import ImportCreate, ImportOrder, ImportPublic
from ideaflow_feedback.ingest.parsing import NDJSON, UnsupportedMediaType
from ideaflow_shared.db import WRITE_TRANSACTION, utcnow
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Conflict, NotFound, UnprocessableContent

ERROR_REPORT_CHUNK = 1_000
MEDIA_TYPES = {ImportFormat.CSV: "text/csv", ImportFormat.NDJSON: NDJSON}


def import_url(import_id: uuid.UUID) -> str:
    return f"/v1/imports/{import_id}"


def public(job: ImportJob) -> ImportPublic:
    options = ImportCreate.model_validate(job.options)
    return ImportPublic.model_validate(
        {
            **{name: getattr(job, name) for name in ImportPublic.model_fields if hasattr(job, name)},
            "columns": options.columns,
            "defaults": options.defaults,
            "delimiter": options.delimiter,
            "tag_separator": options.tag_separator,
            "error_report_url": f"{import_url(job.id)}/errors",
        }
    )


async def create_import(session: AsyncSession, *, identity: Identity, data: ImportCreate) -> ImportJob:
    now = utcnow()
    job = ImportJob(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        created_by=identity.principal_id,
        format=data.format,
        options=data.model_dump(mode="json"),
        status=ImportStatus.AWAITING_FILE,
        processed=0,
        failed=0,
        created=0,
        updated=0,
        unchanged=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(job)
    await session.flush()
    return job


async def get_import(session: AsyncSession, *, identity: Identity, import_id: uuid.UUID) -> ImportJob:
    """The job, or NotFound when the caller's organisation has no such import."""
    job = await repository.get_import(session, organization_id=identity.organization_id, import_id=import_id)
    if job is None:
        raise NotFound(f"No import with id {import_id} exists.")
    return job


async def list_imports(
    session: AsyncSession, *, identity: Identity, status: ImportStatus | None, order: ImportOrder, page: PageRequest
) -> tuple[Sequence[ImportJob], str | None]:
    return await repository.list_imports(
        session, organization_id=identity.organization_id, status=status, order=order, page=page
    )


def _not_awaiting_file(job: ImportJob) -> Conflict:
    return Conflict(f"The import is {job.status}; a file is taken only while it is awaiting_file.")


async def upload_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    identity: Identity,
    import_id: uuid.UUID,
    content_type: str,
    body: AsyncIterator[bytes],
    directory: Path,
    max_bytes: int,
) -> ImportJob:
    """Spool the file, check its header against the mapping, and queue the job.

    Sessions are opened here rather than per request: a write transaction held for the whole
    upload would stall every other writer (on SQLite it holds the database's write lock).
    """
    async with sessionmaker() as session:
        job = await get_import(session, identity=identity, import_id=import_id)
    if job.status != ImportStatus.AWAITING_FILE:
        raise _not_awaiting_file(job)
    expected = MEDIA_TYPES[job.format]
    if content_type.split(";")[0].strip().lower() != expected:
        raise UnsupportedMediaType(f"A {job.format} import takes its file as {expected}.")
    partial = await spool.receive(body, directory=directory, import_id=import_id, max_bytes=max_bytes)
    try:
        options = ImportCreate.model_validate(job.options)
        try:
            await asyncio.to_thread(reading.read_header, partial, options)
        except reading.UnreadableFile as unreadable:
            raise UnprocessableContent.at("/body", str(unreadable)) from None
        async with sessionmaker() as session:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            job = await get_import(session, identity=identity, import_id=import_id)
            now = utcnow()
            if not await repository.move_status(
                session, job=job, to=ImportStatus.QUEUED, allowed_from=[ImportStatus.AWAITING_FILE], now=now
            ):
                raise _not_awaiting_file(job)
            job.file_bytes = partial.stat().st_size
            job.queued_at = now
            await session.flush()
            partial.replace(spool.spooled_file(directory, import_id))
            await session.commit()
            await session.refresh(job)
            return job
    finally:
        partial.unlink(missing_ok=True)


async def cancel_import(
    session: AsyncSession, *, identity: Identity, import_id: uuid.UUID, directory: Path
) -> ImportJob:
    """Stop the job: rows already imported stay; a running job stops before its next batch.

    The file goes at once: a runner reading it keeps its open handle until it notices.
    """
    job = await get_import(session, identity=identity, import_id=import_id)
    if job.status in FINISHED:
        raise Conflict(f"The import already ended ({job.status}).")
    now = utcnow()
    if not await repository.move_status(
        session, job=job, to=ImportStatus.CANCELLED, allowed_from=[job.status], now=now
    ):
        raise Conflict("The import changed meanwhile; read it again.")
    job.finished_at = now
    await session.flush()
    await session.refresh(job)
    spool.discard(directory, import_id)
    return job


def error_report_media_type(job: ImportJob) -> str:
    return "text/csv; charset=utf-8" if job.format is ImportFormat.CSV else "application/x-ndjson"


async def error_report(sessionmaker: async_sessionmaker[AsyncSession], *, job: ImportJob) -> AsyncIterator[bytes]:
    """The refused rows in row order, read a chunk at a time so any size streams in constant memory.

    CSV imports get `row,column,message`; NDJSON imports get `{"row", "pointer", "message"}` lines.
    """
    if job.format is ImportFormat.CSV:
        yield b"row,column,message\r\n"
    after_id = 0
    while True:
        async with sessionmaker() as session:
            errors = await repository.row_errors_after(
                session, import_id=job.id, after_id=after_id, limit=ERROR_REPORT_CHUNK
            )
        if not errors:
            return
        after_id = errors[-1].id
        if job.format is ImportFormat.CSV:
            buffer = io.StringIO()
            csv.writer(buffer).writerows((error.row, error.location, error.message) for error in errors)
            yield buffer.getvalue().encode()
        else:
            lines = (
                json.dumps({"row": error.row, "pointer": error.location, "message": error.message}) + "\n"
                for error in errors
            )
            yield "".join(lines).encode()
