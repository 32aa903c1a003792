"""The rules for comments: kinds and the deferred-judgement rule, threads, authorship."""

import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ideaflow_ideas import anonymity
from ideaflow_ideas.challenges import service as challenges
from ideaflow_ideas.comments import repository
from ideaflow_ideas.comments.models import Comment, CommentKind
from ideaflow_ideas.comments.schemas import CommentCreate, CommentUpdate
from ideaflow_ideas.ideas import service as ideas
from ideaflow_ideas.ideas.models import Idea
from ideaflow_ideas.roles import MANAGER, REVIEWER, ensure_participant
from ideaflow_ideas.stages import service as stages
from ideaflow_shared.db import utcnow
from ideaflow_shared.etag import check_if_match
from ideaflow_shared.identity import Identity
from ideaflow_shared.pagination import PageRequest
from ideaflow_shared.problems import Forbidden, NotFound, UnprocessableContent


@dataclass(frozen=True, slots=True)
class PostedComment:
    comment: Comment
    # Only for anonymous comments not written with the idea's follow token: shown once.
    comment_token: str | None


@dataclass(frozen=True, slots=True)
class AuthorTokens:
    """What an anonymous author may prove authorship with; either may be absent."""

    follow_token: str | None = None
    comment_token: str | None = None

    def hashes(self) -> list[bytes]:
        return [anonymity.follow_token_hash(token) for token in (self.follow_token, self.comment_token) if token]


async def _ensure_phase_allows(session: AsyncSession, *, identity: Identity, idea: Idea, kind: CommentKind) -> None:
    if idea.challenge_id is None:
        return
    challenge = await challenges.get_challenge(session, identity=identity, challenge_id=idea.challenge_id)
    challenges.ensure_writable(challenge)
    if kind == CommentKind.CRITIQUE:
        challenges.ensure_judgement_open_in(challenge, what="critique")


async def _ensure_thread_parent(
    session: AsyncSession, *, identity: Identity, idea: Idea, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    parent = await repository.get_comment(
        session, organization_id=identity.organization_id, idea_id=idea.id, comment_id=parent_id
    )
    if parent is None:
        raise UnprocessableContent.at("/body/parent_id", "No comment of this idea has this id.")
    if parent.parent_id is not None:
        raise UnprocessableContent.at("/body/parent_id", "Threads are one level deep: reply to the top-level comment.")


def _answers_for_the_organisation(identity: Identity) -> bool:
    """A reviewer's or manager's comment is an answer: the idea leaves the review queue for a while."""
    return identity.has_role(REVIEWER) or identity.has_role(MANAGER)


def _is_idea_author(idea: Idea, follow_token: str | None) -> bool:
    if follow_token is None:
        return False
    if idea.follow_token_hash is None or not hmac.compare_digest(
        idea.follow_token_hash, anonymity.follow_token_hash(follow_token)
    ):
        raise Forbidden("This follow token does not belong to this idea.")
    return True


async def post_comment(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, data: CommentCreate, follow_token: str | None
) -> PostedComment:
    """Add a comment or a reply, unless the challenge's phase defers this kind of comment."""
    ensure_participant(identity, action="comment on ideas")
    idea = await ideas.get_idea(session, identity=identity, idea_id=idea_id)
    await _ensure_phase_allows(session, identity=identity, idea=idea, kind=data.kind)
    await _ensure_thread_parent(session, identity=identity, idea=idea, parent_id=data.parent_id)
    by_idea_author = _is_idea_author(idea, follow_token)
    comment_token = anonymity.new_follow_token() if data.anonymous and not by_idea_author else None
    if by_idea_author:
        token_hash = idea.follow_token_hash
    else:
        token_hash = anonymity.follow_token_hash(comment_token) if comment_token else None
    now = utcnow()
    comment = Comment(
        id=uuid.uuid4(),
        organization_id=identity.organization_id,
        idea_id=idea.id,
        parent_id=data.parent_id,
        kind=data.kind,
        body=data.body,
        author_id=None if data.anonymous or by_idea_author else identity.principal_id,
        author_token_hash=token_hash,
        by_idea_author=by_idea_author,
        created_at=now,
        updated_at=now,
        version=1,
    )
    repository.add_comment(session, comment)
    if _answers_for_the_organisation(identity):
        stages.record_reviewer_response(idea=idea)
    await session.flush()
    return PostedComment(comment=comment, comment_token=comment_token)


async def list_comments(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, kind: CommentKind | None, page: PageRequest
) -> tuple[Sequence[Comment], str | None]:
    idea = await ideas.get_idea(session, identity=identity, idea_id=idea_id)
    return await repository.list_comments(
        session, organization_id=identity.organization_id, idea_id=idea.id, kind=kind, page=page
    )


async def get_comment(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, comment_id: uuid.UUID
) -> Comment:
    comment = await repository.get_comment(
        session, organization_id=identity.organization_id, idea_id=idea_id, comment_id=comment_id
    )
    if comment is None:
        raise NotFound(f"No comment with id {comment_id} exists on this idea.")
    return comment


def _is_author(identity: Identity, comment: Comment, tokens: AuthorTokens) -> bool:
    if comment.author_id is not None:
        return comment.author_id == identity.principal_id
    stored = comment.author_token_hash
    return stored is not None and any(hmac.compare_digest(stored, candidate) for candidate in tokens.hashes())


async def _editable_comment(
    session: AsyncSession, *, identity: Identity, idea_id: uuid.UUID, comment_id: uuid.UUID, if_match: str | None
) -> Comment:
    comment = await get_comment(session, identity=identity, idea_id=idea_id, comment_id=comment_id)
    check_if_match(if_match, comment.version)
    idea = await ideas.get_idea(session, identity=identity, idea_id=idea_id)
    await ideas.ensure_idea_writable(session, identity=identity, idea=idea)
    return comment


async def update_comment(
    session: AsyncSession,
    *,
    identity: Identity,
    idea_id: uuid.UUID,
    comment_id: uuid.UUID,
    if_match: str | None,
    tokens: AuthorTokens,
    data: CommentUpdate,
) -> Comment:
    """Change a comment's text: its author only (anonymous authors prove it with their token)."""
    comment = await _editable_comment(
        session, identity=identity, idea_id=idea_id, comment_id=comment_id, if_match=if_match
    )
    if not _is_author(identity, comment, tokens):
        raise Forbidden("Only the comment's author may change it.")
    for field, value in data.changes().items():
        setattr(comment, field, value)
    comment.version += 1
    comment.updated_at = utcnow()
    await session.flush()
    return comment


async def delete_comment(
    session: AsyncSession,
    *,
    identity: Identity,
    idea_id: uuid.UUID,
    comment_id: uuid.UUID,
    if_match: str | None,
    tokens: AuthorTokens,
) -> None:
    """Delete a comment and its replies: its author, or a manager moderating."""
    comment = await _editable_comment(
        session, identity=identity, idea_id=idea_id, comment_id=comment_id, if_match=if_match
    )
    if not (_is_author(identity, comment, tokens) or identity.has_role(MANAGER)):
        raise Forbidden("Only the comment's author or a manager may delete it.")
    await repository.delete_comment(session, comment)
