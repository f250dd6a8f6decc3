"""Initial projection schema: positions, company, chart, periods, vouchers, GL lines, balances.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_position",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "company_info",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("fiscal_year_start", sa.Date, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("parent", sa.String(20)),
        sa.Column("is_group", sa.Boolean, nullable=False),
        sa.Column("control", sa.String(32)),
        sa.Column("currency", sa.String(3)),
        sa.Column("closed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "dimension_values",
        sa.Column("dimension", sa.String(32), primary_key=True),
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "fiscal_periods",
        sa.Column("fiscal_year", sa.String(8), primary_key=True),
        sa.Column("period", sa.Integer, primary_key=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
    )
    op.create_table(
        "vouchers",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("fiscal_year", sa.String(8), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("memo", sa.String(500)),
        sa.Column("reverses", sa.String(32)),
        sa.Column("reversed_by", sa.String(32)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "gl_lines",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.String(40)),
        sa.Column("memo", sa.String(500)),
        sa.Column("cost_centre", sa.String(20)),
        sa.Column("project", sa.String(20)),
        sa.Column("department", sa.String(20)),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_index("ix_gl_lines_account_date", "gl_lines", ["account", "date"])
    op.create_table(
        "period_balances",
        sa.Column("account", sa.String(20), primary_key=True),
        sa.Column("fiscal_year", sa.String(8), primary_key=True),
        sa.Column("period", sa.Integer, primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "daily_balances",
        sa.Column("account", sa.String(20), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("closing", sa.Boolean, primary_key=True),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_daily_balances_date", "daily_balances", ["date"])


def downgrade() -> None:
    for table in (
        "daily_balances",
        "period_balances",
        "gl_lines",
        "vouchers",
        "fiscal_periods",
        "dimension_values",
        "accounts",
        "company_info",
        "projection_position",
    ):
        op.drop_table(table)
