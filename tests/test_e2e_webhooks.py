"""Inbound CRM webhooks end to end: registered with an API key, posted by the sender without one.

The sender signs exactly as Standard Webhooks and Zendesk document; the gateway lets the webhook
path through without an API key and the feedback service authenticates it by that signature.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from deploy.local_stack import LocalStack
from tests.conftest import Tenant

ZENDESK_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="


async def _register(tenant: Tenant, body: dict[str, str]) -> dict[str, Any]:
    response = await tenant.client.post("/v1/integrations", json=body)
    assert response.status_code == 201, response.text
    integration: dict[str, Any] = response.json()
    return integration


async def _feedback_of(tenant: Tenant, integration: dict[str, Any]) -> list[dict[str, Any]]:
    response = await tenant.client.get("/v1/feedback", params={"source": integration["source"]})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_signed_generic_webhook_without_an_api_key_becomes_feedback(stack: LocalStack, tenant: Tenant) -> None:
    integration = await _register(tenant, {"type": "generic", "name": "Shop backend"})
    event = {
        "type": "feedback.created",
        "timestamp": "2026-11-28T09:30:00Z",
        "data": {"id": f"msg-{uuid.uuid4()}", "text": "Invoices should show the order number.", "channel": "email"},
    }
    body = json.dumps(event).encode()
    message_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
    key = base64.b64decode(integration["secret"].removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature.decode()}",
    }

    async with httpx.AsyncClient(base_url=stack.url("gateway")) as vendor:
        delivered = await vendor.post(integration["webhook_path"], content=body, headers=headers)
        forged = await vendor.post(
            integration["webhook_path"], content=body.replace(b"order number", b"nothing"), headers=headers
        )

    assert delivered.status_code == 200, delivered.text
    [delivery] = delivered.json()["deliveries"]
    assert (delivery["outcome"], delivery["feedback_outcome"]) == ("accepted", "created")
    assert forged.status_code == 401
    assert forged.headers["content-type"] == "application/problem+json"
    [item] = await _feedback_of(tenant, integration)
    assert (item["id"], item["text"], item["channel"]) == (
        delivery["feedback_id"],
        "Invoices should show the order number.",
        "email",
    )
    log = await tenant.client.get(f"/v1/integrations/{integration['id']}/deliveries")
    assert [entry["outcome"] for entry in log.json()["items"]] == ["rejected", "accepted"]


async def test_a_zendesk_ticket_reaches_the_tenant_that_registered_it_only(
    stack: LocalStack, tenant: Tenant, other_tenant: Tenant
) -> None:
    integration = await _register(tenant, {"type": "zendesk", "name": "Support desk", "secret": ZENDESK_SECRET})
    event = {
        "type": "zen:event-type:ticket.created",
        "account_id": 12514403,
        "id": str(uuid.uuid4()),
        "time": "2026-11-28T09:30:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:5158",
        "detail": {
            "id": "5158",
            "subject": "Wrong VAT on invoices",
            "description": "The invoice PDF shows the wrong VAT rate for Austria.",
            "requester_id": "8447388090494",
            "created_at": "2026-11-28T09:30:00Z",
            "status": "NEW",
        },
        "event": {},
    }
    body = json.dumps(event).encode()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(ZENDESK_SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest())
    headers = {"X-Zendesk-Webhook-Signature": signature.decode(), "X-Zendesk-Webhook-Signature-Timestamp": stamp}

    async with httpx.AsyncClient(base_url=stack.url("gateway")) as vendor:
        delivered = await vendor.post(integration["webhook_path"], content=body, headers=headers)

    assert delivered.status_code == 200, delivered.text
    [item] = await _feedback_of(tenant, integration)
    assert (item["title"], item["channel"], item["external_id"]) == ("Wrong VAT on invoices", "support_ticket", "5158")
    foreign = await other_tenant.client.get(f"/v1/feedback/{item['id']}")
    assert foreign.status_code == 404
    assert (await other_tenant.client.get(f"/v1/integrations/{integration['id']}")).status_code == 404
