"""HTTP endpoints under `/v1/api-keys`: organisation admins manage their callers' keys."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_gateway.api_keys import service
from ideaflow_gateway.api_keys.models import ApiKey
from ideaflow_gateway.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from ideaflow_gateway.db import idempotency_keys
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import REPLAY_HEADER, Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity, require_role
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(
    prefix="/v1/api-keys",
    tags=["api-keys"],
    dependencies=[require_role("admin")],
    responses=problem_responses(403),
)


def _public(api_key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(api_key)


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    responses={
        201: {
            "headers": {
                **etag_header("key"),
                **location_header("new key"),
            }
        },
        **problem_responses(409, 422),
    },
)
async def create_api_key(
    payload: ApiKeyCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Create a key for a program that calls the API on behalf of this organisation.

    The answer carries the key in `secret` this once: only its hash is stored, so a replay of
    the same `Idempotency-Key` answers the key's record without it.
    """
    secrets: list[str] = []

    async def create() -> Created:
        api_key, secret = await service.create_api_key(session, organization_id=identity.organization_id, data=payload)
        secrets.append(secret)
        return Created(
            body=ApiKeyCreated.model_validate(api_key),
            location=f"/v1/api-keys/{api_key.id}",
            etag=etag_for(api_key.version),
        )

    response = await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )
    if secrets and REPLAY_HEADER.lower() not in response.headers:
        created = ApiKeyCreated.model_validate_json(bytes(response.body))
        created.secret = secrets[0]
        response.body = created.model_dump_json().encode()
        response.headers["content-length"] = str(len(response.body))
    return response


@router.get("", response_model=Page[ApiKeyPublic], summary="List API keys", responses=problem_responses(422))
async def list_api_keys(*, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep) -> Page[ApiKeyPublic]:
    """The organisation's keys, revoked ones included, newest first."""
    keys, token = await service.list_api_keys(session, organization_id=identity.organization_id, page=page)
    return Page(items=[_public(api_key) for api_key in keys], next_page_token=token)


@router.get(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Get an API key",
    responses={200: {"headers": etag_header("key")}, **problem_responses(404, 422)},
)
async def get_api_key(
    key_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ApiKeyPublic:
    api_key = await service.get_api_key(session, organization_id=identity.organization_id, key_id=key_id)
    response.headers["ETag"] = etag_for(api_key.version)
    return _public(api_key)


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke an API key",
    responses=problem_responses(404, 409, 412, 422, 428),
)
async def revoke_api_key(
    key_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, if_match: IfMatch = None
) -> Response:
    """Stop the key from working. The gateway caches verified keys briefly, so a revoked key may
    still be accepted for up to `api_key_cache_seconds` (5 s by default). Requires `If-Match`."""
    await service.revoke_api_key(session, organization_id=identity.organization_id, key_id=key_id, if_match=if_match)
    return Response(status_code=204)
