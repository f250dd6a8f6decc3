"""Operations: the record of signed digests issued (for `erp doctor`'s "last signed digest").

Revision ID: ops_0002
Revises: ops_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ops_0002"
down_revision = "ops_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_digests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("head_position", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ops_digests")
