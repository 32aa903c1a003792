"""HTTP endpoints under `/v1/experiments/{id}/metrics`."""

import uuid

from fastapi import APIRouter, Response

from ideaflow_experiments.db import idempotency_keys
from ideaflow_experiments.metrics import service
from ideaflow_experiments.metrics.criteria import describe
from ideaflow_experiments.metrics.models import Metric
from ideaflow_experiments.metrics.schemas import MetricCreate, MetricOrder, MetricPublic, MetricUpdate, Variant
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import Created, IdempotencyKey, create_idempotently, location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/experiments/{experiment_id}/metrics", tags=["metrics"])

_LOCK_NOTE = (
    "Only the experiment's owner or a manager may do this (403). Once the experiment has started, the change "
    "needs `amendment_reason` (409 without it) and is recorded as an amendment of the experiment."
)


def metric_public(metric: Metric) -> MetricPublic:
    return MetricPublic(
        id=metric.id,
        experiment_id=metric.experiment_id,
        name=metric.name,
        unit=metric.unit,
        kind=metric.kind,
        direction=metric.direction,
        success_threshold=metric.success_threshold,
        failure_threshold=metric.failure_threshold,
        criteria=describe(
            direction=metric.direction,
            success_threshold=metric.success_threshold,
            failure_threshold=metric.failure_threshold,
            unit=metric.unit,
            has_variants=bool(metric.variants),
        ),
        minimum_sample_size=metric.minimum_sample_size,
        significance_level=metric.significance_level,
        variants=[Variant.model_validate(variant) for variant in metric.variants],
        amended_at=metric.amended_at,
        created_at=metric.created_at,
        updated_at=metric.updated_at,
        version=metric.version,
    )


@router.post(
    "",
    status_code=201,
    response_model=MetricPublic,
    summary="Add a metric with its success and failure criteria",
    description=f"Define what is measured and when the hypothesis counts as right or wrong. {_LOCK_NOTE} "
    "Criteria that cannot give a clear verdict (thresholds on the wrong side of each other, a single variant, "
    "duplicate variant names, a rate outside 0..1) are refused with a 422 pointing at the field. "
    "Send an `Idempotency-Key` to make retries safe.",
    responses={
        201: {
            "headers": {
                **etag_header("metric"),
                **location_header("new metric"),
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def create_metric(
    experiment_id: uuid.UUID,
    payload: MetricCreate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def create() -> Created:
        metric = await service.create_metric(session, identity=identity, experiment_id=experiment_id, data=payload)
        return Created(
            body=metric_public(metric),
            location=f"/v1/experiments/{experiment_id}/metrics/{metric.id}",
            etag=etag_for(metric.version),
        )

    return await create_idempotently(
        session,
        table=idempotency_keys,
        organization_id=identity.organization_id,
        key=idempotency_key,
        request=payload,
        create=create,
    )


@router.get(
    "",
    response_model=Page[MetricPublic],
    summary="List an experiment's metrics",
    responses=problem_responses(400, 404, 422),
)
async def list_metrics(
    experiment_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    order_by: MetricOrder = MetricOrder.CREATED_AT,
) -> Page[MetricPublic]:
    """The experiment's metrics, in the order they were defined unless `order_by` says otherwise."""
    metrics, token = await service.list_metrics(
        session, identity=identity, experiment_id=experiment_id, order=order_by, page=page
    )
    return Page(items=[metric_public(metric) for metric in metrics], next_page_token=token)


@router.get(
    "/{metric_id}",
    response_model=MetricPublic,
    summary="Get a metric",
    responses={200: {"headers": etag_header("metric")}, **problem_responses(404, 422)},
)
async def get_metric(
    experiment_id: uuid.UUID,
    metric_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
) -> MetricPublic:
    metric = await service.get_metric(session, identity=identity, experiment_id=experiment_id, metric_id=metric_id)
    response.headers["ETag"] = etag_for(metric.version)
    return metric_public(metric)


@router.patch(
    "/{metric_id}",
    response_model=MetricPublic,
    summary="Change or amend a metric",
    description=f"Change some fields of a metric; requires `If-Match`. {_LOCK_NOTE} The kind cannot change.",
    responses={200: {"headers": etag_header("metric")}, **problem_responses(403, 404, 409, 412, 422, 428)},
)
async def update_metric(
    experiment_id: uuid.UUID,
    metric_id: uuid.UUID,
    payload: MetricUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
    response: Response,
) -> MetricPublic:
    metric = await service.update_metric(
        session,
        identity=identity,
        experiment_id=experiment_id,
        metric_id=metric_id,
        if_match=if_match,
        data=payload,
    )
    response.headers["ETag"] = etag_for(metric.version)
    return metric_public(metric)


@router.delete(
    "/{metric_id}",
    status_code=204,
    summary="Remove a metric from a draft",
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def delete_metric(
    experiment_id: uuid.UUID,
    metric_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    if_match: IfMatch = None,
) -> Response:
    """Remove a metric (owner or manager, `If-Match` required); a started experiment keeps its metrics (409)."""
    await service.delete_metric(
        session, identity=identity, experiment_id=experiment_id, metric_id=metric_id, if_match=if_match
    )
    return Response(status_code=204)
