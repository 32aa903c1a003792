"""idea links by theme

Revision ID: 0602
Revises: 0302, 0402, 0503
Create Date: 2026-11-29 00:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

# Joins the imports, integrations and themes branches, and indexes links by theme: a theme merge
# moves the merged theme's links, which read all of the organisation's links without it.

revision: str = "0602"
down_revision: str | tuple[str, ...] | None = ("0302", "0402", "0503")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idea_links", schema=None) as batch_op:
        batch_op.create_index("ix_idea_links_theme", ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idea_links", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_links_theme")
