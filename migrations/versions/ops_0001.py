"""Operations: the record of backups taken (for `erp doctor`'s "last backup").

Revision ID: ops_0001
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ops_0001"
down_revision = "0004"
branch_labels = ("ops",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_backups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("taken_at", sa.String(40), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("head_position", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("signed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ops_backups")
