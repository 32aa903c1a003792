"""theme pending

Revision ID: 0603
Revises: 0602
Create Date: 2026-11-29 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0603"
down_revision: str | None = "0602"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# New feedback waits here for the background theme assigner instead of being assigned inside the
# request that stored it; theme reads assign an organisation's waiting items first.


def upgrade() -> None:
    op.create_table(
        "theme_pending",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback_items.id"],
            name=op.f("fk_theme_pending_feedback_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_theme_pending")),
    )
    with op.batch_alter_table("theme_pending", schema=None) as batch_op:
        batch_op.create_index("ix_theme_pending_org_position", ["organization_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_pending", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_pending_org_position")
    op.drop_table("theme_pending")
