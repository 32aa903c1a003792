"""Inbound CRM webhooks pass the gateway without an API key; the service checks their signature."""

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ideaflow_gateway.main import create_app
from ideaflow_gateway.settings import GatewaySettings
from ideaflow_shared.identity import WEBHOOK_SENDER, verify_token
from ideaflow_shared.testing import TEST_TOKEN_SECRET

PROBLEM_JSON = "application/problem+json"
WEBHOOK = "/v1/integrations/0b6f3c1e-7d0a-4d1b-9a57-1f2e3d4c5b6a/webhook"


@pytest.fixture
async def feedback_recorded(
    ideas_url: str, recording_url: str, gateway_database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose feedback service is the recording upstream, which echoes what it received."""
    settings = GatewaySettings(
        environment="development",
        database_url=gateway_database_url,
        internal_token_secret=TEST_TOKEN_SECRET,
        migrate_on_start=True,
        ideas_url=ideas_url,
        experiments_url=recording_url,
        feedback_url=recording_url,
        log_level="warning",
    )
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client


async def test_a_webhook_is_forwarded_without_a_key_under_the_webhook_sender_identity(
    feedback_recorded: httpx.AsyncClient,
) -> None:
    response = await feedback_recorded.post(
        WEBHOOK, content=b'{"event": "ticket.created"}', headers={"X-Zendesk-Webhook-Signature": "c2ln"}
    )

    assert response.status_code == 200
    received = dict(response.json()["headers"])
    assert verify_token(received["x-ideaflow-token"], TEST_TOKEN_SECRET) == WEBHOOK_SENDER
    assert received["x-zendesk-webhook-signature"] == "c2ln"
    assert response.json()["body_bytes"] == len(b'{"event": "ticket.created"}')


async def test_only_posts_to_the_webhook_path_skip_the_api_key(feedback_recorded: httpx.AsyncClient) -> None:
    refused = [
        await feedback_recorded.post(WEBHOOK + "s"),
        await feedback_recorded.post(WEBHOOK.removesuffix("/webhook")),
        await feedback_recorded.post(WEBHOOK + "/x"),
        await feedback_recorded.post("/v1/integrations"),
    ]

    assert [response.status_code for response in refused] == [401] * 4
    assert {response.headers["content-type"] for response in refused} == {PROBLEM_JSON}


async def test_other_methods_on_the_webhook_path_are_not_allowed(feedback_recorded: httpx.AsyncClient) -> None:
    for method in ("GET", "PUT", "DELETE", "TRACE"):
        response = await feedback_recorded.request(method, WEBHOOK)

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"] == PROBLEM_JSON
