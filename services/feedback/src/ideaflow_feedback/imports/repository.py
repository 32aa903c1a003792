"""All SQL for imports. Every query a caller reaches is scoped to one organisation."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_feedback.imports.models import ImportJob, ImportRowError, ImportStatus
from ideaflow_feedback.imports.schemas import ImportOrder
from ideaflow_shared.pagination import PageRequest, next_page, paginate


async def get_import(session: AsyncSession, *, organization_id: uuid.UUID, import_id: uuid.UUID) -> ImportJob | None:
    return await session.scalar(
        select(ImportJob).where(ImportJob.organization_id == organization_id, ImportJob.id == import_id)
    )


async def list_imports(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    status: ImportStatus | None,
    order: ImportOrder,
    page: PageRequest,
) -> tuple[Sequence[ImportJob], str | None]:
    statement = select(ImportJob).where(ImportJob.organization_id == organization_id)
    if status is not None:
        statement = statement.where(ImportJob.status == status)
    statement = paginate(
        statement,
        keys=[ImportJob.created_at, ImportJob.id],
        descending=order.value.startswith("-"),
        page=page,
        ordering=order.value,
    )
    rows = (await session.scalars(statement)).all()
    return next_page(rows, page=page, ordering=order.value, key_of=lambda job: (job.created_at, job.id))


async def move_status(
    session: AsyncSession, *, job: ImportJob, to: ImportStatus, allowed_from: Sequence[ImportStatus], now: dt.datetime
) -> bool:
    """Move `job` to `to` if it is still in one of `allowed_from`; False when a concurrent request got there first."""
    values: dict[str, object] = {"status": to, "updated_at": now, "version": ImportJob.version + 1}
    result = await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status.in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def runnable_import_ids(session: AsyncSession, *, stale_before: dt.datetime, limit: int) -> Sequence[uuid.UUID]:
    """Jobs waiting to run, and running jobs whose runner went silent, oldest first (all organisations)."""
    statement = (
        select(ImportJob.id)
        .where(
            or_(
                ImportJob.status == ImportStatus.QUEUED,
                (ImportJob.status == ImportStatus.RUNNING) & (ImportJob.heartbeat_at < stale_before),
            )
        )
        .order_by(ImportJob.queued_at, ImportJob.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def claim(
    session: AsyncSession, *, import_id: uuid.UUID, runner_id: uuid.UUID, stale_before: dt.datetime, now: dt.datetime
) -> bool:
    """Take the job for `runner_id`, unless another runner took it first (one conditional UPDATE decides)."""
    result = await session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == import_id,
            or_(
                ImportJob.status == ImportStatus.QUEUED,
                (ImportJob.status == ImportStatus.RUNNING) & (ImportJob.heartbeat_at < stale_before),
            ),
        )
        .values(status=ImportStatus.RUNNING, runner_id=runner_id, heartbeat_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def lock_for_runner(session: AsyncSession, *, import_id: uuid.UUID, runner_id: uuid.UUID) -> ImportJob | None:
    """The job, locked until the transaction ends, if `runner_id` still holds it and it is still running."""
    job = await session.scalar(select(ImportJob).where(ImportJob.id == import_id).with_for_update())
    if job is None or job.status != ImportStatus.RUNNING or job.runner_id != runner_id:
        return None
    return job


async def add_row_errors(
    session: AsyncSession, *, import_id: uuid.UUID, errors: Sequence[tuple[int, str, str]]
) -> None:
    if errors:
        await session.execute(
            insert(ImportRowError),
            [
                {"import_id": import_id, "row": row, "location": location[:300], "message": message}
                for row, location, message in errors
            ],
        )


async def row_errors_after(
    session: AsyncSession, *, import_id: uuid.UUID, after_id: int, limit: int
) -> Sequence[ImportRowError]:
    """The next `limit` errors of the report in order, after the one with id `after_id` (keyset)."""
    statement = (
        select(ImportRowError)
        .where(ImportRowError.import_id == import_id, ImportRowError.id > after_id)
        .order_by(ImportRowError.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()
