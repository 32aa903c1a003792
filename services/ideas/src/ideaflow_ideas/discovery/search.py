"""Full-text search over ideas: SQLite FTS5 or PostgreSQL tsvector, the same answers.

Both engines index the search document that migration 0202's triggers keep for every idea
(title, problem, proposal, tags): SQLite in FTS5, PostgreSQL as the stored `vector` column under a
GIN index (migration 0302). Queries are built from word tokens only (`fulltext.terms`), so user
text never reaches either query syntax. Every word must match (stemmed: "orders" finds "order").
Only the newest `fulltext.CANDIDATES` matching documents of the organisation (by document id,
which follows creation) are ranked, so a common word costs what a rare one does; see
`ideaflow_shared.fulltext` for that trade-off. Hits are ordered by relevance (score, then id)
and paged by that key, so a deeper page costs no more than the first.

The similarity check gathers its candidates with `similar_candidates`: any of the draft's rarest
words, so that a distinctive word finds its ideas however many ideas share the draft's common ones,
from a smaller pool (`SIMILAR_POOL`), as it runs every few keystrokes and shows a handful.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, String, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from ideaflow_ideas.discovery.models import IdeaSearchDocument
from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_shared import fulltext
from ideaflow_shared.db import dialect_of
from ideaflow_shared.pagination import PageRequest

# How many matching ideas, newest first, the similarity check counts and ranks (see the docstring).
SIMILAR_POOL = 300
# Importing the model registers the table with the service's metadata (migrations, drift check).
_DOCUMENTS = IdeaSearchDocument.__tablename__
_COLUMNS: dict[str, TypeEngine[Any]] = {
    "id": Uuid(),
    "title": String(),
    "stage": String(),
    "excerpt": String(),
    "document": String(),
    "score": Float(),
}
# The bm25 of FTS5 is lower for better hits; negated, both engines rank higher scores first.
# The sub-query finds the id of the :candidates-th newest matching document: older ones are not ranked.
_SQLITE_HITS = """
    SELECT d.idea_id AS id, d.document AS document, -bm25(idea_search_fts) AS score
    FROM idea_search_fts JOIN DOCUMENTS AS d ON d.id = idea_search_fts.rowid
    WHERE idea_search_fts MATCH :query AND d.organization_id = :organization_id
      AND idea_search_fts.rowid >= coalesce((
          SELECT f.rowid FROM idea_search_fts AS f JOIN DOCUMENTS AS c ON c.id = f.rowid
          WHERE f.idea_search_fts MATCH :query AND c.organization_id = :organization_id
          ORDER BY f.rowid DESC LIMIT 1 OFFSET :candidates - 1), 0)""".replace("DOCUMENTS", _DOCUMENTS)
_POSTGRES_HITS = f"""
    SELECT c.idea_id AS id, c.document AS document, ts_rank(c.vector, {fulltext.POSTGRES_QUERY})::float8 AS score
    FROM (SELECT d.idea_id, d.document, d.vector FROM {_DOCUMENTS} AS d
          WHERE d.organization_id = :organization_id AND d.vector @@ {fulltext.POSTGRES_QUERY}
          ORDER BY d.id DESC LIMIT :candidates) AS c"""  # noqa: S608 (constants only)
# What a hit shows, read for the page's ideas only.
_DETAILS = """
    SELECT hits.id AS id, i.title AS title, i.stage AS stage, substr(i.problem, 1, 280) AS excerpt,
           hits.document AS document, hits.score AS score
    FROM hits JOIN ideas AS i ON i.id = hits.id"""
# How many of the organisation's documents contain one word, counted up to :candidates.
_SQLITE_COUNT = """
    SELECT count(*) FROM (SELECT 1 FROM idea_search_fts JOIN DOCUMENTS AS d ON d.id = idea_search_fts.rowid
    WHERE idea_search_fts MATCH :word_N AND d.organization_id = :organization_id LIMIT :candidates)""".replace(
    "DOCUMENTS", _DOCUMENTS
)
# Newest first, as candidates are gathered: a common word stops after a short walk back.
_POSTGRES_COUNT = f"""
    SELECT count(*) FROM (SELECT 1 FROM {_DOCUMENTS} WHERE organization_id = :organization_id
    AND vector @@ to_tsquery('english'::regconfig, :word_N) ORDER BY id DESC LIMIT :candidates) AS matches"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class Hit:
    id: uuid.UUID
    title: str
    stage: IdeaStage
    excerpt: str
    # Title, problem, proposal and tags, for the similarity score.
    document: str
    score: float


