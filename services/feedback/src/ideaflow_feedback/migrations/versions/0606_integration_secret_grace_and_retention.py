"""integration secret grace period and delivery log retention

Revision ID: 0606
Revises: 0605
Create Date: 2026-11-29 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ideaflow_shared.db import UTCDateTime

revision: str = "0606"
down_revision: str | None = "0605"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A rotated secret may stay accepted for a grace period: the replaced one is kept sealed beside the new
# one until it expires, and each delivery records whether it was signed with it. The deliveries and the
# seen event ids are deleted once older than the retention setting, oldest first across integrations:
# each gets an index on `received_at` alone.


def upgrade() -> None:
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_sealed_secret", sa.LargeBinary(length=512), nullable=True))
        batch_op.add_column(sa.Column("previous_secret_expires_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("integration_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signed_with_previous_secret", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_integration_deliveries_received_at", ["received_at"], unique=False)
    with op.batch_alter_table("integration_events", schema=None) as batch_op:
        batch_op.create_index("ix_integration_events_received_at", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("integration_events", schema=None) as batch_op:
        batch_op.drop_index("ix_integration_events_received_at")
    with op.batch_alter_table("integration_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_integration_deliveries_received_at")
        batch_op.drop_column("signed_with_previous_secret")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_expires_at")
        batch_op.drop_column("previous_sealed_secret")
