"""stored search vectors and a stage index for lists

Revision ID: 0302
Revises: 0202
Create Date: 2026-11-28 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# PostgreSQL: the search document's tsvector becomes a stored generated column under a GIN index,
# so matching and ranking read it instead of re-parsing the text of every matching document
# (see ideaflow_shared/fulltext.py). It replaces the GIN index on the expression. Without a pending
# list (fastupdate off), a write updates the index at once and no search scans up to 4 MB of
# not-yet-merged entries: ideas are written rarely and searched often. SQLite keeps the
# column empty (and a plain index on it, as the model declares one): its FTS5 table is the index.
# Both: ideas listed by stage (a review queue) use an index instead of scanning the organisation.

revision: str = "0302"
down_revision: str | tuple[str, ...] | None = "0202"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_idea_search_documents_text")
        op.execute(
            "ALTER TABLE idea_search_documents ADD COLUMN vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, document)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_idea_search_documents_vector ON idea_search_documents USING gin (vector) "
            "WITH (fastupdate = off)"
        )
    else:
        op.add_column("idea_search_documents", sa.Column("vector", sa.Text(), nullable=True))
        op.create_index("ix_idea_search_documents_vector", "idea_search_documents", ["vector"])
    op.create_index("ix_ideas_org_stage_created", "ideas", ["organization_id", "stage", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ideas_org_stage_created", table_name="ideas")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_idea_search_documents_vector")
        op.execute("ALTER TABLE idea_search_documents DROP COLUMN vector")
        op.execute(
            "CREATE INDEX ix_idea_search_documents_text ON idea_search_documents "
            "USING gin ((to_tsvector('english'::regconfig, document)))"
        )
    else:
        # Not batch mode: rebuilding the table would drop the triggers that feed FTS5.
        op.drop_index("ix_idea_search_documents_vector", table_name="idea_search_documents")
        op.execute("ALTER TABLE idea_search_documents DROP COLUMN vector")
