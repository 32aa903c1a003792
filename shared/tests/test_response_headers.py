"""What the OpenAPI document tells clients about ETag, Location and the Idempotency-Key 409."""

from typing import Any

from fastapi import FastAPI

from ideaflow_shared.etag import etag_header
from ideaflow_shared.idempotency import idempotency_conflict, location_header
from ideaflow_shared.problems import PROBLEM_MEDIA_TYPE, problem_responses


def _responses(**route: Any) -> dict[str, Any]:
    app = FastAPI()

    @app.post("/things", status_code=201, **route)
    async def create_thing() -> None:
        return None

    responses: dict[str, Any] = app.openapi()["paths"]["/things"]["post"]["responses"]
    return responses


def test_a_created_object_documents_its_etag_and_url_as_string_headers() -> None:
    responses = _responses(responses={201: {"headers": {**etag_header("thing"), **location_header("new thing")}}})

    assert responses["201"]["headers"] == {
        "ETag": {"description": "The thing's version; send it back as If-Match.", "schema": {"type": "string"}},
        "Location": {"description": "The new thing's URL.", "schema": {"type": "string"}},
    }


def test_a_route_can_say_what_its_headers_mean_in_its_own_words() -> None:
    etag = etag_header(description="The experiment's new version.")
    location = location_header(description="Where the results are listed.")
    responses = _responses(responses={201: {"headers": {**etag, **location}}})

    assert responses["201"]["headers"]["ETag"]["description"] == "The experiment's new version."
    assert responses["201"]["headers"]["Location"]["description"] == "Where the results are listed."


def test_a_retry_of_a_request_still_in_progress_is_documented_as_a_problem() -> None:
    responses = _responses(responses={**idempotency_conflict(), **problem_responses(422)})

    conflict = responses["409"]
    assert conflict["description"] == "A request with the same Idempotency-Key is still in progress."
    assert conflict["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
