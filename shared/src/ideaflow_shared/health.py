"""Liveness, readiness and Prometheus metrics."""

from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from ideaflow_shared.problems import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz", summary="Is the process up?", response_model=HealthStatus)
async def healthz() -> HealthStatus:
    """Answers 200 while the process runs; it checks nothing else."""
    return HealthStatus()


@router.get(
    "/readyz",
    summary="Can the process serve requests?",
    response_model=HealthStatus,
    responses=problem_responses(503),
)
async def readyz(request: Request) -> HealthStatus:
    """Answers 200 when the process's database answers, 503 otherwise."""
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        raise ServiceUnavailable("The database is not reachable.") from None
    return HealthStatus()


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
