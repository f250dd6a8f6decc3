"""Currency: the exchange-rate table and foreign-currency open items.

Revision ID: currency_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "currency_0001"
down_revision = "0004"
branch_labels = ("currency",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "exchange_differences",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("invoice", sa.String(32), primary_key=True),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "revaluation_items",
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("invoice", sa.String(32), primary_key=True),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_amount", sa.String(40), nullable=False),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("booked_minor", sa.BigInteger, nullable=False),
        sa.Column("revalued_minor", sa.BigInteger, nullable=False),
        sa.Column("difference_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "foreign_items",
        sa.Column("invoice", sa.String(32), primary_key=True),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "foreign_settlements",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("invoice", sa.String(32), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("foreign_settlements")
    op.drop_table("foreign_items")
    op.drop_table("revaluation_items")
    op.drop_table("exchange_differences")
    op.drop_table("exchange_rates")
