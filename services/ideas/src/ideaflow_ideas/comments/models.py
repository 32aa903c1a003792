"""The table behind `/v1/ideas/{idea_id}/comments`."""

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_ideas.db import Base
from ideaflow_ideas.ideas.models import string_enum
from ideaflow_shared.db import UTCDateTime, utcnow


class CommentKind(enum.StrEnum):
    BUILD_ON = "build_on"
    QUESTION = "question"
    CRITIQUE = "critique"


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_idea_created", "idea_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    # Replies point at a top-level comment; threads are one level deep.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    kind: Mapped[CommentKind] = mapped_column(string_enum(CommentKind, "comment_kind"))
    body: Mapped[str] = mapped_column(Text)
    # None when anonymous; then only a hash of a random edit token (or the idea's follow token) is kept.
    author_id: Mapped[str | None] = mapped_column(String(200))
    author_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # True when the anonymous author of the idea wrote it, proven by their follow token.
    by_idea_author: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @property
    def anonymous(self) -> bool:
        return self.author_id is None
