"""Production: every line that moved a work order's WIP, dated; re-costings of issues.

Revision ID: production_0003
Revises: production_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "production_0003"
down_revision = "production_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "production_work_orders",
        sa.Column("adjusted_minor", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "production_wo_lines",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("document", sa.String(32), nullable=False, index=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("warehouse", sa.String(32)),
        sa.Column("voucher", sa.String(32)),
        sa.Column("voucher_line", sa.Integer),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("value_minor", sa.BigInteger, nullable=False),
        sa.Column("wip_minor", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(400)),
    )


def downgrade() -> None:
    op.drop_table("production_wo_lines")
    op.drop_column("production_work_orders", "adjusted_minor")
