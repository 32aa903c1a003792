"""merge branches

Revision ID: 0202
Revises: 0005, 0103
Create Date: 2026-11-28 22:10:00.000000
"""

from collections.abc import Sequence

# The branches built side by side join here, so later migrations have one head to build on.

revision: str = "0202"
down_revision: str | tuple[str, ...] | None = ("0005", "0103")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
