"""theme assignments customer

Revision ID: 0604
Revises: 0603
Create Date: 2026-11-29 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0604"
down_revision: str | None = "0603"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The near-duplicate check reads a customer's latest items per theme. Through feedback_items it
# windowed over the customer's whole history in that theme (and cast every vector in it to text):
# 0.5-0.8 s per 1,000-item batch at 200,000 items. With the customer on the assignment it is one
# index range per (customer, theme); the fingerprint rides along (PostgreSQL), so the same customer's
# exact repeats are found in the same entries.


def upgrade() -> None:
    with op.batch_alter_table("theme_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE theme_assignments SET customer_id = "
        "(SELECT customer_id FROM feedback_items WHERE feedback_items.id = theme_assignments.feedback_id)"
    )
    with op.batch_alter_table("theme_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_theme_assignments_customer_theme",
            ["customer_id", "theme_id", "received_at", "feedback_id"],
            unique=False,
            postgresql_include=["fingerprint"],
        )


def downgrade() -> None:
    with op.batch_alter_table("theme_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_assignments_customer_theme")
        batch_op.drop_column("customer_id")
