"""The background runner: takes queued imports and upserts their rows a batch per transaction.

Each batch commits its items, its refused rows and the job's progress together, so GET shows the
job moving and a job taken over after a crash carries on exactly after the last committed row.
Several replicas may run runners side by side: a conditional UPDATE decides who takes a job.
"""

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import structlog
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ideaflow_feedback.feedback.schemas import FeedbackCreate
from ideaflow_feedback.feedback.upsert import StoreOutcome, upsert_feedback
from ideaflow_feedback.imports import reading, repository, spool
from ideaflow_feedback.imports.models import ImportJob, ImportStatus
from ideaflow_feedback.imports.reading import Layout, Row
from ideaflow_feedback.imports.schemas import ImportCreate
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared.app import ExtraLifespan
from ideaflow_shared.db import utcnow, writing

log = structlog.get_logger(__name__)

STALE_AFTER = dt.timedelta(minutes=5)
"""A running job whose runner committed nothing for this long is taken over by another runner."""

RowError = tuple[int, str, str]


def _validate(batch: Sequence[Row], layout: Layout) -> tuple[list[FeedbackCreate], list[RowError]]:
    """The rows that are valid feedback items, and the reasons for the others (per row, per field)."""
    items: list[FeedbackCreate] = []
    errors: list[RowError] = []
    for row in batch:
        if row.item is None:
            errors.append((row.number, "", row.problem or "This row cannot be read."))
            continue
        try:
            items.append(FeedbackCreate.model_validate(row.item))
        except ValidationError as invalid:
            errors.extend((row.number, layout.location(error["loc"]), error["msg"]) for error in invalid.errors())
    return items, errors


def _skip(rows: Iterator[Row], count: int) -> None:
    for _ in itertools.islice(rows, count):
        pass


