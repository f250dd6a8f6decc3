"""Production: work orders with their quantities, costs and WIP balance.

Revision ID: production_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "production_0001"
down_revision = "0004"
branch_labels = ("production",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "production_work_orders",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("bom_version", sa.Integer, nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("good_micro", sa.BigInteger, nullable=False),
        sa.Column("rejected_micro", sa.BigInteger, nullable=False),
        sa.Column("hours_micro", sa.BigInteger, nullable=False),
        sa.Column("materials_minor", sa.BigInteger, nullable=False),
        sa.Column("returned_minor", sa.BigInteger, nullable=False),
        sa.Column("labour_minor", sa.BigInteger, nullable=False),
        sa.Column("overhead_minor", sa.BigInteger, nullable=False),
        sa.Column("received_minor", sa.BigInteger, nullable=False),
        sa.Column("variance_minor", sa.BigInteger, nullable=False),
        sa.Column("wip_minor", sa.BigInteger, nullable=False),
        sa.Column("wip_account", sa.String(20), nullable=False),
        sa.Column("completed_on", sa.Date),
        sa.Column("actor", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("production_work_orders")
