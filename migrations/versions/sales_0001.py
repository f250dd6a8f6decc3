"""Covering indexes for the gross margin: revenue and cost summed per item or per customer over
a date range read only the index, in key order (no table reads, no sort for the GROUP BY).

Revision ID: sales_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "sales_0001"
down_revision = "0004"
branch_labels = ("sales",)
depends_on = None

INDEXES = {
    "ix_sales_billing_item": ("sales_billing", ["item", "date", "net_minor"]),
    "ix_sales_billing_customer": ("sales_billing", ["customer", "date", "net_minor"]),
    "ix_sales_movements_item": ("sales_movements", ["item", "date", "cost_minor"]),
    "ix_sales_movements_customer": ("sales_movements", ["customer", "date", "cost_minor"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
