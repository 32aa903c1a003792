"""HTTP endpoints under `/v1/themes`."""

import decimal
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from ideaflow_feedback.themes import service
from ideaflow_feedback.themes.assigner import caught_up
from ideaflow_feedback.themes.models import Theme
from ideaflow_feedback.themes.repository import ThemeFilters, ThemeStats
from ideaflow_feedback.themes.schemas import (
    MoneyTotal,
    Recurrence,
    ThemeItemPublic,
    ThemeItemsMove,
    ThemeMerge,
    ThemeOrder,
    ThemePublic,
    ThemeSplit,
    ThemeUpdate,
    Trend,
)
from ideaflow_feedback.themes.service import Window
from ideaflow_shared.db import SessionDep
from ideaflow_shared.etag import IfMatch, etag_for, etag_header
from ideaflow_shared.idempotency import location_header
from ideaflow_shared.identity import CurrentIdentity
from ideaflow_shared.pagination import Page, PageRequestDep
from ideaflow_shared.problems import problem_responses

router = APIRouter(prefix="/v1/themes", tags=["themes"], dependencies=[Depends(caught_up)])

_OK_WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": etag_header("theme")}}

WindowDays = Annotated[
    int, Query(ge=1, le=365, description="Length of the period for trend and recurrence, ending now, in days.")
]
MinCustomers = Annotated[
    int, Query(ge=1, le=10_000, description="Distinct customers within the period that make a theme a pattern.")
]


def _public(theme: Theme, stats: ThemeStats, window: Window) -> ThemePublic:
    return ThemePublic(
        id=theme.id,
        label=theme.label,
        item_count=theme.item_count,
        customer_count=stats.customer_count,
        customer_value=[
            MoneyTotal(amount=decimal.Decimal(minor).scaleb(-2), currency=currency)
            for currency, minor in sorted(stats.customer_value.items())
        ],
        average_sentiment=stats.average_sentiment,
        first_seen_at=theme.first_seen_at,
        last_seen_at=theme.last_seen_at,
        trend=Trend(
            current_items=stats.current_items,
            previous_items=stats.previous_items,
            change=stats.current_items - stats.previous_items,
        ),
        recurrence=Recurrence.PATTERN if stats.recent_customers >= window.min_customers else Recurrence.INDIVIDUAL,
        merged_into_id=theme.merged_into_id,
        created_at=theme.created_at,
        updated_at=theme.updated_at,
        version=theme.version,
    )


async def _answer(
    theme: Theme, *, session: SessionDep, identity: CurrentIdentity, response: Response, window: Window
) -> ThemePublic:
    stats = await service.stats_of(session, identity=identity, themes=[theme], window=window)
    response.headers["ETag"] = etag_for(theme.version)
    return _public(theme, stats.get(theme.id, ThemeStats()), window)


@router.get("", response_model=Page[ThemePublic], summary="List themes", responses=problem_responses(400, 422))
async def list_themes(
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    page: PageRequestDep,
    recurrence: Annotated[
        Recurrence | None, Query(description="Only patterns (recurring needs) or only individual requests.")
    ] = None,
    window_days: WindowDays = 30,
    min_customers: MinCustomers = 3,
    order_by: ThemeOrder = ThemeOrder.LAST_SEEN_AT_DESC,
) -> Page[ThemePublic]:
    """The organisation's recurring needs, most recently heard first, with their figures for the period."""
    window = Window.of(days=window_days, min_customers=min_customers)
    filters = ThemeFilters(since=window.since, min_customers=min_customers, recurrence=recurrence)
    themes, token = await service.list_themes(session, identity=identity, filters=filters, order=order_by, page=page)
    stats = await service.stats_of(session, identity=identity, themes=themes, window=window)
    return Page(
        items=[_public(theme, stats.get(theme.id, ThemeStats()), window) for theme in themes], next_page_token=token
    )


@router.get(
    "/{theme_id:uuid}",
    response_model=ThemePublic,
    summary="Get a theme",
    responses={**_OK_WITH_ETAG, **problem_responses(404, 422)},
)
async def get_theme(
    theme_id: uuid.UUID,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    window_days: WindowDays = 30,
    min_customers: MinCustomers = 3,
) -> ThemePublic:
    """A theme with its figures; a merged theme answers too, naming the theme it lives on in."""
    theme = await service.get_theme(session, identity=identity, theme_id=theme_id)
    window = Window.of(days=window_days, min_customers=min_customers)
    return await _answer(theme, session=session, identity=identity, response=response, window=window)


