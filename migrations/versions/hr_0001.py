"""HR: employees, effective-dated record changes, personal data, leave days.

Revision ID: hr_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hr_0001"
down_revision = "0004"
branch_labels = ("hr",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_employees",
        sa.Column("employee", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("joining_date", sa.Date, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "hr_record_changes",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("employee", sa.String(32), nullable=False, index=True),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.create_table(
        "hr_personal",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("employee", sa.String(32), nullable=False, index=True),
        sa.Column("fields", sa.Text, nullable=False),
    )
    op.create_table(
        "hr_leave",
        sa.Column("employee", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("paid_fraction", sa.String(40), nullable=False),
        sa.Column("leave_type", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in ("hr_leave", "hr_personal", "hr_record_changes", "hr_employees"):
        op.drop_table(table)
