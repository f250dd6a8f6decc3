"""Production: an index on the WIP lines' issue voucher and line.

Back-dated re-costings (`StockCostAdjusted`) find the work-order issue they changed by the
issue's voucher and line; without an index every one scanned the table.

Revision ID: production_0004
Revises: production_0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "production_0004"
down_revision = "production_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_production_wo_lines_voucher", "production_wo_lines", ["voucher", "voucher_line"]
    )


def downgrade() -> None:
    op.drop_index("ix_production_wo_lines_voucher", table_name="production_wo_lines")
