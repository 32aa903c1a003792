"""themes merged into index

Revision ID: 0503
Revises: 0502
Create Date: 2026-11-28 22:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0503"
down_revision: str | None = "0502"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A merge re-points the tombstones of the merged theme; the engine merges as items arrive, so finding
# them must not scan the organisation's themes.


def upgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.create_index("ix_themes_merged_into", ["merged_into_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_index("ix_themes_merged_into")
