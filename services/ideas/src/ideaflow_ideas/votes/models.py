"""Up-votes and dots, stored under voter keys (see `ideaflow_ideas.anonymity`), never by person."""

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ideaflow_ideas.db import Base
from ideaflow_shared.db import UTCDateTime, utcnow


class IdeaVote(Base):
    """One up-vote: the primary key makes it one per person per idea."""

    __tablename__ = "idea_votes"

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    voter_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DotAllocation(Base):
    """The dots one participant placed on one idea of a challenge; the participant key is the
    same across the challenge's ideas, so the budget can be summed, and differs between challenges."""

    __tablename__ = "dot_allocations"
    __table_args__ = (Index("ix_dot_allocations_participant", "challenge_id", "participant_key"),)

    idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    participant_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    dots: Mapped[int] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
