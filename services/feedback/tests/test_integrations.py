"""`/v1/integrations`: registering senders, and their webhooks signed exactly as each vendor documents.

The signing here is written from the vendors' documentation, independently of the service's code:
Standard Webhooks (generic), Zendesk, Intercom and HubSpot v3.
"""

import asyncio
import base64
import copy
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ideaflow_feedback.integrations.vendors import VENDORS
from ideaflow_feedback.integrations.vendors.base import InvalidPayload, SignedRequest
from ideaflow_feedback.main import create_app
from ideaflow_feedback.settings import FeedbackSettings
from ideaflow_shared import db
from ideaflow_shared.db import create_engine
from ideaflow_shared.identity import WEBHOOK_SENDER
from ideaflow_shared.testing import TEST_TOKEN_SECRET, Caller, new_identity

PROBLEM_JSON = "application/problem+json"
ZENDESK_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
INTERCOM_SECRET = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
HUBSPOT_SECRET = "7f0c4b3e-21aa-4a53-9f4e-6c0d2a7b9e11"


@pytest.fixture
def admin(caller_factory: Callable[..., Caller]) -> Caller:
    return caller_factory("admin")


@pytest.fixture
def sender(app_client: httpx.AsyncClient) -> Caller:
    """The gateway's identity for inbound webhooks: no organisation, only the webhook-sender role."""
    identity = new_identity(*WEBHOOK_SENDER.roles, organization_id=WEBHOOK_SENDER.organization_id)
    return Caller(app_client, identity)


async def register(admin: Caller, kind: str, secret: str | None = None, **extra: object) -> dict[str, Any]:
    body: dict[str, object] = {"type": kind, "name": f"{kind} account", **extra}
    if secret is not None:
        body["secret"] = secret
    response = await admin.post("/v1/integrations", json=body)
    assert response.status_code == 201, response.text
    integration: dict[str, Any] = response.json()
    return integration


