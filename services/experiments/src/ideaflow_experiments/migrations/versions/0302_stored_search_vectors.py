"""stored search vectors

Revision ID: 0302
Revises: 0202
Create Date: 2026-11-28 22:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# PostgreSQL: each searchable table gets its tsvector as a stored generated column under a GIN
# index, so matching and ranking read it instead of re-parsing the text of every matching row
# (see ideaflow_shared/fulltext.py); it replaces the GIN indexes on expressions of migration 0103.
# Without a pending list (fastupdate off), a write updates the index at once and no search scans up
# to 4 MB of not-yet-merged entries: cards are written rarely and searched often.
# SQLite keeps the columns empty (with a plain index, as the models declare one): its FTS5 tables
# are the index. Plain ALTER TABLE, never batch mode, so the FTS5 triggers stay.
_DOCUMENTS = {
    "learnings": "title || ' ' || we_believed || ' ' || we_observed || ' ' || we_learned"
    " || ' ' || therefore_we_will || ' ' || coalesce(process_change, '')",
    "experiments": "title || ' ' || hypothesis || ' ' || test_description",
}

revision: str = "0302"
down_revision: str | tuple[str, ...] | None = "0202"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, document in _DOCUMENTS.items():
        if postgres:
            op.execute(f"DROP INDEX ix_{table}_search")
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS (to_tsvector('english'::regconfig, {document})) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector) WITH (fastupdate = off)"
            )
        else:
            op.add_column(table, sa.Column("search_vector", sa.Text(), nullable=True))
            op.create_index(f"ix_{table}_search_vector", table, ["search_vector"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, document in _DOCUMENTS.items():
        op.drop_index(f"ix_{table}_search_vector", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        if postgres:
            op.execute(
                f"CREATE INDEX ix_{table}_search ON {table} USING gin ((to_tsvector('english'::regconfig, {document})))"
            )
