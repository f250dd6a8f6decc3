"""Currency: revaluation of foreign-currency accounts, payments in their document currency;
voucher kinds up to 32 characters ("exchange_difference" did not fit 16 on PostgreSQL).

Revision ID: currency_0002
Revises: currency_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "currency_0002"
down_revision = "currency_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter a column in place (it copies the table)
    for table in ("vouchers", "gl_lines"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "kind", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
            )
    op.create_table(
        "revaluation_accounts",
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("account", sa.String(20), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", sa.String(40), nullable=False),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("booked_minor", sa.BigInteger, nullable=False),
        sa.Column("revalued_minor", sa.BigInteger, nullable=False),
        sa.Column("difference_minor", sa.BigInteger, nullable=False),
        sa.Column("document", sa.String(32)),
        sa.Column("reversal_date", sa.Date),
        sa.Column("reversal_document", sa.String(32)),
    )
    op.create_table(
        "foreign_payments",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("base_minor", sa.BigInteger, nullable=False),
    )

    # the currency projection is replayed from the log on the next catch-up, so that a book
    # written before fills the new tables (its payments in the document currency)
    for table in (
        "exchange_rates",
        "exchange_differences",
        "revaluation_items",
        "foreign_items",
        "foreign_settlements",
    ):
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("DELETE FROM projection_position WHERE name = 'currency'"))


def downgrade() -> None:
    op.drop_table("foreign_payments")
    op.drop_table("revaluation_accounts")
    for table in ("vouchers", "gl_lines"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "kind", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
            )
