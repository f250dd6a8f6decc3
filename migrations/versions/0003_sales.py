"""Sales: customers and their credit history, sales orders and lines, deliveries and returns,
invoice and credit-note lines, invoices, receipts and credit notes, allocations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("contact", sa.String(500)),
        sa.Column("address", sa.String(500)),
    )
    op.create_table(
        "customer_credit",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("credit_level", sa.String(8), nullable=False),
        sa.Column("credit_limit_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sales_orders",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("delivery_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "sales_order_lines",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("delivered_micro", sa.BigInteger, nullable=False),
        sa.Column("invoiced_micro", sa.BigInteger, nullable=False),
        sa.Column("returned_micro", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sales_movements",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("order_document", sa.String(32), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("cost_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sales_billing",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("order_document", sa.String(32), nullable=False),
        sa.Column("invoice", sa.String(32), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("quantity_micro", sa.BigInteger, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("tax_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sales_invoices",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("order_document", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("total_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "customer_credits",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("customer", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "customer_allocations",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("receipt", sa.String(32), nullable=False),
        sa.Column("invoice", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "customer_allocations",
        "customer_credits",
        "sales_invoices",
        "sales_billing",
        "sales_movements",
        "sales_order_lines",
        "sales_orders",
        "customer_credit",
        "customers",
    ):
        op.drop_table(table)