def raw(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def now_iso(shift: dt.timedelta = dt.timedelta()) -> str:
    return (dt.datetime.now(dt.UTC) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- signing, as each vendor documents it -------------------------------------------------------


def standard_webhooks_headers(
    secret: str, message_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """standardwebhooks.com: v1,base64(HMAC-SHA256(base64-decoded whsec_ key, "{id}.{timestamp}.{body}"))."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    return {"webhook-id": message_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{signature.decode()}"}


def zendesk_headers(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Zendesk: base64(HMACSHA256(TIMESTAMP + BODY)) keyed with the webhook's signing secret."""
    stamp = timestamp or now_iso()
    signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    return {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": stamp}


def intercom_headers(secret: str, body: bytes) -> dict[str, str]:
    """Intercom: X-Hub-Signature: sha1=hex(HMAC-SHA1(client_secret, body))."""
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def hubspot_headers(secret: str, url: str, body: bytes, timestamp_ms: int | None = None) -> dict[str, str]:
    """HubSpot v3: base64(HMAC-SHA256(client_secret, method + uri + body + timestamp)), timestamp in ms."""
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    source = b"POST" + url.encode() + body + stamp.encode()
    signature = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp}


async def post_webhook(sender: Caller, integration: dict[str, Any], body: bytes, headers: dict[str, str]) -> Any:
    return await sender.post(
        integration["webhook_path"], content=body, headers={"Content-Type": "application/json", **headers}
    )


async def feedback_of(admin: Caller, integration: dict[str, Any]) -> list[dict[str, Any]]:
    response = await admin.get("/v1/feedback", params={"source": integration["source"]})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def deliveries_of(admin: Caller, integration: dict[str, Any], **params: object) -> list[dict[str, Any]]:
    response = await admin.get(f"/v1/integrations/{integration['id']}/deliveries", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- payloads, in the shapes the vendors document ------------------------------------------------

GENERIC_EVENT = {
    "type": "feedback.created",
    "timestamp": "2026-11-28T09:30:00Z",
    "data": {
        "id": "msg-20931",
        "text": "Exporting a report to PDF cuts off the last column.",
        "title": "PDF export",
        "channel": "email",
        "tags": ["Export"],
        "customer": {"id": "acct-77", "name": "Grace Hopper", "email": "grace@example.com", "company": "Navy Labs"},
    },
}


def zendesk_ticket_event(event_id: str = "cbe4028c-7239-495d-b020-f22348516046", **detail: object) -> dict[str, Any]:
    return {
        "type": "zen:event-type:ticket.created",
        "account_id": 12514403,
        "id": event_id,
        "time": "2026-11-28T09:30:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:5158",
        "detail": {
            "actor_id": "8447388090494",
            "assignee_id": "8447388090494",
            "brand_id": "8447320465054",
            "created_at": "2026-11-28T09:30:00Z",
            "description": "The invoice PDF shows the wrong VAT rate for Austria.",
            "external_id": None,
            "form_id": "8447325358750",
            "group_id": "8447320466462",
            "id": "5158",
            "is_public": True,
            "organization_id": "8447346800158",
            "priority": "HIGH",
            "requester_id": "8447388090494",
            "status": "NEW",
            "subject": "Wrong VAT on invoices",
            "submitter_id": "8447388090494",
            "tags": ["billing", "vat"],
            "type": "INCIDENT",
            "updated_at": "2026-11-28T09:30:00Z",
            "via": {"channel": "web_form"},
            **detail,
        },
        "event": {"meta": {"sequence": {"id": "ZDSEQ_01", "position": 1, "total": 1}}},
    }


def intercom_notification(topic: str = "conversation.user.created", created_at: int | None = None) -> dict[str, Any]:
    stamp = created_at if created_at is not None else int(time.time())
    return {
        "type": "notification_event",
        "app_id": "a86dr8yl",
        "data": {
            "type": "notification_event_data",
            "item": {
                "type": "conversation",
                "id": "147",
                "created_at": stamp,
                "source": {
                    "type": "conversation",
                    "id": "403918320",
                    "delivered_as": "customer_initiated",
                    "subject": "",
                    "body": "<p>Could the app remember my last delivery address?</p><p>I type it &amp; forget.</p>",
                    "author": {"type": "user", "id": "5310d8e7", "name": "Joan Clarke", "email": "joan@example.com"},
                },
                "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "5310d8e7"}]},
                "conversation_parts": {
                    "type": "conversation_part.list",
                    "conversation_parts": [
                        {
                            "type": "conversation_part",
                            "id": "9001",
                            "part_type": "comment",
                            "body": "<p>Also on the web shop, please.</p>",
                            "created_at": stamp,
                            "author": {"type": "user", "id": "5310d8e7", "name": "Joan Clarke"},
                        }
                    ],
                    "total_count": 1,
                },
            },
        },
        "links": {},
        "id": f"notif_{uuid.uuid4()}",
        "topic": topic,
        "delivery_status": "pending",
        "delivery_attempts": 1,
        "delivered_at": 0,
        "first_sent_at": stamp,
        "created_at": stamp,
        "self": None,
    }


def hubspot_events(first_event_id: int = 1796123442) -> list[dict[str, Any]]:
    common = {"subscriptionId": 2417841, "portalId": 62515, "appId": 1160452, "occurredAt": 1795858200000}
    return [
        {
            **common,
            "eventId": first_event_id,
            "subscriptionType": "ticket.propertyChange",
            "attemptNumber": 0,
            "objectId": 1246965,
            "propertyName": "content",
            "propertyValue": "Please add a dark mode to the customer portal.",
            "changeSource": "CRM_UI",
        },
        {
            **common,
            "eventId": first_event_id + 1,
            "subscriptionType": "contact.creation",
            "attemptNumber": 0,
            "objectId": 123,
            "changeFlag": "CREATED",
            "changeSource": "CRM",
        },
        {
            **common,
            "eventId": first_event_id + 2,
            "subscriptionType": "ticket.creation",
            "attemptNumber": 0,
            "objectId": 1246965,
            "changeFlag": "CREATED",
            "changeSource": "CRM",
        },
    ]


# --- managing integrations ------------------------------------------------------------------------


async def test_a_generated_secret_is_shown_once_and_stored_sealed(admin: Caller, database_url: str) -> None:
    headers = {"Idempotency-Key": f"register-{uuid.uuid4()}"}
    body = {"type": "generic", "name": "Shop backend"}
    created = await admin.post("/v1/integrations", json=body, headers=headers)
    replayed = await admin.post("/v1/integrations", json=body, headers=headers)

    assert created.status_code == 201, created.text
    integration = created.json()
    secret = integration["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created.headers["location"] == f"/v1/integrations/{integration['id']}"
    assert integration["webhook_path"] == f"/v1/integrations/{integration['id']}/webhook"
    assert integration["source"].startswith("generic-")
    assert integration["enabled"] is True
    assert (replayed.status_code, replayed.json()["id"], replayed.json()["secret"]) == (201, integration["id"], None)
    fetched = await admin.get(f"/v1/integrations/{integration['id']}")
    assert (fetched.status_code, fetched.json()["secret"], fetched.headers["etag"]) == (200, None, '"1"')
    listed = (await admin.get("/v1/integrations")).json()["items"]
    assert [(item["id"], item["secret"]) for item in listed] == [(integration["id"], None)]
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(
                text("SELECT sealed_secret FROM integrations WHERE id = :id"),
                {"id": uuid.UUID(integration["id"]).hex if database_url.startswith("sqlite") else integration["id"]},
            )
    finally:
        await engine.dispose()
    assert stored is not None
    assert secret.encode() not in bytes(stored)
    assert base64.b64decode(secret.removeprefix("whsec_")) not in bytes(stored)


async def test_a_vendor_secret_is_never_shown_and_a_generic_one_must_be_a_whsec_secret(admin: Caller) -> None:
    zendesk = await register(admin, "zendesk", ZENDESK_SECRET)
    refused = await admin.post(
        "/v1/integrations", json={"type": "generic", "name": "x", "secret": "not-a-standard-webhooks-secret"}
    )

    assert zendesk["secret"] is None
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert [error["pointer"] for error in refused.json()["errors"]] == ["/body/secret"]


async def test_only_admins_manage_integrations_and_only_their_own(
    admin: Caller, caller_factory: Callable[..., Caller]
) -> None:
    integration = await register(admin, "zendesk", ZENDESK_SECRET)
    member, stranger = caller_factory("manager"), caller_factory("admin")
    url = f"/v1/integrations/{integration['id']}"

    assert (await member.post("/v1/integrations", json={"type": "generic", "name": "x"})).status_code == 403
    assert (await member.get("/v1/integrations")).status_code == 403
    assert (await member.get(url)).status_code == 403
    assert (await stranger.get(url)).status_code == 404
    assert (await stranger.get(url + "/deliveries")).status_code == 404
    assert (await stranger.get("/v1/integrations")).json()["items"] == []


async def test_rotating_the_secret_takes_effect_at_once(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    old_secret = integration["secret"]
    url = f"/v1/integrations/{integration['id']}"

    missing_if_match = await admin.patch(url, json={"generate_secret": True})
    rotated = await admin.patch(url, json={"generate_secret": True}, headers={"If-Match": '"1"'})

    assert missing_if_match.status_code == 428
    assert rotated.status_code == 200
    assert rotated.headers["etag"] == '"2"'
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != old_secret
    body = raw(GENERIC_EVENT)
    with_old = await post_webhook(sender, integration, body, standard_webhooks_headers(old_secret, "msg_old", body))
    with_new = await post_webhook(sender, integration, body, standard_webhooks_headers(new_secret, "msg_new", body))
    assert (with_old.status_code, with_new.status_code) == (401, 200)
    both = await admin.patch(url, json={"secret": ZENDESK_SECRET, "generate_secret": True}, headers={"If-Match": '"2"'})
    assert both.status_code == 422


async def sql(database_url: str, statement: str, **values: object) -> None:
    """Run one statement on the service's database, as an operator or the passing of time would."""
    if database_url.startswith("sqlite"):
        values = {name: value.hex if isinstance(value, uuid.UUID) else value for name, value in values.items()}
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), values)
    finally:
        await engine.dispose()


async def test_a_rotation_with_a_grace_period_accepts_the_old_secret_until_it_ends(
    admin: Caller, sender: Caller, database_url: str
) -> None:
    integration = await register(admin, "generic")
    old_secret = integration["secret"]
    url = f"/v1/integrations/{integration['id']}"
    body = raw(GENERIC_EVENT)

    rotated = await admin.patch(
        url, json={"generate_secret": True, "previous_secret_grace_seconds": 3600}, headers={"If-Match": '"1"'}
    )
    with_old = await post_webhook(sender, integration, body, standard_webhooks_headers(old_secret, "msg_1", body))
    new_secret = rotated.json()["secret"]
    with_new = await post_webhook(sender, integration, body, standard_webhooks_headers(new_secret, "msg_2", body))
    forged_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    forged = await post_webhook(sender, integration, body, standard_webhooks_headers(forged_secret, "msg_3", body))

    assert rotated.status_code == 200, rotated.text
    expires_at = dt.datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    assert dt.timedelta(minutes=59) < expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
    assert (with_old.status_code, with_new.status_code, forged.status_code) == (200, 200, 401)
    assert [delivery["signed_with_previous_secret"] for delivery in with_old.json()["deliveries"]] == [True]
    assert [delivery["signed_with_previous_secret"] for delivery in with_new.json()["deliveries"]] == [False]
    assert "No matching signature" in forged.json()["detail"]

    await sql(
        database_url,
        "UPDATE integrations SET previous_secret_expires_at = :past WHERE id = :id",
        past=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        id=uuid.UUID(integration["id"]),
    )
    after_expiry = await post_webhook(sender, integration, body, standard_webhooks_headers(old_secret, "msg_4", body))
    fetched = await admin.get(url)

    assert after_expiry.status_code == 401
    assert fetched.json()["previous_secret_expires_at"] is None


async def test_the_grace_period_can_be_ended_early_and_only_goes_with_a_new_secret(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "zendesk", ZENDESK_SECRET)
    url = f"/v1/integrations/{integration['id']}"
    new_secret = "bmV3X3NlY3JldF9mb3JfdGVzdGluZ19vbmx5X3BsZWFzZQ=="
    body = raw(zendesk_ticket_event())

    without_secret = await admin.patch(url, json={"previous_secret_grace_seconds": 60}, headers={"If-Match": '"1"'})
    too_long = await admin.patch(
        url, json={"secret": new_secret, "previous_secret_grace_seconds": 8 * 86400}, headers={"If-Match": '"1"'}
    )
    rotated = await admin.patch(
        url, json={"secret": new_secret, "previous_secret_grace_seconds": 600}, headers={"If-Match": '"1"'}
    )
    with_old = await post_webhook(sender, integration, body, zendesk_headers(ZENDESK_SECRET, body))
    stale_old = await post_webhook(
        sender, integration, body, zendesk_headers(ZENDESK_SECRET, body, now_iso(-dt.timedelta(minutes=10)))
    )
    ended = await admin.patch(url, json={"previous_secret_grace_seconds": 0}, headers={"If-Match": '"2"'})
    after_end = await post_webhook(sender, integration, body, zendesk_headers(ZENDESK_SECRET, body))
    with_new = await post_webhook(sender, integration, body, zendesk_headers(new_secret, body))

    assert without_secret.status_code == 422
    assert without_secret.json()["errors"][0]["pointer"] == "/body/previous_secret_grace_seconds"
    assert too_long.status_code == 422
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert with_old.status_code == 200, with_old.text
    assert [delivery["signed_with_previous_secret"] for delivery in with_old.json()["deliveries"]] == [True]
    # Signed with the old secret but stale: refused for being stale, not as a forgery.
    assert stale_old.status_code == 401
    assert "more than 5 minutes ago" in stale_old.json()["detail"]
    assert (ended.status_code, ended.json()["previous_secret_expires_at"]) == (200, None)
    assert after_end.status_code == 401
    assert "does not match" in after_end.json()["detail"]
    assert with_new.status_code == 200


async def test_deliveries_and_seen_event_ids_are_deleted_after_the_retention_period(
    admin: Caller, sender: Caller, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    integration = await register(admin, "generic")
    secret = integration["secret"]
    body = raw(GENERIC_EVENT)
    old = await post_webhook(sender, integration, body, standard_webhooks_headers(secret, "msg_old", body))
    [old_delivery] = old.json()["deliveries"]
    recent = await post_webhook(sender, integration, body, standard_webhooks_headers(secret, "msg_recent", body))
    [recent_delivery] = recent.json()["deliveries"]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    await sql(
        database_url,
        "UPDATE integration_deliveries SET received_at = :at WHERE id = :id",
        at=long_ago,
        id=uuid.UUID(old_delivery["id"]),
    )
    await sql(database_url, "UPDATE integration_events SET received_at = :at WHERE event_id = 'msg_old'", at=long_ago)
    monkeypatch.setattr(db, "_last_sweeps", {})  # as if the last sweep were more than a minute ago

    await post_webhook(sender, integration, body, standard_webhooks_headers(secret, "msg_new", body))
    again = await post_webhook(sender, integration, body, standard_webhooks_headers(secret, "msg_old", body))

    deliveries = f"/v1/integrations/{integration['id']}/deliveries"
    assert (await admin.get(f"{deliveries}/{old_delivery['id']}")).status_code == 404
    assert (await admin.get(f"{deliveries}/{recent_delivery['id']}")).status_code == 200
    # Its event id was forgotten with it: the message is taken again, and updates the same item.
    assert [(d["outcome"], d["feedback_outcome"]) for d in again.json()["deliveries"]] == [("accepted", "unchanged")]
    assert len(await feedback_of(admin, integration)) == 1


async def test_a_disabled_integration_refuses_deliveries_and_a_deleted_one_is_gone(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "generic")
    url = f"/v1/integrations/{integration['id']}"
    body = raw(GENERIC_EVENT)
    accepted = await post_webhook(
        sender, integration, body, standard_webhooks_headers(integration["secret"], "m1", body)
    )

    disabled = await admin.patch(url, json={"enabled": False}, headers={"If-Match": '"1"'})
    refused = await post_webhook(
        sender, integration, body, standard_webhooks_headers(integration["secret"], "m2", body)
    )
    deleted = await admin.delete(url, headers={"If-Match": '"2"'})
    after = await post_webhook(sender, integration, body, standard_webhooks_headers(integration["secret"], "m3", body))

    assert accepted.status_code == 200
    assert (disabled.status_code, disabled.json()["enabled"]) == (200, False)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert deleted.status_code == 204
    assert after.status_code == 404
    assert (await admin.get(url)).status_code == 404
    assert len(await feedback_of(admin, integration)) == 1  # the feedback it brought stays


# --- the webhook endpoint --------------------------------------------------------------------------


async def test_only_the_webhook_sender_identity_may_post_webhooks(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    headers = standard_webhooks_headers(integration["secret"], "msg_1", body)

    as_admin = await post_webhook(admin, integration, body, headers)
    unknown = await sender.post(f"/v1/integrations/{uuid.uuid4()}/webhook", content=body, headers=headers)

    assert as_admin.status_code == 403
    assert as_admin.headers["content-type"] == PROBLEM_JSON
    assert unknown.status_code == 404
    assert await feedback_of(admin, integration) == []


async def test_generic_delivery_stores_feedback_and_customer_and_a_replay_stores_nothing(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    headers = standard_webhooks_headers(integration["secret"], "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body)

    first = await post_webhook(sender, integration, body, headers)
    replay = await post_webhook(sender, integration, body, headers)

    assert first.status_code == 200, first.text
    [delivery] = first.json()["deliveries"]
    assert (delivery["outcome"], delivery["signature_valid"], delivery["feedback_outcome"]) == (
        "accepted",
        True,
        "created",
    )
    assert delivery["event_id"] == "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    assert delivery["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert delivery["body_bytes"] == len(body)
    [item] = await feedback_of(admin, integration)
    assert item["id"] == delivery["feedback_id"]
    assert (item["text"], item["title"], item["channel"]) == (GENERIC_EVENT["data"]["text"], "PDF export", "email")  # type: ignore[index]
    assert (item["external_id"], item["customer_ref"], item["tags"]) == ("msg-20931", "acct-77", ["export"])
    assert item["submitted_by"] == f"integration:{integration['id']}"
    customer = (await admin.get(f"/v1/customers/{delivery['customer_id']}")).json()
    assert (customer["name"], customer["email"], customer["company"]) == (
        "Grace Hopper",
        "grace@example.com",
        "Navy Labs",
    )
    assert customer["source"] == integration["source"]
    assert replay.status_code == 200
    [duplicate] = replay.json()["deliveries"]
    assert (duplicate["outcome"], duplicate["duplicate_of"], duplicate["feedback_id"]) == (
        "duplicate",
        delivery["id"],
        None,
    )
    assert len(await feedback_of(admin, integration)) == 1


async def test_a_resent_item_under_a_new_message_id_updates_instead_of_duplicating(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "generic")
    edited = copy.deepcopy(GENERIC_EVENT)
    edited["data"]["text"] = "Exporting to PDF cuts off the last two columns."  # type: ignore[index]
    first, second = raw(GENERIC_EVENT), raw(edited)

    await post_webhook(sender, integration, first, standard_webhooks_headers(integration["secret"], "msg_a", first))
    resent = await post_webhook(
        sender, integration, second, standard_webhooks_headers(integration["secret"], "msg_b", second)
    )

    [delivery] = resent.json()["deliveries"]
    assert (delivery["outcome"], delivery["feedback_outcome"]) == ("accepted", "updated")
    [item] = await feedback_of(admin, integration)
    assert (item["text"], item["version"]) == ("Exporting to PDF cuts off the last two columns.", 2)


async def test_concurrent_deliveries_of_one_message_store_it_once(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    headers = standard_webhooks_headers(integration["secret"], "msg_race", body)

    responses = await asyncio.gather(*(post_webhook(sender, integration, body, headers) for _ in range(4)))

    assert [response.status_code for response in responses] == [200] * 4
    outcomes = sorted(response.json()["deliveries"][0]["outcome"] for response in responses)
    assert outcomes == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert len(await feedback_of(admin, integration)) == 1


async def test_a_bad_signature_is_a_401_that_stores_nothing_but_the_rejection(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    forged = standard_webhooks_headers("whsec_" + base64.b64encode(b"x" * 32).decode(), "msg_forged", body)

    response = await post_webhook(sender, integration, body, forged)
    unsigned = await post_webhook(sender, integration, body, {})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "No matching signature" in response.json()["detail"]
    assert unsigned.status_code == 401
    assert "webhook-id" in unsigned.json()["detail"]
    assert await feedback_of(admin, integration) == []
    assert (await admin.get("/v1/customers", params={"source": integration["source"]})).json()["items"] == []
    rejected = await deliveries_of(admin, integration, outcome="rejected")
    assert {delivery["id"] for delivery in rejected} == {response.json()["delivery_id"], unsigned.json()["delivery_id"]}
    forged_delivery = (
        await admin.get(f"/v1/integrations/{integration['id']}/deliveries/{response.json()['delivery_id']}")
    ).json()
    assert (forged_delivery["signature_valid"], forged_delivery["status_code"]) == (False, 401)
    assert forged_delivery["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert forged_delivery["feedback_id"] is None
    assert forged_delivery["event_id"] is None


async def test_a_stale_standard_webhook_is_refused(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    stale = standard_webhooks_headers(integration["secret"], "msg_old", body, timestamp=int(time.time()) - 600)

    response = await post_webhook(sender, integration, body, stale)

    assert response.status_code == 401
    assert "too old" in response.json()["detail"]
    assert await feedback_of(admin, integration) == []


async def test_a_signed_but_invalid_generic_payload_is_a_422_pointing_at_the_field(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "generic")
    invalid = copy.deepcopy(GENERIC_EVENT)
    del invalid["data"]["text"]  # type: ignore[attr-defined]
    body = raw(invalid)

    response = await post_webhook(
        sender, integration, body, standard_webhooks_headers(integration["secret"], "m", body)
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [error["pointer"] for error in response.json()["errors"]] == ["/body/data/text"]
    [delivery] = await deliveries_of(admin, integration)
    assert (delivery["outcome"], delivery["signature_valid"], delivery["status_code"]) == ("rejected", True, 422)


async def test_zendesk_ticket_events_become_support_tickets(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "zendesk", ZENDESK_SECRET)
    body = raw(zendesk_ticket_event())

    response = await post_webhook(sender, integration, body, zendesk_headers(ZENDESK_SECRET, body))
    replay = await post_webhook(sender, integration, body, zendesk_headers(ZENDESK_SECRET, body))

    assert response.status_code == 200, response.text
    [delivery] = response.json()["deliveries"]
    assert (delivery["event_type"], delivery["event_id"]) == (
        "zen:event-type:ticket.created",
        "cbe4028c-7239-495d-b020-f22348516046",
    )
    [item] = await feedback_of(admin, integration)
    assert (item["text"], item["title"]) == (
        "The invoice PDF shows the wrong VAT rate for Austria.",
        "Wrong VAT on invoices",
    )
    assert (item["channel"], item["external_id"], item["customer_ref"]) == ("support_ticket", "5158", "8447388090494")
    assert item["tags"] == ["billing", "vat"]
    assert item["received_at"].startswith("2026-11-28T09:30:00")
    assert replay.json()["deliveries"][0]["outcome"] == "duplicate"


async def test_zendesk_comments_by_customers_are_feedback_and_by_agents_are_ignored(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "zendesk", ZENDESK_SECRET)

    async def comment(event_id: str, *, is_staff: bool) -> dict[str, Any]:
        event = zendesk_ticket_event(event_id)
        event["type"] = "zen:event-type:ticket.comment_added"
        author = {"id": "8447388090494" if not is_staff else "1", "is_staff": is_staff, "name": "Ada Lovelace"}
        event["event"] = {
            "comment": {"id": "77001", "body": "It also happens for Germany.", "is_public": True, "author": author}
        }
        body = raw(event)
        response = await post_webhook(sender, integration, body, zendesk_headers(ZENDESK_SECRET, body))
        assert response.status_code == 200, response.text
        delivery: dict[str, Any] = response.json()["deliveries"][0]
        return delivery

    by_agent = await comment("e-agent", is_staff=True)
    by_customer = await comment("e-customer", is_staff=False)

    assert by_agent["outcome"] == "ignored"
    assert "agent" in by_agent["reason"]
    assert by_customer["outcome"] == "accepted"
    [item] = await feedback_of(admin, integration)
    assert (item["external_id"], item["text"]) == ("5158/comments/77001", "It also happens for Germany.")
    customer = (await admin.get(f"/v1/customers/{by_customer['customer_id']}")).json()
    assert (customer["external_id"], customer["name"]) == ("8447388090494", "Ada Lovelace")


async def test_zendesk_refuses_a_wrong_signature_and_a_stale_timestamp(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "zendesk", ZENDESK_SECRET)
    body = raw(zendesk_ticket_event())

    wrong = await post_webhook(sender, integration, body, zendesk_headers("another-signing-secret", body))
    stale = await post_webhook(
        sender, integration, body, zendesk_headers(ZENDESK_SECRET, body, now_iso(-dt.timedelta(minutes=6)))
    )
    tampered = await post_webhook(
        sender, integration, body.replace(b"Austria", b"Spain"), zendesk_headers(ZENDESK_SECRET, body)
    )

    assert [response.status_code for response in (wrong, stale, tampered)] == [401, 401, 401]
    assert "more than 5 minutes ago" in stale.json()["detail"]
    assert await feedback_of(admin, integration) == []
    outcomes = {(d["outcome"], d["signature_valid"]) for d in await deliveries_of(admin, integration)}
    assert outcomes == {("rejected", False), ("rejected", True)}


async def test_intercom_conversations_and_replies_become_feedback(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "intercom", INTERCOM_SECRET)
    started, replied = intercom_notification(), intercom_notification("conversation.user.replied")
    by_admin = intercom_notification("conversation.admin.replied")

    answers = []
    for notification in (started, replied, by_admin):
        body = raw(notification)
        answers.append(await post_webhook(sender, integration, body, intercom_headers(INTERCOM_SECRET, body)))

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    outcomes = [answer.json()["deliveries"][0]["outcome"] for answer in answers]
    assert outcomes == ["accepted", "accepted", "ignored"]
    items = {item["external_id"]: item for item in await feedback_of(admin, integration)}
    assert set(items) == {"147", "147/parts/9001"}
    assert items["147"]["text"] == "Could the app remember my last delivery address?\nI type it & forget."
    assert items["147/parts/9001"]["text"] == "Also on the web shop, please."
    assert items["147"]["customer_ref"] == "5310d8e7"
    assert items["147"]["title"] is None
    customer = (await admin.get(f"/v1/customers/{items['147']['customer_id']}")).json()
    assert (customer["name"], customer["email"]) == ("Joan Clarke", "joan@example.com")


async def test_intercom_refuses_a_wrong_signature_a_stale_notification_and_replays(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "intercom", INTERCOM_SECRET)
    fresh = raw(intercom_notification())
    stale = raw(intercom_notification(created_at=int(time.time()) - 3600))

    wrong = await post_webhook(sender, integration, fresh, intercom_headers("not-the-client-secret", fresh))
    too_old = await post_webhook(sender, integration, stale, intercom_headers(INTERCOM_SECRET, stale))
    first = await post_webhook(sender, integration, fresh, intercom_headers(INTERCOM_SECRET, fresh))
    again = await post_webhook(sender, integration, fresh, intercom_headers(INTERCOM_SECRET, fresh))

    assert (wrong.status_code, too_old.status_code) == (401, 401)
    assert "more than 5 minutes ago" in too_old.json()["detail"]
    assert [response.json()["deliveries"][0]["outcome"] for response in (first, again)] == ["accepted", "duplicate"]
    assert len(await feedback_of(admin, integration)) == 1


async def test_hubspot_events_map_ticket_content_and_contacts_and_ignore_the_rest(
    admin: Caller, sender: Caller
) -> None:
    integration = await register(admin, "hubspot", HUBSPOT_SECRET)
    body = raw(hubspot_events())
    url = "http://feedback" + integration["webhook_path"]

    response = await post_webhook(sender, integration, body, hubspot_headers(HUBSPOT_SECRET, url, body))

    assert response.status_code == 200, response.text
    content, contact, creation = response.json()["deliveries"]
    assert (content["outcome"], content["event_id"], content["event_type"]) == (
        "accepted",
        "1796123442",
        "ticket.propertyChange",
    )
    assert (contact["outcome"], contact["feedback_id"]) == ("accepted", None)
    assert (await admin.get(f"/v1/customers/{contact['customer_id']}")).json()["external_id"] == "123"
    assert creation["outcome"] == "ignored"
    assert "no customer text" in creation["reason"]
    [item] = await feedback_of(admin, integration)
    assert (item["text"], item["external_id"], item["channel"]) == (
        "Please add a dark mode to the customer portal.",
        "1246965",
        "support_ticket",
    )
    assert item["received_at"].startswith("2026-11-28T09:30:00")


async def test_hubspot_refuses_other_urls_stale_timestamps_and_wrong_secrets(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "hubspot", HUBSPOT_SECRET)
    body = raw(hubspot_events())
    url = "http://feedback" + integration["webhook_path"]
    six_minutes_ago = int(time.time() * 1000) - 6 * 60 * 1000

    other_url = await post_webhook(sender, integration, body, hubspot_headers(HUBSPOT_SECRET, url + "?x=1", body))
    stale = await post_webhook(sender, integration, body, hubspot_headers(HUBSPOT_SECRET, url, body, six_minutes_ago))
    wrong = await post_webhook(sender, integration, body, hubspot_headers("wrong-secret", url, body))

    assert [response.status_code for response in (other_url, stale, wrong)] == [401, 401, 401]
    assert "more than 5 minutes ago" in stale.json()["detail"]
    assert await feedback_of(admin, integration) == []


@pytest.fixture
async def public_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The feedback app configured with the public URL senders call (the gateway's), here behind a proxy."""
    settings = FeedbackSettings(
        environment="development",
        database_url=database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        public_base_url="https://api.example.com",
        log_json=True,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.7:8003") as client:
            yield client


async def test_hubspot_signatures_cover_the_configured_public_url(
    admin: Caller, public_client: httpx.AsyncClient
) -> None:
    integration = await register(admin, "hubspot", HUBSPOT_SECRET)
    sender = Caller(public_client, new_identity(*WEBHOOK_SENDER.roles, organization_id=WEBHOOK_SENDER.organization_id))
    body = raw(hubspot_events(42))
    public_url = "https://api.example.com" + integration["webhook_path"] + "?portal=62515"

    response = await sender.post(
        integration["webhook_path"] + "?portal=62515",
        content=body,
        headers=hubspot_headers(HUBSPOT_SECRET, public_url, body),
    )

    assert response.status_code == 200, response.text
    assert response.json()["deliveries"][0]["outcome"] == "accepted"


async def test_deliveries_are_listed_newest_first_and_filtered_by_outcome(admin: Caller, sender: Caller) -> None:
    integration = await register(admin, "generic")
    body = raw(GENERIC_EVENT)
    for message_id in ("m1", "m1", "m2"):
        await post_webhook(
            sender, integration, body, standard_webhooks_headers(integration["secret"], message_id, body)
        )

    first_page = await admin.get(f"/v1/integrations/{integration['id']}/deliveries", params={"page_size": 2})
    everything = await deliveries_of(admin, integration)
    duplicates = await deliveries_of(admin, integration, outcome="duplicate")

    assert first_page.status_code == 200
    assert len(first_page.json()["items"]) == 2
    assert first_page.json()["next_page_token"] is not None
    assert len(everything) == 3
    assert [delivery["received_at"] for delivery in everything] == sorted(
        (delivery["received_at"] for delivery in everything), reverse=True
    )
    assert [delivery["event_id"] for delivery in duplicates] == ["m1"]
    missing = await admin.get(f"/v1/integrations/{integration['id']}/deliveries/{uuid.uuid4()}")
    assert missing.status_code == 404


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "type", "detail", "event", "comment", "author", "body", "description", "data", "item"]
            )
            | st.sampled_from(["source", "topic", "created_at", "eventId", "objectId", "propertyValue", "text", "tags"])
            | st.text(max_size=5),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(payload=_JSON)
def test_mapping_a_signed_body_never_fails_on_an_unexpected_shape(payload: object) -> None:
    """A sender's payload that is not what its vendor documents is refused (InvalidPayload) or ignored
    with a reason, never a crash: it is authentic, so the sender must get an answer it can act on."""
    request = SignedRequest("POST", "http://feedback/", {"webhook-id": "msg_1"}, b"{}")
    for vendor in VENDORS.values():
        try:
            events = vendor.events(payload, request)
        except InvalidPayload:
            continue  # answered 422 with the reason
        assert all(event.feedback or event.customer or event.ignored for event in events)
