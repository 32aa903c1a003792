"""Fixed paths beside `/v1/ideas/{idea_id}` (awaiting-review, similar, search, analytics)."""

from fastapi import APIRouter
from starlette.exceptions import HTTPException

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def refuse_other_methods(router: APIRouter, path: str, *, allowed: str) -> None:
    """Answer 405 to the methods `path` does not serve.

    Without this, `PATCH /v1/ideas/awaiting-review` would reach `PATCH /v1/ideas/{idea_id}` and
    be refused as a malformed idea id (422), when the truth is that the method is not allowed.
    """

    async def method_not_allowed() -> None:
        raise HTTPException(405, headers={"Allow": allowed})

    others = [method for method in _METHODS if method != allowed]
    router.add_api_route(path, method_not_allowed, methods=others, include_in_schema=False)
