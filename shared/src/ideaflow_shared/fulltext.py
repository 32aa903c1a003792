"""Full-text search that the ideas and experiments services share: word terms, each engine's match
expression, the stored-vector column type, and relevance-ordered pages with keyset tokens.

The services keep their own SQL (which tables, which excerpt); this module holds what must not
differ between them.

How a search stays cheap however common its words are (PostgreSQL and SQLite alike):

- PostgreSQL matches and ranks a stored `tsvector` column (`SearchVector`, generated from the text
  by the database, under a GIN index), so no query re-parses text. SQLite uses its FTS5 index.
- Ranking is bounded: only the newest `CANDIDATES` matching rows of the organisation (by a key
  that an index already orders) are ranked, by `ts_rank` or FTS5's `bm25`, and paged by
  (score, id). Ranking every match of a word that a quarter of 100,000 documents contain costs
  tens of milliseconds of CPU per request; ranking the newest 1,000 costs a few.
- The trade-off: when more than `CANDIDATES` rows match, older matches are not listed at all; a
  search then reads "the best of the newest 1,000 matches". Adding a word narrows the matches
  and brings older ones back. Below the cap the answer is exactly the ranked list of every match.
"""

import base64
import binascii
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Text, TextClause, Uuid, bindparam, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from ideaflow_shared.jsonutil import dumps, loads
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import BadRequest, FieldError

# How many matching rows, newest first, a search ranks (see the module docstring).
CANDIDATES = 1000
# At most this many words of a query count; the rest are ignored.
MAX_TERMS = 16
# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "if", "in",
    "into", "is", "it", "its", "not", "of", "on", "or", "our", "so", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "which", "who", "will",
    "with", "would", "you", "your",
})
# fmt: on

# The stored tsvector of a searchable row on PostgreSQL (a generated column under a GIN index).
# SQLite keeps the column, always empty, so that both engines have the tables the models declare;
# its FTS5 tables are its index.
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")
# The query side of PostgreSQL matching, with the `:query` parameter `match_expression` builds.
POSTGRES_QUERY = "to_tsquery('english'::regconfig, :query)"


def terms(text_: str, *, limit: int = MAX_TERMS) -> list[str]:
    """The significant words of `text_`, lower-cased, in order, without duplicates or stop words.

    Only letters and digits survive, so no user text ever reaches either engine's query syntax.
    """
    words = [word for word in re.findall(r"[^\W_]+", text_.lower()) if len(word) > 1 and word not in _STOPWORDS]
    return list(dict.fromkeys(words))[:limit]


def match_expression(words: Sequence[str], *, any_word: bool, dialect: str) -> str:
    """The `:query` parameter for `words` (from `terms`): every word must match, or any if `any_word`."""
    if dialect == "postgresql":
        return (" | " if any_word else " & ").join(words)
    return (" OR " if any_word else " ").join(f'"{word}"' for word in words)


def _invalid_token() -> BadRequest:
    detail = "The page token is invalid, or belongs to another search; start again without one."
    return BadRequest(detail, errors=[FieldError(pointer="/query/page_token", detail=detail)])


def decode_token(token: str, ordering: str) -> tuple[float, uuid.UUID]:
    """The (score, id) after which a page starts; a token of another search is a 400 problem."""
    try:
        payload = loads(base64.urlsafe_b64decode(token.encode() + b"=="))
        if payload["o"] != ordering:
            raise ValueError
        score, last_id = payload["k"]
        if not isinstance(score, int | float) or isinstance(score, bool):
            raise TypeError
        return float(score), uuid.UUID(last_id)
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise _invalid_token() from None


def encode_token(ordering: str, score: float, last_id: uuid.UUID) -> str:
    payload: dict[str, Any] = {"o": ordering, "k": [score, str(last_id)]}
    return base64.urlsafe_b64encode(dumps(payload)).rstrip(b"=").decode()


async def ranked_page(
    session: AsyncSession,
    *,
    hits_sql: str,
    columns: Mapping[str, TypeEngine[Any]],
    parameters: Mapping[str, Any],
    ordering: str,
    page: PageRequest,
    details_sql: str = "SELECT * FROM hits",
) -> tuple[Sequence[Row[Any]], str | None]:
    """One page of `hits_sql`'s rows, best first, after the page token of the same `ordering`.

    `hits_sql` selects at least `id` and `score` (higher is better) and may use `:organization_id`
    (a UUID) and any other of `parameters`. `details_sql` then selects `columns` from `hits`, the
    page's rows only, e.g. joining the table their ids point to, so that no more rows than a page
    are read for what is shown. Both are constants of the calling service, never user text.
    Rows are ordered by (score, id), both descending, so a deeper page costs what the first does.
    """
    after = decode_token(page.token, ordering) if page.token is not None else None
    keyset = "" if after is None else "WHERE score < :after_score OR (score = :after_score AND id < :after_id)"
    statement: TextClause = text(
        f"WITH hits AS (SELECT * FROM ({hits_sql}) AS ranked {keyset} "  # noqa: S608 (constants only)
        f"ORDER BY score DESC, id DESC LIMIT :limit) {details_sql} ORDER BY score DESC, id DESC"
    ).bindparams(bindparam("organization_id", type_=Uuid), bindparam("limit"))
    values = {**parameters, "limit": page.size + 1}
    if after is not None:
        statement = statement.bindparams(bindparam("after_id", type_=Uuid))
        values |= {"after_score": after[0], "after_id": after[1]}
    rows = (await session.execute(statement.columns(**columns), values)).all()
    if len(rows) <= page.size:
        return rows, None
    rows = rows[: page.size]
    return rows, encode_token(ordering, rows[-1].score, rows[-1].id)
