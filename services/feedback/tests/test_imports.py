"""`/v1/imports`: CSV and NDJSON files imported as feedback by a background job, row by row."""

import asyncio
import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update

from ideaflow_feedback.imports.models import ImportJob, ImportStatus
from ideaflow_shared.db import create_engine, create_sessionmaker
from ideaflow_shared.testing import Caller

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}
ENDED = {"succeeded", "failed", "cancelled"}

SURVEY = (
    "Ticket,Comment,Stars,Labels,When,Customer,Internal note\r\n"
    "T-1,Please add a dark mode,4,ui; theme,2026-03-02T09:30:00Z,C-7,ignore me\r\n"
    '"T-2","Exports are slow, and they time out",2,export,,C-8,\r\n'
)
SURVEY_OPTIONS: dict[str, Any] = {
    "format": "csv",
    "columns": {
        "external_id": "Ticket",
        "text": "Comment",
        "rating": "Stars",
        "tags": "Labels",
        "received_at": "When",
        "customer_ref": "Customer",
    },
    "defaults": {"channel": "survey", "source": "typeform"},
    "tag_separator": ";",
}


async def start_import(caller: Caller, options: dict[str, Any], content: str | bytes, headers: dict[str, str]) -> str:
    created = await caller.post("/v1/imports", json=options)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "awaiting_file"
    import_id: str = created.json()["id"]
    uploaded = await upload(caller, import_id, content, headers)
    assert uploaded.status_code == 202, uploaded.text
    assert uploaded.json()["status"] in {"queued", "running", "succeeded"}
    return import_id


async def upload(caller: Caller, import_id: str, content: str | bytes, headers: dict[str, str]) -> Any:
    return await caller.request("PUT", f"/v1/imports/{import_id}/file", content=content, headers=headers)


async def finished(caller: Caller, import_id: str) -> dict[str, Any]:
    for _ in range(300):
        job: dict[str, Any] = (await caller.get(f"/v1/imports/{import_id}")).json()
        if job["status"] in ENDED:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"import {import_id} did not end: {job}")


async def feedback_of(caller: Caller, source: str) -> list[dict[str, Any]]:
    response = await caller.get("/v1/feedback", params={"source": source, "page_size": 100, "order_by": "received_at"})
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def error_report(caller: Caller, import_id: str) -> list[list[str]]:
    response = await caller.get(f"/v1/imports/{import_id}/errors")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


async def test_a_csv_file_becomes_feedback_through_the_column_mapping(caller: Caller) -> None:
    import_id = await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV)

    job = await finished(caller, import_id)

    assert job["status"] == "succeeded"
    assert (job["total"], job["processed"], job["failed"], job["created"]) == (2, 2, 0, 2)
    assert job["started_at"] is not None
    assert job["finished_at"] is not None
    items = {item["external_id"]: item for item in await feedback_of(caller, "typeform")}
    assert set(items) == {"T-1", "T-2"}
    first, second = items["T-1"], items["T-2"]
    assert (first["text"], first["rating"], first["tags"], first["channel"]) == (
        "Please add a dark mode",
        4,
        ["ui", "theme"],
        "survey",
    )
    assert first["received_at"].startswith("2026-03-02T09:30:00")
    assert first["customer_ref"] == "C-7"
    assert first["customer_id"] is not None
    assert first["submitted_by"] == caller.identity.principal_id
    assert second["text"] == "Exports are slow, and they time out"
    assert second["tags"] == ["export"]


async def test_an_ndjson_file_is_read_line_by_line_with_renamed_keys(caller: Caller) -> None:
    lines = [
        json.dumps({"comment": "Love the new search", "channel": "email", "id": "n-1", "tags": ["search"]}),
        "",
        json.dumps({"comment": "Login fails on mobile", "channel": "phone", "id": "n-2", "nps": 3}),
    ]
    options = {"format": "ndjson", "columns": {"text": "comment", "external_id": "id"}, "defaults": {"source": "app"}}
    import_id = await start_import(caller, options, "\n".join(lines) + "\n", NDJSON)

    job = await finished(caller, import_id)

    assert (job["status"], job["total"], job["processed"], job["created"], job["failed"]) == ("succeeded", 2, 2, 2, 0)
    items = {item["external_id"]: item for item in await feedback_of(caller, "app")}
    assert items["n-1"]["tags"] == ["search"]
    assert items["n-1"]["channel"] == "email"
    assert items["n-2"]["nps"] == 3
    assert items["n-2"]["text"] == "Login fails on mobile"


