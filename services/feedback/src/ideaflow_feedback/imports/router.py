"""HTTP endpoints under `/v1/imports`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from ideaflow_feedback.db import idempotency_keys
from ideaflow_feedback.imports import service
from ideaflow_feedback.imports.models import ImportJob, ImportStatus
from ideaflow_feedback.imports.runner import ImportRunner
from ideaflow_feedback.imports.schemas import ImportCreate, ImportOrder, ImportPublic
from ideaflow_feedback.ingest.parsing import NDJSON
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import etag_for, etag_header
from ideaflow_shared.idempotency import (
    Created,
    IdempotencyKey,
    create_idempotently,
    idempotency_conflict,
    location_header,
)
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/imports", tags=["imports"])

UPLOAD_PATH = r"/v1/imports/[^/]+/file"
"""The one path exempt from the request body cap: the upload streams to disk and is bounded there."""

_ETAG_HEADER = etag_header(description="The import's version.")
_CSV_EXAMPLE = "Ticket,Comment,Stars,Labels\r\nT-1,Please add a dark mode,4,ui;theme\r\nT-2,Export is slow,2,export\r\n"
_NDJSON_EXAMPLE = '{"text": "Please add a dark mode", "channel": "survey", "external_id": "T-1"}\n'
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The whole file, as `text/csv` (UTF-8, the header first) for a `csv` import or as "
        "`application/x-ndjson` (one JSON object per line) for an `ndjson` one. It is streamed to storage, "
        "so its size is bounded by the service's import limit (1 GiB by default), not by the request cap.",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            NDJSON: {"schema": {"type": "string", "description": f"e.g. `{_NDJSON_EXAMPLE.strip()}`"}},
        },
    }
}
_REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV imports: `row,column,message` lines under a header; NDJSON imports: one "
        '`{"row", "pointer", "message"}` object per line. `row` is the line of the file where the row starts '
        "(the CSV header is row 1); `column` / `pointer` is empty when the row as a whole was unreadable.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "row,column,message\r\n3,Stars,expected an integer\r\n",
            },
            NDJSON: {"schema": {"type": "string"}},
        },
    }
}


def _answer(response: Response, job: ImportJob) -> ImportPublic:
    response.headers["ETag"] = etag_for(job.version)
    return service.public(job)


@router.post(
    "",
    status_code=201,
    response_model=ImportPublic,
    summary="Start a file import",
    responses={
        201: {
            "description": "The import, awaiting its file.",
            "headers": {**_ETAG_HEADER, **location_header("import")},
        },
        **idempotency_conflict(),
        **problem_responses(422),
    },
)
async def create_import(
    payload: ImportCreate, *, session: SessionDep, identity: CurrentIdentity, idempotency_key: IdempotencyKey = None
) -> Response:
    """Step one of two: say how to read the file (format, which column holds which field, defaults).

    Step two uploads it with `PUT /v1/imports/{import_id}/file`. Rows are upserted like
    `POST /v1/feedback`, by (source, external_id): importing the same file again never duplicates
    feedback. Rows without an external id get one derived from their contents.
    """

    async def create() -> Created:
        job = await service.create_import(session, identity=identity, data=payload)
        return Created(body=service.public(job), location=service.import_url(job.id), etag=etag_for(job.version))

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.put(
    "/{import_id}/file",
    status_code=202,
    response_model=ImportPublic,
    summary="Upload an import's file",
    openapi_extra=_UPLOAD_BODY,
    responses={
        202: {"description": "The file is stored and the import queued.", "headers": _ETAG_HEADER},
        409: {**problem_responses(409)[409], "description": "The import is not awaiting its file."},
        415: {**problem_responses(415)[415], "description": "The content type does not match the import's format."},
        422: {
            **problem_responses(422)[422],
            "description": "The file is empty, not UTF-8, or its header lacks a mapped column.",
        },
        **problem_responses(404, 413),
    },
)
async def upload_import_file(
    import_id: uuid.UUID, request: Request, *, identity: CurrentIdentity, response: Response
) -> ImportPublic:
    """Stream the file to storage and queue the import; a background runner then imports it.

    Follow its progress with `GET /v1/imports/{import_id}`. The header is checked against the mapping
    before anything is queued. A file is taken once: upload again only to a new import.
    """
    settings: FeedbackSettings = request.app.state.settings
    job = await service.upload_file(
        request.app.state.sessionmaker,
        identity=identity,
        import_id=import_id,
        content_type=request.headers.get("content-type", ""),
        body=request.stream(),
        directory=settings.import_dir,
        max_bytes=settings.import_max_bytes,
    )
    runner: ImportRunner = request.app.state.import_runner
    runner.wakeup.set()
    return _answer(response, job)


@router.get("", response_model=Page[ImportPublic], summary="List imports", responses=problem_responses(400, 422))
async def list_imports(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    status: Annotated[ImportStatus | None, Query(description="Only imports in this status.")] = None,
    order_by: ImportOrder = ImportOrder.CREATED_AT_DESC,
) -> Page[ImportPublic]:
    """The organisation's imports, newest first unless `order_by` says otherwise."""
    items, token = await service.list_imports(session, identity=identity, status=status, order=order_by, page=page)
    return Page(items=[service.public(item) for item in items], next_page_token=token)


@router.get(
    "/{import_id}",
    response_model=ImportPublic,
    summary="Get an import and its progress",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(404, 422)},
)
async def get_import(
    import_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ImportPublic:
    """`processed` grows a batch at a time; `total` appears once the file's rows are counted."""
    return _answer(response, await service.get_import(session, identity=identity, import_id=import_id))


@router.get(
    "/{import_id}/errors",
    response_class=StreamingResponse,
    summary="Download an import's error report",
    responses={**_REPORT, **problem_responses(404, 422)},
)
async def download_import_errors(
    import_id: uuid.UUID, request: Request, *, session: SessionDep, identity: CurrentIdentity
) -> StreamingResponse:
    """Every refused row with its row number and why, in row order; complete once the import has ended."""
    job = await service.get_import(session, identity=identity, import_id=import_id)
    return StreamingResponse(
        service.error_report(request.app.state.sessionmaker, job=job),
        media_type=service.error_report_media_type(job),
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.{job.format}"'},
    )


@router.post(
    "/{import_id}/cancel",
    response_model=ImportPublic,
    summary="Cancel an import",
    responses={
        200: {"headers": _ETAG_HEADER},
        409: {**problem_responses(409)[409], "description": "The import already ended."},
        **problem_responses(404, 422),
    },
)
async def cancel_import(
    import_id: uuid.UUID, request: Request, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ImportPublic:
    """Stop the import before its next batch; the rows imported so far stay."""
    settings: FeedbackSettings = request.app.state.settings
    job = await service.cancel_import(session, identity=identity, import_id=import_id, directory=settings.import_dir)
    return _answer(response, job)