class ImportRunner:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, directory: Path, batch_size: int, poll_seconds: float
    ) -> None:
        self.sessionmaker = sessionmaker
        self.directory = directory
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.id = uuid.uuid4()
        self.wakeup = asyncio.Event()
        self.current: uuid.UUID | None = None

    async def run_forever(self) -> None:
        """Run jobs while there are any, then wait for an upload (or the next poll, for other replicas')."""
        while True:
            try:
                while await self.run_next():
                    pass
            except Exception:
                log.exception("import_runner_failed")
            # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation that arrives as
            # the wake-up does, and the loop would then outlive the app's shutdown.
            with suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self.wakeup.wait()
            self.wakeup.clear()

    async def run_next(self) -> bool:
        """Take one runnable job and run it to its end; False when there was none to take."""
        now = utcnow()
        async with self.sessionmaker() as session:
            candidates = await repository.runnable_import_ids(session, stale_before=now - STALE_AFTER, limit=10)
        for import_id in candidates:
            async with writing(self.sessionmaker) as session:
                taken = await repository.claim(
                    session, import_id=import_id, runner_id=self.id, stale_before=now - STALE_AFTER, now=utcnow()
                )
            if taken:
                self.current = import_id
                await self._run(import_id)  # cancelled at shutdown, `current` stays set for `release`
                self.current = None
                return True
        return False

    async def release(self) -> None:
        """Give the current job back to the queue (at shutdown), so the next runner resumes it at once."""
        if self.current is None:
            return
        async with writing(self.sessionmaker) as session:
            await session.execute(
                update(ImportJob)
                .where(
                    ImportJob.id == self.current,
                    ImportJob.runner_id == self.id,
                    ImportJob.status == ImportStatus.RUNNING,
                )
                .values(status=ImportStatus.QUEUED, runner_id=None)
            )

    async def _run(self, import_id: uuid.UUID) -> None:
        try:
            await self._import(import_id)
        except Exception:
            log.exception("import_failed", import_id=str(import_id))
            await self._finish(
                import_id, ImportStatus.FAILED, error="An unexpected error stopped the import; it has been logged."
            )

    async def _import(self, import_id: uuid.UUID) -> None:
        async with writing(self.sessionmaker) as session:
            job = await repository.lock_for_runner(session, import_id=import_id, runner_id=self.id)
            if job is None:
                return await self._stopped(import_id)
            job.started_at = job.started_at or utcnow()
        options = ImportCreate.model_validate(job.options)
        path = spool.spooled_file(self.directory, import_id)
        if not path.exists():
            await self._finish(
                import_id,
                ImportStatus.FAILED,
                error="The uploaded file is no longer there (every replica must share the import directory).",
            )
            return
        layout = await asyncio.to_thread(reading.read_header, path, options)
        if job.total is None:
            total = await asyncio.to_thread(reading.count_rows, path, options)
            async with writing(self.sessionmaker) as session:
                job = await repository.lock_for_runner(session, import_id=import_id, runner_id=self.id)
                if job is None:
                    return await self._stopped(import_id)
                job.total = total
        rows = reading.read_rows(path, options)
        try:
            await asyncio.to_thread(_skip, rows, job.processed)
            while batch := await asyncio.to_thread(lambda: list(itertools.islice(rows, self.batch_size))):
                if not await self._store(import_id, batch, layout):
                    return await self._stopped(import_id)
        finally:
            rows.close()  # type: ignore[attr-defined]
        await self._finish(import_id, ImportStatus.SUCCEEDED)

    async def _store(self, import_id: uuid.UUID, batch: Sequence[Row], layout: Layout) -> bool:
        """Upsert one batch and record its progress in one transaction; False if the job was taken away."""
        items, errors = _validate(batch, layout)
        async with writing(self.sessionmaker) as session:
            job = await repository.lock_for_runner(session, import_id=import_id, runner_id=self.id)
            if job is None:
                return False
            # The one path every ingest takes, so an import dedupes exactly like the API.
            stored = await upsert_feedback(
                session, organization_id=job.organization_id, submitted_by=job.created_by, items=items
            )
            outcomes = [result.outcome for result in stored]
            await repository.add_row_errors(session, import_id=import_id, errors=errors)
            job.processed += len(batch)
            job.failed += len({row for row, _, _ in errors})
            job.created += outcomes.count(StoreOutcome.CREATED)
            job.updated += outcomes.count(StoreOutcome.UPDATED)
            job.unchanged += outcomes.count(StoreOutcome.UNCHANGED)
            job.heartbeat_at = job.updated_at = utcnow()
            job.version += 1
        return True

    async def _stopped(self, import_id: uuid.UUID) -> None:
        """The job was cancelled (its file goes) or taken over by another runner (its file stays)."""
        async with self.sessionmaker() as session:
            job = await session.get(ImportJob, import_id)
        if job is not None and job.status == ImportStatus.CANCELLED:
            spool.discard(self.directory, import_id)
        log.info("import_stopped", import_id=str(import_id), status=None if job is None else job.status)

    async def _finish(self, import_id: uuid.UUID, status: ImportStatus, *, error: str | None = None) -> None:
        async with writing(self.sessionmaker) as session:
            job = await repository.lock_for_runner(session, import_id=import_id, runner_id=self.id)
            if job is None:
                return await self._stopped(import_id)
            job.status = status
            job.error = error
            job.finished_at = job.updated_at = utcnow()
            job.version += 1
        spool.discard(self.directory, import_id)


def import_runner_lifespan(settings: FeedbackSettings) -> ExtraLifespan:
    """Run an ImportRunner beside the app for as long as it serves; uploads wake it through app state."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = ImportRunner(
            app.state.sessionmaker,
            directory=settings.import_dir,
            batch_size=settings.import_batch_size,
            poll_seconds=settings.import_poll_seconds,
        )
        app.state.import_runner = runner
        task = asyncio.create_task(runner.run_forever())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            await runner.release()

    return lifespan
