"""decisions by period

Revision ID: 0502
Revises: 0302, 0402
Create Date: 2026-11-29 00:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

# Joins the search and partners branches, and indexes decisions by organisation and time for the
# programme view's period figures.

revision: str = "0502"
down_revision: str | tuple[str, ...] | None = ("0302", "0402")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_org_decided_at", ["organization_id", "decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_org_decided_at")