async def test_bad_rows_are_reported_with_their_row_numbers_and_never_sink_the_good_ones(caller: Caller) -> None:
    content = (
        "Ticket,Comment,Stars\n"
        "B-1,Good row,5\n"  # row 2
        "B-2,Bad stars,lots\n"  # row 3
        "B-3,,3\n"  # row 4: no text
        "B-4,Too,many,fields\n"  # row 5
        '"B-5","A quoted\nmulti-line comment",1\n'  # rows 6-7
        "B-6,Another bad row,9\n"  # row 8
    )
    options = {
        "columns": {"external_id": "Ticket", "text": "Comment", "rating": "Stars"},
        "defaults": {"channel": "crm", "source": "bad"},
    }
    import_id = await start_import(caller, options, content, CSV)

    job = await finished(caller, import_id)

    assert (job["status"], job["total"], job["processed"], job["failed"], job["created"]) == ("succeeded", 6, 6, 4, 2)
    assert {item["external_id"] for item in await feedback_of(caller, "bad")} == {"B-1", "B-5"}
    header, *rows = await error_report(caller, import_id)
    assert header == ["row", "column", "message"]
    assert [(row, column) for row, column, _ in rows] == [("3", "Stars"), ("4", "Comment"), ("5", ""), ("8", "Stars")]
    assert "integer" in rows[0][2]
    assert "4 fields" in rows[2][2]
    assert "3" in rows[2][2]


async def test_the_error_report_names_the_rule_never_the_value(caller: Caller) -> None:
    """An error report outlives the rows it describes and erasure does not search it: it must not copy
    what a row said (a customer's name or address in a wrong column, say)."""
    personal = ("Ada Lovelace", "ada.lovelace@example.org", "Lovelace")
    long_ref = "ada.lovelace@example.org/" + "x" * 200
    content = (
        "Ticket,Comment,Stars,Channel,When,Customer,Title\n"
        "P-1,Fine,5,crm,,C-1,\n"  # row 2
        "P-2,Text,Ada Lovelace,crm,,C-2,\n"  # row 3: rating
        "P-3,Text,3,ada.lovelace@example.org,,C-3,\n"  # row 4: channel
        "P-4,Text,3,crm,Lovelace's birthday,C-4,\n"  # row 5: received_at
        f"P-5,Text,3,crm,,{long_ref},\n"  # row 6: customer_ref too long
        f"P-6,Text,3,crm,,C-6,{'Ada Lovelace ' * 20}\n"  # row 7: title too long
    )
    columns = {
        "external_id": "Ticket",
        "text": "Comment",
        "rating": "Stars",
        "channel": "Channel",
        "received_at": "When",
        "customer_ref": "Customer",
        "title": "Title",
    }
    import_id = await start_import(caller, {"columns": columns, "defaults": {"source": "pii"}}, content, CSV)

    job = await finished(caller, import_id)
    report = (await caller.get(f"/v1/imports/{import_id}/errors")).text

    assert (job["processed"], job["failed"]) == (6, 5)
    _header, *rows = list(csv.reader(io.StringIO(report)))
    assert [(row, column) for row, column, _ in rows] == [
        ("3", "Stars"),
        ("4", "Channel"),
        ("5", "When"),
        ("6", "Customer"),
        ("7", "Title"),
    ]
    assert all(message for _, _, message in rows)
    assert not [value for value in personal if value.lower() in report.lower()]


