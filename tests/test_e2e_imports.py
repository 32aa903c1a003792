"""File imports as an import script sees them: real processes, through the gateway, past the body cap."""

import asyncio
from typing import Any

from tests.conftest import Tenant

BODY_CAP = 1_048_576


async def _finished(tenant: Tenant, import_id: str) -> dict[str, Any]:
    for _ in range(240):
        job: dict[str, Any] = (await tenant.client.get(f"/v1/imports/{import_id}")).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        await asyncio.sleep(0.25)
    raise AssertionError(f"import {import_id} did not end: {job}")


async def test_a_file_larger_than_the_request_cap_is_imported_through_the_gateway(tenant: Tenant) -> None:
    remark = "Exporting the monthly report to our accounting tool takes far too long. " * 100
    content = "Ticket,Comment\n" + "".join(f"E-{n},{remark}(ticket {n})\n" for n in range(160))
    assert len(content.encode()) > BODY_CAP
    options = {
        "columns": {"external_id": "Ticket", "text": "Comment"},
        "defaults": {"channel": "email", "source": "e2e-import"},
    }
    created = await tenant.client.post("/v1/imports", json=options)
    assert created.status_code == 201, created.text
    import_id = created.json()["id"]

    uploaded = await tenant.client.put(
        f"/v1/imports/{import_id}/file", content=content, headers={"Content-Type": "text/csv"}
    )

    assert uploaded.status_code == 202, uploaded.text
    assert uploaded.json()["file_bytes"] == len(content.encode())
    job = await _finished(tenant, import_id)
    assert (job["status"], job["total"], job["processed"], job["created"], job["failed"]) == (
        "succeeded",
        160,
        160,
        160,
        0,
    )
    listed = await tenant.client.get("/v1/feedback", params={"source": "e2e-import", "page_size": 100})
    assert len(listed.json()["items"]) == 100
    assert listed.json()["next_page_token"] is not None


async def test_other_requests_stay_capped(tenant: Tenant) -> None:
    oversized = {"text": "x" * BODY_CAP, "channel": "email"}
    response = await tenant.client.post("/v1/feedback", json=oversized)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
