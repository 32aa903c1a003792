"""curated themes

Revision ID: 0502
Revises: 0202
Create Date: 2026-11-28 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0502"
down_revision: str | None = "0202"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The engine merges themes whose centroids came close, except those people curated: renamed, merged,
# split, or with items people moved. Existing themes count as curated when any of that shows.


def upgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("curated", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        """
        UPDATE themes SET curated = true
        WHERE label_fixed
           OR EXISTS (SELECT 1 FROM theme_assignments a WHERE a.theme_id = themes.id AND a.pinned)
           OR EXISTS (SELECT 1 FROM themes m WHERE m.merged_into_id = themes.id)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_column("curated")
