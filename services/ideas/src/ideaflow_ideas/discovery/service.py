"""Finding ideas: search and the similarity check. Read-only; org-scoped through the identity."""

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.discovery import search
from ideaflow_ideas.discovery.schemas import SimilarIdea, SimilarityDraft
from ideaflow_ideas.discovery.similarity import similarity, stems
from ideaflow_ideas.ideas.models import IdeaStage
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest

# Enough best-ranked candidates that the truly closest idea is among them, few enough to score
# them on every few keystrokes.
SIMILARITY_CANDIDATES = 40


async def search_ideas(
    session: AsyncSession, *, identity: Identity, query: str, page: PageRequest
) -> tuple[list[search.Hit], str | None]:
    return await search.search_ideas(session, organization_id=identity.organization_id, query=query, page=page)


async def find_similar_ideas(session: AsyncSession, *, identity: Identity, draft: SimilarityDraft) -> list[SimilarIdea]:
    """The ideas closest to a draft: full-text candidates sharing its rarest words, re-scored by
    `similarity`.

    Merged ideas are left out: their target is the one to point the author to.
    """
    words = f"{draft.title} {draft.text}"
    candidates = await search.similar_candidates(
        session, organization_id=identity.organization_id, draft=words, limit=SIMILARITY_CANDIDATES
    )
    draft_stems, title_stems = stems(words), stems(draft.title)
    matches = [
        SimilarIdea(
            id=hit.id,
            title=hit.title,
            stage=hit.stage,
            score=similarity(draft=draft_stems, draft_title=title_stems, title=hit.title, document=hit.document),
        )
        for hit in candidates
        if hit.stage != IdeaStage.MERGED and hit.id != draft.exclude_idea_id
    ]
    matches.sort(key=lambda match: (-match.score, str(match.id)))
    return [match for match in matches if match.score > 0][: draft.limit]