@router.patch(
    "/{theme_id:uuid}",
    response_model=ThemePublic,
    summary="Rename a theme",
    responses={**_OK_WITH_ETAG, **problem_responses(403, 404, 412, 422, 428)},
)
async def rename_theme(
    theme_id: uuid.UUID,
    payload: ThemeUpdate,
    *,
    session: SessionDep,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> ThemePublic:
    """Give the theme a label people chose (managers). Requires `If-Match`."""
    theme = await service.rename_theme(session, identity=identity, theme_id=theme_id, if_match=if_match, data=payload)
    window = Window.of(days=30, min_customers=3)
    return await _answer(theme, session=session, identity=identity, response=response, window=window)


@router.post(
    "/{theme_id:uuid}/merge",
    response_model=ThemePublic,
    summary="Merge themes into this one",
    responses={**_OK_WITH_ETAG, **problem_responses(403, 404, 409, 422)},
)
async def merge_themes(
    theme_id: uuid.UUID, payload: ThemeMerge, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ThemePublic:
    """Fold other themes into this one (managers): their items move here and new similar items follow."""
    theme = await service.merge_themes(session, identity=identity, theme_id=theme_id, source_ids=payload.theme_ids)
    window = Window.of(days=30, min_customers=3)
    return await _answer(theme, session=session, identity=identity, response=response, window=window)


@router.post(
    "/{theme_id:uuid}/split",
    status_code=201,
    response_model=ThemePublic,
    summary="Split items off into a new theme",
    responses={
        201: {
            "headers": {
                **etag_header("theme"),
                **location_header("new theme"),
            }
        },
        **problem_responses(403, 404, 409, 422),
    },
)
async def split_theme(
    theme_id: uuid.UUID, payload: ThemeSplit, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ThemePublic:
    """Start a new theme from chosen items of this one (managers); it attracts items like them from now on."""
    theme = await service.split_theme(
        session, identity=identity, theme_id=theme_id, feedback_ids=payload.feedback_ids, label=payload.label
    )
    response.headers["Location"] = service.theme_url(theme.id)
    window = Window.of(days=30, min_customers=3)
    return await _answer(theme, session=session, identity=identity, response=response, window=window)


@router.post(
    "/{theme_id:uuid}/items",
    response_model=ThemePublic,
    summary="Move items into a theme",
    responses={**_OK_WITH_ETAG, **problem_responses(403, 404, 409, 422)},
)
async def move_items_to_theme(
    theme_id: uuid.UUID, payload: ThemeItemsMove, *, session: SessionDep, identity: CurrentIdentity, response: Response
) -> ThemePublic:
    """Move feedback items into this theme (managers); the engine leaves them there afterwards."""
    theme = await service.move_items(session, identity=identity, theme_id=theme_id, feedback_ids=payload.feedback_ids)
    window = Window.of(days=30, min_customers=3)
    return await _answer(theme, session=session, identity=identity, response=response, window=window)


@router.get(
    "/{theme_id:uuid}/items",
    response_model=Page[ThemeItemPublic],
    summary="List a theme's items",
    responses=problem_responses(400, 404, 422),
)
async def list_theme_items(
    theme_id: uuid.UUID, *, session: SessionDep, identity: CurrentIdentity, page: PageRequestDep
) -> Page[ThemeItemPublic]:
    """The theme's feedback, most recently received first, with near-duplicates flagged."""
    rows, token = await service.list_theme_items(session, identity=identity, theme_id=theme_id, page=page)
    return Page(
        items=[
            ThemeItemPublic(
                feedback_id=assignment.feedback_id,
                text=feedback.text,
                customer_id=feedback.customer_id,
                received_at=assignment.received_at,
                similarity=assignment.similarity,
                pinned=assignment.pinned,
                duplicate_of_id=assignment.duplicate_of_id,
            )
            for assignment, feedback in rows
        ],
        next_page_token=token,
    )