async def _page(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    words: Sequence[str],
    any_word: bool,
    page: PageRequest,
    candidates: int,
) -> tuple[list[Hit], str | None]:
    dialect = dialect_of(session)
    rows, token = await fulltext.ranked_page(
        session,
        hits_sql=_POSTGRES_HITS if dialect == "postgresql" else _SQLITE_HITS,
        columns=_COLUMNS,
        parameters={
            "query": fulltext.match_expression(words, any_word=any_word, dialect=dialect),
            "organization_id": organization_id,
            "candidates": candidates,
        },
        ordering=f"search:{int(any_word)}:{' '.join(words)}",
        page=page,
        details_sql=_DETAILS,
    )
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
    return hits, token


async def search_ideas(
    session: AsyncSession, *, organization_id: uuid.UUID, query: str, page: PageRequest
) -> tuple[list[Hit], str | None]:
    """One page of the organisation's ideas matching every word of `query`, best first."""
    words = fulltext.terms(query)
    if not words:
        # A token is still checked, so that a foreign one is refused the same way.
        if page.token is not None:
            fulltext.decode_token(page.token, "search:0:")
        return [], None
    return await _page(
        session,
        organization_id=organization_id,
        words=words,
        any_word=False,
        page=page,
        candidates=fulltext.CANDIDATES,
    )


async def _rarest_words(session: AsyncSession, *, organization_id: uuid.UUID, words: Sequence[str]) -> list[str]:
    """The rarest of `words` whose matches together stay within SIMILAR_POOL (at least the rarest one)."""
    dialect = dialect_of(session)
    count = _POSTGRES_COUNT if dialect == "postgresql" else _SQLITE_COUNT
    # One statement: a count per word, each bounded by :candidates; user text only in parameters.
    statement = text(
        " UNION ALL ".join(f"SELECT {n} AS n, ({count.replace('_N', f'_{n}')}) AS matches" for n in range(len(words)))
    ).bindparams(bindparam("organization_id", type_=Uuid))
    parameters: dict[str, Any] = {"organization_id": organization_id, "candidates": SIMILAR_POOL}
    parameters |= {
        f"word_{n}": fulltext.match_expression([word], any_word=False, dialect=dialect) for n, word in enumerate(words)
    }
    rows = (await session.execute(statement.columns(n=Integer, matches=Integer), parameters)).all()
    chosen: list[str] = []
    total = 0
    for row in sorted(rows, key=lambda row: (row.matches, row.n)):
        if chosen and total + row.matches > SIMILAR_POOL:
            break
        chosen.append(words[row.n])
        total += row.matches
    return chosen


async def similar_candidates(session: AsyncSession, *, organization_id: uuid.UUID, draft: str, limit: int) -> list[Hit]:
    """The `limit` best-ranked ideas sharing one of the draft's rarest words (see `_rarest_words`).

    Below SIMILAR_POOL matches in all, that is every idea sharing any word of the draft.
    """
    words = fulltext.terms(draft)
    if not words:
        return []
    chosen = await _rarest_words(session, organization_id=organization_id, words=words)
    hits, _ = await _page(
        session,
        organization_id=organization_id,
        words=chosen,
        any_word=True,
        page=PageRequest(size=limit, token=None),
        candidates=SIMILAR_POOL,
    )
    return hits
