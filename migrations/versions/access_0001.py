"""Access: users, defined roles and grants (who can do what).

Revision ID: access_0001
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0001"
down_revision = "0004"
branch_labels = ("access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_users",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "access_roles",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("permissions", sa.String(8000), nullable=False),
        sa.Column("rules", sa.String(2000), nullable=False),
    )
    op.create_table(
        "access_grants",
        sa.Column("user", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(32), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("access_grants")
    op.drop_table("access_roles")
    op.drop_table("access_users")
