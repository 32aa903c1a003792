"""One OpenAPI document for the whole API, and its pages served without anything external."""

import re

import httpx
import pytest

from ideaflow_gateway.documentation import SchemaConflict, merge_documents
from ideaflow_gateway.proxy import AUTHENTICATED_OWN_PREFIXES
from ideaflow_gateway.routes import OWNER_BY_PREFIX, path_prefix

EXTERNAL = re.compile(r"https?://|fonts\.googleapis|//cdn", re.IGNORECASE)


async def test_the_document_merges_the_services_behind_the_gateways_security(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["openapi"].startswith("3.1")
    assert {"/v1/ideas", "/v1/ideas/{idea_id}", "/v1/api-keys", "/v1/api-keys/{key_id}", "/readyz"} <= set(
        document["paths"]
    )
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["bearer"]["type"] == "http"
    assert schemes["bearer"]["scheme"] == "bearer"
    assert "internalToken" not in str(document)
    create_idea = document["paths"]["/v1/ideas"]["post"]
    assert create_idea["operationId"] == "ideas_create_idea"
    assert create_idea["security"] == [{"apiKey": []}, {"bearer": []}]
    assert {"401", "503", "504", "422"} <= set(create_idea["responses"])
    assert "IdeaPublic" in document["components"]["schemas"]
    assert document["paths"]["/readyz"]["get"]["security"] == []


def test_two_services_defining_one_schema_differently_is_an_error() -> None:
    own = {"paths": {}, "components": {"schemas": {"Problem": {"type": "object"}}}}
    clashing = {"paths": {}, "components": {"schemas": {"Problem": {"type": "string"}}}}
    same = {"paths": {}, "components": {"schemas": {"Problem": {"type": "object"}}}}

    assert merge_documents(own, {"ideas": same})["components"]["schemas"] == {"Problem": {"type": "object"}}
    with pytest.raises(SchemaConflict):
        merge_documents(own, {"ideas": same, "feedback": clashing})


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_documentation_pages_load_nothing_from_elsewhere(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert not EXTERNAL.search(response.text), EXTERNAL.findall(response.text)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", response.text)
    assert assets
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 0


async def test_every_documented_service_path_is_routed_to_its_service(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    unrouted = {
        path
        for path in document["paths"]
        if path.startswith("/v1/")
        and path_prefix(path) not in OWNER_BY_PREFIX
        and path_prefix(path) not in AUTHENTICATED_OWN_PREFIXES
    }
    assert unrouted == set()
