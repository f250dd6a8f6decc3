"""Production plans: the plan, its netting rows and its planned orders.

Revision ID: production_0002
Revises: production_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "production_0002"
down_revision = "production_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "production_plans",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("demand_lines", sa.Integer, nullable=False),
        sa.Column("memo", sa.String(400)),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "production_plan_rows",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("item", sa.String(32), primary_key=True),
        sa.Column("low_level_code", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("gross_micro", sa.BigInteger, nullable=False),
        sa.Column("on_hand_micro", sa.BigInteger, nullable=False),
        sa.Column("on_order_micro", sa.BigInteger, nullable=False),
        sa.Column("reserved_micro", sa.BigInteger, nullable=False),
        sa.Column("available_micro", sa.BigInteger, nullable=False),
        sa.Column("net_micro", sa.BigInteger, nullable=False),
        sa.Column("planned_micro", sa.BigInteger, nullable=False),
        sa.Column("projected_end_micro", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "production_plan_orders",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("shortage_micro", sa.BigInteger, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("bom_version", sa.Integer),
        sa.Column("late", sa.Integer, nullable=False),
        sa.Column("work_order", sa.String(32)),
    )


def downgrade() -> None:
    op.drop_table("production_plan_orders")
    op.drop_table("production_plan_rows")
    op.drop_table("production_plans")
