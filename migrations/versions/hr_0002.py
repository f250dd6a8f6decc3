"""HR: the log of performance reviews and recruitment (folded by the report queries).

Revision ID: hr_0002
Revises: hr_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hr_0002"
down_revision = "hr_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_activity",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("stream", sa.String(200), nullable=False, index=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hr_activity")
