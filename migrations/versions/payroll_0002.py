"""Payroll: pay groups on runs, and the sub-ledger of tax and contributions owed.

Revision ID: payroll_0002
Revises: payroll_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payroll_0002"
down_revision = "payroll_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payroll_runs") as batch:
        batch.add_column(sa.Column("pay_group", sa.String(32), nullable=False, server_default=""))
    op.create_table(
        "payroll_liabilities",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("account", sa.String(20), primary_key=True),
        sa.Column("run", sa.String(32), nullable=False, index=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("reversed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payroll_liabilities")
    with op.batch_alter_table("payroll_runs") as batch:
        batch.drop_column("pay_group")
