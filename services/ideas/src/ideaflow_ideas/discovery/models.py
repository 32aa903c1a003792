"""The search document of each idea, kept by database triggers (migration 0202), never by the service.

Triggers rather than service code keep it true however an idea or its tags change (the ideas,
stages and votes packages, bulk loads). It holds only text the idea already shows, never an author.
"""

import uuid

from sqlalchemy import ForeignKey, Index, Integer, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_ideas.db import Base


class IdeaSearchDocument(Base):
    __tablename__ = "idea_search_documents"
    __table_args__ = (Index("ix_idea_search_documents_org", "organization_id"),)

    # An integer key, because SQLite's FTS5 index refers to rows by an integer that must never change.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # Title, problem, proposal and tags, separated by newlines.
    document: Mapped[str] = mapped_column(Text)
