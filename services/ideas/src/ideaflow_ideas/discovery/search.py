"""Full-text search over ideas: SQLite FTS5 or PostgreSQL tsvector, the same answers.

Both engines index the search document that migration 0202's triggers keep for every idea
(title, problem, proposal, tags). Queries are built from word tokens only (`terms`), so user text
never reaches either query syntax. Every word must match (stemmed: "orders" finds "order"), unless
`any_word`, which the similarity check uses to gather candidates. Hits are ordered by relevance
(score, then id) and paged by that key, so a deeper page costs no more than the first.
"""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.discovery.models import IdeaSearchDocument
from ideaflow_ideas.discovery.terms import terms
from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_shared.jsonutil import dumps, loads
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import BadRequest, FieldError

# Importing the model registers the table with the service's metadata (migrations, drift check).
_DOCUMENTS = IdeaSearchDocument.__tablename__
_DOCUMENT = "to_tsvector('english'::regconfig, d.document)"
_QUERY = "to_tsquery('english'::regconfig, :query)"
# The bm25 of FTS5 is lower for better hits; negated, both engines rank higher scores first.
_SQLITE_HITS = """
    SELECT i.id AS id, i.title AS title, i.stage AS stage, substr(i.problem, 1, 280) AS excerpt,
           d.document AS document, -bm25(idea_search_fts) AS score
    FROM idea_search_fts
    JOIN DOCUMENTS AS d ON d.id = idea_search_fts.rowid
    JOIN ideas AS i ON i.id = d.idea_id
    WHERE idea_search_fts MATCH :query AND d.organization_id = :organization_id""".replace("DOCUMENTS", _DOCUMENTS)
_POSTGRES_HITS = f"""
    SELECT i.id AS id, i.title AS title, i.stage AS stage, substr(i.problem, 1, 280) AS excerpt,
           d.document AS document, ts_rank({_DOCUMENT}, {_QUERY})::float8 AS score
    FROM {_DOCUMENTS} AS d JOIN ideas AS i ON i.id = d.idea_id
    WHERE d.organization_id = :organization_id AND {_DOCUMENT} @@ {_QUERY}"""  # noqa: S608 (constants only)


@dataclass(frozen=True, slots=True)
class Hit:
    id: uuid.UUID
    title: str
    stage: IdeaStage
    excerpt: str
    # Title, problem, proposal and tags, for the similarity score.
    document: str
    score: float


def _match_expression(words: Sequence[str], *, any_word: bool, dialect: str) -> str:
    if dialect == "postgresql":
        return (" | " if any_word else " & ").join(words)
    return (" OR " if any_word else " ").join(f'"{word}"' for word in words)


def _invalid_token() -> BadRequest:
    detail = "The page token is invalid, or belongs to another search; start again without one."
    return BadRequest(detail, errors=[FieldError(pointer="/query/page_token", detail=detail)])


def _decode(token: str, ordering: str) -> tuple[float, uuid.UUID]:
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


def _encode(ordering: str, hit: Hit) -> str:
    payload: dict[str, Any] = {"o": ordering, "k": [hit.score, str(hit.id)]}
    return base64.urlsafe_b64encode(dumps(payload)).rstrip(b"=").decode()


async def search_ideas(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    query: str,
    page: PageRequest,
    any_word: bool = False,
) -> tuple[list[Hit], str | None]:
    """One page of the organisation's ideas matching `query`, best first."""
    words = terms(query)
    ordering = f"search:{int(any_word)}:{' '.join(words)}"
    after = _decode(page.token, ordering) if page.token is not None else None
    if not words:
        return [], None
    dialect = session.get_bind().dialect.name
    hits_sql = _POSTGRES_HITS if dialect == "postgresql" else _SQLITE_HITS
    keyset = "" if after is None else "WHERE score < :after_score OR (score = :after_score AND id < :after_id)"
    # Only constant fragments are interpolated; user text is always a bound parameter.
    statement = text(
        f"SELECT id, title, stage, excerpt, document, score FROM ({hits_sql}) AS hits {keyset} "  # noqa: S608
        "ORDER BY score DESC, id DESC LIMIT :limit"
    ).bindparams(bindparam("organization_id", type_=Uuid), bindparam("limit"))
    parameters: dict[str, Any] = {
        "query": _match_expression(words, any_word=any_word, dialect=dialect),
        "organization_id": organization_id,
        "limit": page.size + 1,
    }
    if after is not None:
        statement = statement.bindparams(bindparam("after_id", type_=Uuid))
        parameters |= {"after_score": after[0], "after_id": after[1]}
    typed = statement.columns(id=Uuid, title=String, stage=String, excerpt=String, document=String, score=Float)
    rows = (await session.execute(typed, parameters)).all()
    hits = [
        Hit(
            id=row.id,
            title=row.title,
            stage=IdeaStage(row.stage),
            excerpt=row.excerpt,
            document=row.document,
            score=row.score,
        )
        for row in rows
    ]
    if len(hits) <= page.size:
        return hits, None
    hits = hits[: page.size]
    return hits, _encode(ordering, hits[-1])
