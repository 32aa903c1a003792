"""Keyset (cursor) pagination: page cost stays flat however deep the client reads."""

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from ideaflow_shared.jsonutil import dumps, loads
from ideaflow_shared.problems import BadRequest, FieldError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next_page_token` back as `page_token` for the next one."""

    items: list[ItemT]
    next_page_token: str | None = Field(
        default=None, description="Opaque cursor for the next page; null on the last page."
    )


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    token: str | None


async def _page_request(
    page_size: Annotated[
        int,
        Query(
            ge=1,
            le=1_000_000,
            description=f"Items per page (default {DEFAULT_PAGE_SIZE}); larger values are clamped to {MAX_PAGE_SIZE}.",
        ),
    ] = DEFAULT_PAGE_SIZE,
    page_token: Annotated[
        str | None,
        Query(max_length=512, description="The `next_page_token` of the previous page."),
    ] = None,
) -> PageRequest:
    return PageRequest(size=min(page_size, MAX_PAGE_SIZE), token=page_token)


PageRequestDep = Annotated[PageRequest, Depends(_page_request)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(value: Any, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> Any:
    python_type = getattr(column.type, "impl", column.type).python_type
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if not isinstance(value, python_type):
        raise TypeError(f"expected {python_type.__name__}")
    return value


def _invalid_token() -> BadRequest:
    detail = "The page token is invalid, or belongs to another ordering; start again without one."
    return BadRequest(detail, errors=[FieldError(pointer="/query/page_token", detail=detail)])


def paginate(
    statement: Select[Any],
    *,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    descending: bool,
    page: PageRequest,
    ordering: str,
) -> Select[Any]:
    """Order `statement` by `keys` (the last must be unique) and start after the page token."""
    if page.token is not None:
        try:
            payload = loads(base64.urlsafe_b64decode(page.token.encode() + b"=="))
            if payload["o"] != ordering or len(payload["k"]) != len(keys):
                raise ValueError
            values = [_decode_value(value, key) for value, key in zip(payload["k"], keys, strict=True)]
        except (ValueError, TypeError, KeyError, binascii.Error):
            raise _invalid_token() from None
        position = tuple_(*keys)
        boundary = tuple_(*(literal(value, key.type) for value, key in zip(values, keys, strict=True)))
        statement = statement.where(position < boundary if descending else position > boundary)
    order = [key.desc() if descending else key.asc() for key in keys]
    return statement.order_by(*order).limit(page.size + 1)


def next_page(
    rows: Sequence[RowT], *, page: PageRequest, ordering: str, key_of: Callable[[RowT], Sequence[Any]]
) -> tuple[Sequence[RowT], str | None]:
    """Split the `size + 1` rows `paginate` fetched into this page and the next token."""
    if len(rows) <= page.size:
        return rows, None
    rows = rows[: page.size]
    payload = {"o": ordering, "k": [_encode_value(value) for value in key_of(rows[-1])]}
    token = base64.urlsafe_b64encode(dumps(payload)).rstrip(b"=").decode()
    return rows, token
