"""A covering index for the stock balance report (sums per bin up to a date).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stock_movements_balance",
        "stock_movements",
        ["date", "item", "warehouse", "batch", "quantity_micro", "value_minor"],
    )


def downgrade() -> None:
    op.drop_index("ix_stock_movements_balance", table_name="stock_movements")
