"""Settings the gateway cannot run with are refused at start, with a message that says why."""

import pytest
from pydantic import ValidationError

from ideaflow_gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    "url", ["https://ideas.internal:8001", "ideas:8001", "http://ideas.internal:8001/api", "http://:8001"]
)
def test_an_upstream_url_the_proxy_cannot_speak_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match=r"ideas_url[\s\S]*must be http://host\[:port\]"):
        GatewaySettings(environment="development", ideas_url=url)


def test_plain_http_upstreams_with_or_without_a_port_are_accepted() -> None:
    settings = GatewaySettings(
        environment="development", ideas_url="http://ideas", feedback_url="http://10.0.0.7:8003/"
    )

    assert settings.upstream_urls()["ideas"] == "http://ideas"
