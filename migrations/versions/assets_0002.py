"""Fixed assets: assets under construction and the costs they collect; voucher kinds up to 32
characters (``depreciation_reversal`` is 21: PostgreSQL refused it in a 16-character column).

Revision ID: assets_0002
Revises: assets_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assets_0002"
down_revision = "assets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_constructions",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account", sa.String(20), nullable=False),
        sa.Column("opened", sa.Date, nullable=False),
        sa.Column("cost_centre", sa.String(32)),
    )
    op.create_table(
        "construction_entries",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("construction", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.String(32)),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("asset", sa.String(16)),
        sa.Column("source", sa.String(48)),
    )
    op.create_index("ix_construction_entries", "construction_entries", ["construction", "date"])
    for table in ("vouchers", "gl_lines"):  # on SQLite a batch copies the table
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "kind", type_=sa.String(32), existing_type=sa.String(16), existing_nullable=False
            )


def downgrade() -> None:
    for table in ("vouchers", "gl_lines"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "kind", type_=sa.String(16), existing_type=sa.String(32), existing_nullable=False
            )
    op.drop_index("ix_construction_entries", table_name="construction_entries")
    op.drop_table("construction_entries")
    op.drop_table("asset_constructions")
