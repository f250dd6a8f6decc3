"""Inventory and procurement: items, warehouses, stock movements, suppliers, orders, invoices,
payments and allocations; gl_lines gains the party (supplier or customer) of each line.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gl_lines") as batch:
        batch.add_column(sa.Column("party", sa.String(32)))
    op.create_table(
        "stock_items",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uom", sa.String(16), nullable=False),
        sa.Column("valuation", sa.String(16), nullable=False),
        sa.Column("batch_tracked", sa.Boolean, nullable=False),
        sa.Column("expense_account", sa.String(20), nullable=False),
    )
    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "stock_movements",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("batch", sa.String(32)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("value_minor", sa.BigInteger, nullable=False),
        sa.Column("counter_account", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(32)),
    )
    op.create_index("ix_stock_movements_bin_date", "stock_movements", ["item", "warehouse", "date"])
    op.create_table(
        "suppliers",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("contact", sa.String(500)),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("supplier", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("expected_delivery", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("plan", sa.String(32)),
        sa.Column("contract", sa.String(500)),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("price", sa.String(40), nullable=False),
        sa.Column("received_micro", sa.BigInteger, nullable=False),
        sa.Column("rejected_micro", sa.BigInteger, nullable=False),
        sa.Column("invoiced_micro", sa.BigInteger, nullable=False),
        sa.Column("received_minor", sa.BigInteger, nullable=False),
        sa.Column("cleared_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "supplier_invoices",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("supplier", sa.String(32), nullable=False),
        sa.Column("supplier_reference", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "supplier_payments",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("supplier", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("bank_account", sa.String(20), nullable=False),
    )
    op.create_table(
        "supplier_allocations",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("payment", sa.String(32), nullable=False),
        sa.Column("invoice", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "supplier_allocations",
        "supplier_payments",
        "supplier_invoices",
        "purchase_order_lines",
        "purchase_orders",
        "suppliers",
        "stock_movements",
        "warehouses",
        "stock_items",
    ):
        op.drop_table(table)
    with op.batch_alter_table("gl_lines") as batch:
        batch.drop_column("party")
