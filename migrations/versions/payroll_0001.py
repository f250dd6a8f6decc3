"""Payroll: configuration, runs, payslips and their lines, salary payments.

Revision ID: payroll_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payroll_0001"
down_revision = "0004"
branch_labels = ("payroll",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payroll_config",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("salaries_payable", sa.String(20), nullable=False),
        sa.Column("tax_payable", sa.String(20), nullable=False),
    )
    op.create_table(
        "payroll_runs",
        sa.Column("run", sa.String(32), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("employees", sa.Integer, nullable=False),
        sa.Column("gross_minor", sa.BigInteger, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("employer_minor", sa.BigInteger, nullable=False),
        sa.Column("reversed_by", sa.String(32)),
    )
    op.create_table(
        "payroll_slips",
        sa.Column("run", sa.String(32), primary_key=True),
        sa.Column("employee", sa.String(32), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("structure", sa.String(32), nullable=False),
        sa.Column("cost_centre", sa.String(32), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("working_days", sa.String(40), nullable=False),
        sa.Column("payment_days", sa.String(40), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("gross_minor", sa.BigInteger, nullable=False),
        sa.Column("deductions_minor", sa.BigInteger, nullable=False),
        sa.Column("taxable_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("employer_minor", sa.BigInteger, nullable=False),
        sa.Column("paid_minor", sa.BigInteger, nullable=False),
        sa.Column("reversed", sa.Boolean, nullable=False),
    )
    op.create_table(
        "payroll_slip_lines",
        sa.Column("run", sa.String(32), primary_key=True),
        sa.Column("employee", sa.String(32), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "payroll_payments",
        sa.Column("payment", sa.String(32), primary_key=True),
        sa.Column("employee", sa.String(32), primary_key=True),
        sa.Column("run", sa.String(32), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "payroll_payments",
        "payroll_slip_lines",
        "payroll_slips",
        "payroll_runs",
        "payroll_config",
    ):
        op.drop_table(table)
