"""Merging a duplicate idea into another. The one place that sets an idea's stage to `merged`."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas.discovery import repository
from ideaflow_ideas.ideas import service as ideas
from ideaflow_ideas.ideas.models import Idea, IdeaStage
from ideaflow_ideas.stages import service as stages
from ideaflow_ideas.stages import transitions
from ideaflow_ideas.votes import service as votes
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Conflict, Forbidden, NotFound, UnprocessableContent


async def _target(session: AsyncSession, *, identity: Identity, source: Idea, target_id: uuid.UUID) -> Idea:
    if target_id == source.id:
        raise UnprocessableContent.at("/body/into", "An idea cannot be merged into itself.")
    try:
        target = await ideas.get_idea(session, identity=identity, idea_id=target_id, for_update=True)
    except NotFound:
        # Another organisation's idea is answered exactly like a missing one.
        raise UnprocessableContent.at("/body/into", f"No idea with id {target_id} exists.") from None
    if target.stage == IdeaStage.MERGED:
        raise Conflict(
            "That idea was itself merged; merge into the idea it points to.",
            extra={"merged_into_id": str(target.merged_into_id) if target.merged_into_id else None},
        )
    return target


async def merge_idea(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, into: uuid.UUID, if_match: str | None
) -> Idea:
    """Merge idea `idea_id` into `into` (managers): its up-votes (one per person), dots within the
    same challenge, comments and evaluations move to the target, and it stays readable in the
    `merged` stage, pointing to the target, with the merge in the history its author reads."""
    if not identity.has_role(transitions.MANAGER_ROLE):
        raise Forbidden("Merging ideas needs the 'manager' role.")
    source = await ideas.get_idea(session, identity=identity, idea_id=idea_id, for_update=True)
    check_if_match(if_match, source.version)
    if IdeaStage.MERGED not in transitions.ALLOWED[source.stage]:
        allowed = [stage.value for stage in transitions.allowed_targets(source.stage)]
        raise Conflict(f"An idea in '{source.stage.value}' cannot be merged.", extra={"allowed": allowed})
    target = await _target(session, identity=identity, source=source, target_id=into)
    await ideas.ensure_idea_writable(session, identity=identity, idea=source)
    await ideas.ensure_idea_writable(session, identity=identity, idea=target)

    await repository.move_up_votes(session, source_id=source.id, target_id=target.id)
    if source.challenge_id is not None and source.challenge_id == target.challenge_id:
        await repository.move_dots(session, source_id=source.id, target_id=target.id)
    await repository.move_comments(session, source_id=source.id, target_id=target.id)
    await repository.move_evaluations(session, source_id=source.id, target_id=target.id)
    stages.change_stage(
        session,
        idea=source,
        target=IdeaStage.MERGED,
        actor_role=stages.acting_role(identity),
        rationale=f"Merged into the idea '{target.title}' ({target.id}), where its votes and comments now are.",
    )
    source.merged_into_id = target.id
    await votes.refresh_totals(session, idea=source)
    await votes.refresh_totals(session, idea=target)
    return source
