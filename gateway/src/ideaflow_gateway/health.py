"""Liveness, readiness (the gateway's database and every upstream) and Prometheus metrics."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text

from ideaflow_gateway.upstream_client import UpstreamConnectionError
from ideaflow_gateway.upstreams import Upstream, Upstreams
from ideaflow_shared.jsonutil import dumps
from ideaflow_shared.problems import PROBLEM_MEDIA_TYPE, problem_body

router = APIRouter(tags=["health"])

_READINESS_TIMEOUT_SECONDS = 2

Check = Literal["ok", "unavailable"]


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Each dependency's state: `database` is the gateway's own, the others are the services."""

    status: Literal["ok"] = "ok"
    checks: dict[str, Check] = Field(
        examples=[{"database": "ok", "ideas": "ok", "experiments": "ok", "feedback": "ok"}]
    )


class NotReady(BaseModel):
    """A problem document (503) that also says which dependency is not ready."""

    type: str
    title: str
    status: int = Field(examples=[503])
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    checks: dict[str, Check] = Field(
        examples=[{"database": "ok", "ideas": "ok", "experiments": "unavailable", "feedback": "ok"}]
    )


@router.get("/healthz", summary="Is the process up?", response_model=HealthStatus)
async def healthz() -> HealthStatus:
    """Answers 200 while the process runs; it checks nothing else."""
    return HealthStatus()


async def _database_ready(request: Request) -> Check:
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return "unavailable"
    return "ok"


async def _upstream_ready(upstream: Upstream) -> Check:
    try:
        status, _ = await upstream.fetch("/readyz", timeout_seconds=_READINESS_TIMEOUT_SECONDS)
    except (UpstreamConnectionError, TimeoutError):
        return "unavailable"
    return "ok" if status == 200 else "unavailable"


@router.get(
    "/readyz",
    summary="Can the gateway and every service behind it serve requests?",
    response_model=Readiness,
    responses={
        503: {
            "description": "Something is not ready; `checks` says what.",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": NotReady.model_json_schema()}},
        }
    },
)
async def readyz(request: Request) -> Response:
    """200 when the gateway's database and each service's `/readyz` answer, else 503 saying which did not."""
    upstreams: Upstreams = request.app.state.upstreams
    names = list(upstreams.by_name)
    results = await asyncio.gather(
        _database_ready(request), *(_upstream_ready(upstreams.by_name[name]) for name in names)
    )
    checks: dict[str, Check] = dict(zip(["database", *names], results, strict=True))
    if all(result == "ok" for result in results):
        return Response(dumps(Readiness(checks=checks).model_dump()), media_type="application/json")
    body = problem_body(
        503,
        slug="not-ready",
        detail="Not every dependency is ready; see checks.",
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        extra={"checks": checks},
    )
    return Response(dumps(body), status_code=503, media_type=PROBLEM_MEDIA_TYPE)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
