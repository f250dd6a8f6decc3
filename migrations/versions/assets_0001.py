"""Fixed assets: categories, the asset register, asset movements, cash-flow tags.

Revision ID: assets_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assets_0001"
down_revision = "0004"
branch_labels = ("assets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_categories",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cost_account", sa.String(20), nullable=False),
        sa.Column("accumulated_depreciation_account", sa.String(20), nullable=False),
        sa.Column("depreciation_expense_account", sa.String(20), nullable=False),
        sa.Column("gain_account", sa.String(20), nullable=False),
        sa.Column("loss_account", sa.String(20), nullable=False),
        sa.Column("impairment_loss_account", sa.String(20), nullable=False),
        sa.Column("accumulated_impairment_account", sa.String(20), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("useful_life_months", sa.Integer, nullable=False),
        sa.Column("convention", sa.String(16), nullable=False),
    )
    op.create_table(
        "fixed_assets",
        sa.Column("number", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("acquired", sa.Date, nullable=False),
        sa.Column("available_for_use", sa.Date, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("useful_life_months", sa.Integer, nullable=False),
        sa.Column("convention", sa.String(16), nullable=False),
        sa.Column("residual_minor", sa.BigInteger, nullable=False),
        sa.Column("cost_account", sa.String(20), nullable=False),
        sa.Column("accumulated_depreciation_account", sa.String(20), nullable=False),
        sa.Column("accumulated_impairment_account", sa.String(20), nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("disposed_on", sa.Date),
        sa.Column("disposal_document", sa.String(32)),
    )
    op.create_table(
        "asset_entries",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("asset", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("month", sa.String(7)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.String(32)),
        sa.Column("cost_minor", sa.BigInteger, nullable=False),
        sa.Column("depreciation_minor", sa.BigInteger, nullable=False),
        sa.Column("impairment_minor", sa.BigInteger, nullable=False),
        sa.Column("proceeds_minor", sa.BigInteger, nullable=False),
        sa.Column("gain_minor", sa.BigInteger, nullable=False),
        sa.Column("loss_minor", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_asset_entries_asset", "asset_entries", ["asset", "date"])
    op.create_table(
        "cash_flow_tags",
        sa.Column("account", sa.String(20), primary_key=True),
        sa.Column("tag", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cash_flow_tags")
    op.drop_index("ix_asset_entries_asset", table_name="asset_entries")
    op.drop_table("asset_entries")
    op.drop_table("fixed_assets")
    op.drop_table("asset_categories")
