"""Full-text search over learnings and experiments: SQLite FTS5 or PostgreSQL tsvector, same answers.

SQLite keeps FTS5 indexes (`learnings_fts`, `experiments_fts`, porter stemming) in step through
triggers. A migration that rebuilds a table on SQLite (Alembic's batch mode copies it) silently
drops its triggers and renumbers its rows, so before searching the service checks that the
triggers exist and, if not, re-creates them and rebuilds the index. PostgreSQL matches and ranks
the stored `search_vector` column of each table, under a GIN index (migration 0302).
Queries are built from word tokens only (`fulltext.terms`), so user text never reaches the query
syntax of either engine. Per table, only the newest `fulltext.CANDIDATES` matching rows of the
organisation are ranked (by creation on PostgreSQL, by row number, which follows creation, on
SQLite), so a common word costs what a rare one does; see `ideaflow_shared.fulltext` for that
trade-off. Results are ordered by relevance (score, then id) and paged by that key, so a deeper
page costs no more than the first.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from ideaflow_experiments.learnings.schemas import HitKind, SearchScope
from ideaflow_shared import fulltext
from ideaflow_shared.db import dialect_of
from ideaflow_shared.pagination import PageRequest

_COLUMNS: dict[str, TypeEngine[Any]] = {
    "kind": String(),
    "id": Uuid(),
    "title": String(),
    "excerpt": String(),
    "score": Float(),
}
# The sub-query finds the row number of the :candidates-th newest match: older ones are not ranked.
_SQLITE_PART = """
    SELECT 'KIND' AS kind, t.id AS id, t.title AS title, substr(t.EXCERPT, 1, 280) AS excerpt,
           -bm25(TABLE_fts) AS score
    FROM TABLE_fts JOIN TABLE AS t ON t.rowid = TABLE_fts.rowid
    WHERE TABLE_fts MATCH :query AND t.organization_id = :organization_id
      AND TABLE_fts.rowid >= coalesce((
          SELECT f.rowid FROM TABLE_fts AS f JOIN TABLE AS c ON c.rowid = f.rowid
          WHERE f.TABLE_fts MATCH :query AND c.organization_id = :organization_id
          ORDER BY f.rowid DESC LIMIT 1 OFFSET :candidates - 1), 0)"""
_POSTGRES_PART = f"""
    SELECT 'KIND' AS kind, c.id AS id, c.title AS title, substr(c.EXCERPT, 1, 280) AS excerpt,
           ts_rank(c.search_vector, {fulltext.POSTGRES_QUERY})::float8 AS score
    FROM (SELECT id, title, EXCERPT, search_vector FROM TABLE
          WHERE organization_id = :organization_id AND search_vector @@ {fulltext.POSTGRES_QUERY}
          ORDER BY created_at DESC, id DESC LIMIT :candidates) AS c"""  # noqa: S608 (constants only)
# Which table, kind and excerpt each scope searches.
_SOURCES = {
    SearchScope.LEARNINGS: {"TABLE": "learnings", "KIND": HitKind.LEARNING.value, "EXCERPT": "we_learned"},
    SearchScope.EXPERIMENTS: {"TABLE": "experiments", "KIND": HitKind.EXPERIMENT.value, "EXCERPT": "hypothesis"},
}


def _part(scope: SearchScope, *, dialect: str) -> str:
    part = _POSTGRES_PART if dialect == "postgresql" else _SQLITE_PART
    for placeholder, value in _SOURCES[scope].items():
        part = part.replace(placeholder, value)
    return part


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
    words = fulltext.terms(query)
    ordering = f"search:{scope.value}:{int(any_word)}:{' '.join(words)}"
    if not words:
        # A token is still checked, so that a foreign one is refused the same way.
        if page.token is not None:
            fulltext.decode_token(page.token, ordering)
        return [], None
    dialect = dialect_of(session)
    if dialect == "sqlite":
        await _heal_sqlite_indexes(session)
    scopes = [SearchScope.LEARNINGS, SearchScope.EXPERIMENTS] if scope is SearchScope.ALL else [scope]
    rows, token = await fulltext.ranked_page(
        session,
        hits_sql=" UNION ALL ".join(_part(chosen, dialect=dialect) for chosen in scopes),
        columns=_COLUMNS,
        parameters={
            "query": fulltext.match_expression(words, any_word=any_word, dialect=dialect),
            "organization_id": organization_id,
            "candidates": fulltext.CANDIDATES,
        },
        ordering=ordering,
        page=page,
    )
    hits = [
        Hit(kind=HitKind(row.kind), id=row.id, title=row.title, excerpt=row.excerpt, score=row.score) for row in rows
    ]
    return hits, token