async def test_the_ndjson_error_report_points_into_each_line(caller: Caller) -> None:
    lines = ['{"text": "Fine", "channel": "crm"}', "not json", '{"text": "Bad channel", "channel": "fax"}', "[1, 2]"]
    import_id = await start_import(caller, {"format": "ndjson"}, "\n".join(lines), NDJSON)

    job = await finished(caller, import_id)

    assert (job["processed"], job["failed"], job["created"]) == (4, 3, 1)
    response = await caller.get(f"/v1/imports/{import_id}/errors")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    report = [json.loads(line) for line in response.text.splitlines()]
    assert [(entry["row"], entry["pointer"]) for entry in report] == [(2, ""), (3, "/channel"), (4, "")]
    assert report[0]["message"] == "This line is not valid JSON."


async def test_importing_the_same_file_again_never_duplicates_feedback(caller: Caller) -> None:
    first = await finished(caller, await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV))
    again = await finished(caller, await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV))
    assert (first["created"], again["created"], again["unchanged"]) == (2, 0, 2)
    assert len(await feedback_of(caller, "typeform")) == 2

    # Without an id column, rows get ids derived from their contents: a re-run still only matches them.
    plain = {"columns": {"text": "Comment"}, "defaults": {"channel": "other", "source": "plain"}}
    content = "Comment\nFirst remark\nSecond remark\n"
    runs = [await finished(caller, await start_import(caller, plain, content, CSV)) for _ in range(2)]
    assert [(run["created"], run["unchanged"]) for run in runs] == [(2, 0), (0, 2)]
    assert len(await feedback_of(caller, "plain")) == 2


async def test_a_changed_row_updates_the_stored_item(caller: Caller) -> None:
    await finished(caller, await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV))
    changed = SURVEY.replace("Please add a dark mode", "Please add a dark mode urgently")

    job = await finished(caller, await start_import(caller, SURVEY_OPTIONS, changed, CSV))

    assert (job["created"], job["updated"], job["unchanged"]) == (0, 1, 1)
    texts = {item["external_id"]: item["text"] for item in await feedback_of(caller, "typeform")}
    assert texts["T-1"] == "Please add a dark mode urgently"


async def test_upload_problems_are_clear_and_leave_the_import_waiting_for_a_good_file(caller: Caller) -> None:
    created = await caller.post("/v1/imports", json={"columns": {"text": "Comment", "rating": "Score"}})
    import_id = created.json()["id"]

    wrong_type = await upload(caller, import_id, "Comment\nHi\n", NDJSON)
    unknown_column = await upload(caller, import_id, "Comment,Stars\nHi,3\n", CSV)
    empty = await upload(caller, import_id, b"", CSV)
    not_utf8 = await upload(caller, import_id, "Comment,Score\nCafé,3\n".encode("latin-1"), CSV)

    assert wrong_type.status_code == 415
    assert unknown_column.status_code == 422
    assert unknown_column.headers["content-type"] == "application/problem+json"
    assert "'Score'" in unknown_column.json()["detail"]
    assert "'Stars'" in unknown_column.json()["detail"]
    assert unknown_column.json()["errors"][0]["pointer"] == "/body"
    assert empty.status_code == 422
    assert not_utf8.status_code == 422
    assert (await caller.get(f"/v1/imports/{import_id}")).json()["status"] == "awaiting_file"

    good = await upload(caller, import_id, "Comment,Score\nHi,3\n", CSV)
    assert good.status_code == 202
    again = await upload(caller, import_id, "Comment,Score\nHi,3\n", CSV)
    assert again.status_code == 409


async def test_a_file_without_a_text_column_is_refused(caller: Caller) -> None:
    created = await caller.post("/v1/imports", json={})
    response = await upload(caller, created.json()["id"], "Comment\nHello\n", CSV)
    assert response.status_code == 422
    assert "text" in response.json()["detail"]


async def test_invalid_options_are_refused_at_create(caller: Caller) -> None:
    response = await caller.post("/v1/imports", json={"columns": {"txt": "Comment"}, "defaults": {"channel": "fax"}})
    assert response.status_code == 422
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"/body/columns/txt", "/body/defaults/channel"} <= pointers


