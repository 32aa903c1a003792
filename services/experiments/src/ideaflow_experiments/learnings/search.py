"""Full-text search over learnings and experiments: SQLite FTS5 or PostgreSQL tsvector, same answers.

SQLite keeps FTS5 indexes (`learnings_fts`, `experiments_fts`, porter stemming) in step through
triggers. A migration that rebuilds a table on SQLite (Alembic's batch mode copies it) silently
drops its triggers and renumbers its rows, so before searching the service checks that the
triggers exist and, if not, re-creates them and rebuilds the index. PostgreSQL matches
`to_tsvector('english', …)` expressions that GIN indexes cover (both made by migration 0103).
Queries are built from word tokens only, so user text never reaches the query syntax of either
engine. Results are ordered by relevance (score, then id) and paged by that key, so a deeper page
costs no more than the first.
"""

import base64
import binascii
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_experiments.learnings.schemas import HitKind, SearchScope
from ideaflow_shared.jsonutil import dumps, loads
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import BadRequest, FieldError

# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "if", "in",
    "into", "is", "it", "its", "not", "of", "on", "or", "our", "so", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "which", "who", "will",
    "with", "would", "you", "your",
})
# fmt: on
MAX_TERMS = 16

_LEARNING_DOCUMENT = (
    "to_tsvector('english'::regconfig, title || ' ' || we_believed || ' ' || we_observed || ' ' || we_learned"
    " || ' ' || therefore_we_will || ' ' || coalesce(process_change, ''))"
)
_EXPERIMENT_DOCUMENT = "to_tsvector('english'::regconfig, title || ' ' || hypothesis || ' ' || test_description)"

_SQLITE_PARTS = {
    SearchScope.LEARNINGS: """
        SELECT 'learning' AS kind, l.id AS id, l.title AS title, substr(l.we_learned, 1, 280) AS excerpt,
               -bm25(learnings_fts) AS score
        FROM learnings_fts JOIN learnings AS l ON l.rowid = learnings_fts.rowid
        WHERE learnings_fts MATCH :query AND l.organization_id = :organization_id""",
    SearchScope.EXPERIMENTS: """
        SELECT 'experiment' AS kind, e.id AS id, e.title AS title, substr(e.hypothesis, 1, 280) AS excerpt,
               -bm25(experiments_fts) AS score
        FROM experiments_fts JOIN experiments AS e ON e.rowid = experiments_fts.rowid
        WHERE experiments_fts MATCH :query AND e.organization_id = :organization_id""",
}
_POSTGRES_PARTS = {
    SearchScope.LEARNINGS: """
        SELECT 'learning' AS kind, id, title, substr(we_learned, 1, 280) AS excerpt,
               ts_rank(DOCUMENT, to_tsquery('english'::regconfig, :query))::float8 AS score
        FROM learnings
        WHERE organization_id = :organization_id
          AND DOCUMENT @@ to_tsquery('english'::regconfig, :query)""".replace("DOCUMENT", _LEARNING_DOCUMENT),
    SearchScope.EXPERIMENTS: """
        SELECT 'experiment' AS kind, id, title, substr(hypothesis, 1, 280) AS excerpt,
               ts_rank(DOCUMENT, to_tsquery('english'::regconfig, :query))::float8 AS score
        FROM experiments
        WHERE organization_id = :organization_id
          AND DOCUMENT @@ to_tsquery('english'::regconfig, :query)""".replace("DOCUMENT", _EXPERIMENT_DOCUMENT),
}


_SQLITE_INDEXED = {
    "learnings": ("title", "we_believed", "we_observed", "we_learned", "therefore_we_will", "process_change"),
    "experiments": ("title", "hypothesis", "test_description"),
}


def _sqlite_triggers(table: str, columns: Sequence[str]) -> list[str]:
    index, names = f"{table}_fts", ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    # Table and column names are the constants above; nothing here comes from a request.
    remove = f"INSERT INTO {index}({index}, rowid, {names}) VALUES ('delete', old.rowid, {old});"  # noqa: S608
    add = f"INSERT INTO {index}(rowid, {names}) VALUES (new.rowid, {new});"  # noqa: S608
    return [
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {index}_update AFTER UPDATE ON {table} BEGIN {remove} {add} END",
    ]


async def _heal_sqlite_indexes(session: AsyncSession) -> None:
    """Re-create triggers a table rebuild dropped, and rebuild that index from its table."""
    present = set(
        (await session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'")))
        .scalars()
        .all()
    )
    for table, columns in _SQLITE_INDEXED.items():
        if {f"{table}_fts_{event}" for event in ("insert", "delete", "update")} <= present:
            continue
        for event in ("insert", "delete", "update"):
            await session.execute(text(f"DROP TRIGGER IF EXISTS {table}_fts_{event}"))
        for statement in _sqlite_triggers(table, columns):
            await session.execute(text(statement))
        await session.execute(text(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"))  # noqa: S608


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    id: uuid.UUID
    title: str
    excerpt: str
    score: float


def terms(text_: str) -> list[str]:
    """The significant words of `text_`, lower-cased, in order, without duplicates or stop words."""
    words = [word for word in re.findall(r"\w+", text_.lower()) if len(word) > 1 and word not in _STOPWORDS]
    return list(dict.fromkeys(words))[:MAX_TERMS]


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


async def search(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    query: str,
    scope: SearchScope,
    page: PageRequest,
    any_word: bool = False,
) -> tuple[list[Hit], str | None]:
    """One page of hits, best first; every word must match unless `any_word`."""
    words = terms(query)
    ordering = f"search:{scope.value}:{int(any_word)}:{' '.join(words)}"
    after = _decode(page.token, ordering) if page.token is not None else None
    if not words:
        return [], None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        await _heal_sqlite_indexes(session)
    parts = _POSTGRES_PARTS if dialect == "postgresql" else _SQLITE_PARTS
    chosen = (
        [parts[SearchScope.LEARNINGS], parts[SearchScope.EXPERIMENTS]] if scope is SearchScope.ALL else [parts[scope]]
    )
    keyset = "" if after is None else "WHERE score < :after_score OR (score = :after_score AND id < :after_id)"
    # Only constant fragments are interpolated; user text is always a bound parameter.
    statement = text(
        f"SELECT kind, id, title, excerpt, score FROM ({' UNION ALL '.join(chosen)}) AS hits {keyset} "  # noqa: S608
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
    typed = statement.columns(kind=String, id=Uuid, title=String, excerpt=String, score=Float)
    rows = (await session.execute(typed, parameters)).all()
    hits = [
        Hit(kind=HitKind(row.kind), id=row.id, title=row.title, excerpt=row.excerpt, score=row.score) for row in rows
    ]
    if len(hits) <= page.size:
        return hits, None
    hits = hits[: page.size]
    return hits, _encode(ordering, hits[-1])
