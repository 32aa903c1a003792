"""feedback merges

Revision ID: 0605
Revises: 0604
Create Date: 2026-11-29 07:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0605"
down_revision: str | None = "0604"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A near-duplicate merged into another item keeps its row (a CRM resending it finds it), with the new
# status `merged` and the item it went into (indexed: what went into an item is listed). The status is a string under a CHECK constraint, so the
# constraint is replaced (on SQLite by batch mode's copy of the table).
_BEFORE = ("new", "triaged", "linked", "addressed", "loop_closed", "archived", "spam")
_AFTER = (*_BEFORE, "merged")


def _statuses(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_feedback_items_merged_into_id_feedback_items"), "feedback_items", ["merged_into_id"], ["id"]
        )
        batch_op.create_index("ix_feedback_items_merged_into", ["merged_into_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("ck_feedback_items_feedback_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_feedback_items_feedback_status"), _statuses(_AFTER))


def downgrade() -> None:
    op.execute("UPDATE feedback_items SET status = 'archived' WHERE status = 'merged'")
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_feedback_items_feedback_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_feedback_items_feedback_status"), _statuses(_BEFORE))
        batch_op.drop_index("ix_feedback_items_merged_into")
        batch_op.drop_constraint(batch_op.f("fk_feedback_items_merged_into_id_feedback_items"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