async def test_the_create_is_idempotent_by_key(caller: Caller) -> None:
    headers = {"Idempotency-Key": f"import-{uuid.uuid4()}"}
    first = await caller.post("/v1/imports", json=SURVEY_OPTIONS, headers=headers)
    second = await caller.post("/v1/imports", json=SURVEY_OPTIONS, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"/v1/imports/{first.json()['id']}"


async def test_imports_are_listed_newest_first_and_filtered_by_status(caller: Caller) -> None:
    waiting = (await caller.post("/v1/imports", json={})).json()["id"]
    done = await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV)
    await finished(caller, done)

    listed = (await caller.get("/v1/imports")).json()["items"]
    succeeded = (await caller.get("/v1/imports", params={"status": "succeeded"})).json()["items"]

    assert [job["id"] for job in listed] == [done, waiting]
    assert [job["id"] for job in succeeded] == [done]


async def test_another_organisations_import_is_not_found(caller: Caller, caller_factory: Callable[..., Caller]) -> None:
    import_id = await start_import(caller, SURVEY_OPTIONS, SURVEY, CSV)
    stranger = caller_factory()

    assert (await stranger.get(f"/v1/imports/{import_id}")).status_code == 404
    assert (await stranger.get(f"/v1/imports/{import_id}/errors")).status_code == 404
    assert (await stranger.post(f"/v1/imports/{import_id}/cancel")).status_code == 404
    assert (await upload(stranger, import_id, SURVEY, CSV)).status_code == 404
    assert (await stranger.get("/v1/imports")).json()["items"] == []


async def test_a_cancelled_import_takes_no_file_and_cannot_be_cancelled_twice(caller: Caller) -> None:
    import_id = (await caller.post("/v1/imports", json={})).json()["id"]

    cancelled = await caller.post(f"/v1/imports/{import_id}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    assert (await caller.post(f"/v1/imports/{import_id}/cancel")).status_code == 409
    assert (await upload(caller, import_id, "text\nHi\n", CSV)).status_code == 409


async def hold_for_another_runner(
    database_url: str, import_id: str, *, silent_for: dt.timedelta, processed: int, total: int
) -> None:
    """Make the job look as another runner left it: running, `processed` rows committed, silent since."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            since = dt.datetime.now(dt.UTC) - silent_for
            await session.execute(
                update(ImportJob)
                .where(ImportJob.id == uuid.UUID(import_id))
                .values(
                    status=ImportStatus.RUNNING,
                    runner_id=uuid.uuid4(),
                    heartbeat_at=since,
                    started_at=since,
                    queued_at=since,
                    total=total,
                    processed=processed,
                    created=processed,
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_a_job_whose_runner_vanished_resumes_after_its_last_committed_row(
    caller: Caller, database_url: str, import_dir: Path
) -> None:
    options = {"columns": {"external_id": "Id"}, "defaults": {"channel": "crm", "source": "resumed"}}
    import_id = (await caller.post("/v1/imports", json=options)).json()["id"]
    rows = "".join(f"R-{n},Resumed row {n}\n" for n in range(1, 5))
    (import_dir / f"{import_id}.upload").write_text("Id,text\n" + rows)
    # As a crashed runner leaves it: two rows committed, then silence for an hour.
    await hold_for_another_runner(database_url, import_id, silent_for=dt.timedelta(hours=1), processed=2, total=4)

    job = await finished(caller, import_id)

    assert (job["status"], job["processed"], job["created"]) == ("succeeded", 4, 4)
    assert {item["external_id"] for item in await feedback_of(caller, "resumed")} == {"R-3", "R-4"}
    assert not (import_dir / f"{import_id}.upload").exists()


async def test_a_running_import_can_be_cancelled(caller: Caller, database_url: str, import_dir: Path) -> None:
    import_id = (await caller.post("/v1/imports", json={"defaults": {"channel": "crm"}})).json()["id"]
    spooled = import_dir / f"{import_id}.upload"
    spooled.write_text("text\nOne\nTwo\n")
    await hold_for_another_runner(database_url, import_id, silent_for=dt.timedelta(0), processed=1, total=2)

    cancelled = await caller.post(f"/v1/imports/{import_id}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["processed"] == 1
    assert not spooled.exists()
