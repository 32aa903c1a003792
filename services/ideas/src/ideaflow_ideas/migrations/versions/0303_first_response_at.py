"""first response kept apart from the latest

Revision ID: 0303
Revises: 0302
Create Date: 2026-11-28 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ideaflow_shared.db

# Time to first response read the latest reviewer answer, which every later comment or move
# overwrites. Existing ideas get the best the data still tells: the earlier of their first stage
# change and their latest answer.

revision: str = "0303"
down_revision: str | tuple[str, ...] | None = "0302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ideas", sa.Column("first_response_at", ideaflow_shared.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE ideas SET first_response_at = last_response_at")
    op.execute(
        "UPDATE ideas SET first_response_at = (SELECT min(s.changed_at) FROM stage_changes AS s WHERE s.idea_id = ideas.id) "
        "WHERE EXISTS (SELECT 1 FROM stage_changes AS s WHERE s.idea_id = ideas.id "
        "AND (ideas.first_response_at IS NULL OR s.changed_at < ideas.first_response_at))"
    )


def downgrade() -> None:
    # Plain ALTER TABLE, not batch mode: rebuilding ideas on SQLite would drop its search triggers.
    op.execute("ALTER TABLE ideas DROP COLUMN first_response_at")
