"""Sales reports at scale (issue 9): covering indexes for the gross margin (revenue and cost
summed per item or per customer over dates read only the index, in key order) and for the
allocations of one invoice or receipt up to a date; each invoice and customer credit carries
what its allocations took in all and the latest allocation's date, so the receivables aging
skips the items settled in full by its date.

Revision ID: sales_0001
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
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
    "ix_customer_allocations_invoice": (
        "customer_allocations",
        ["invoice", "date", "amount_minor"],
    ),
    "ix_customer_allocations_receipt": (
        "customer_allocations",
        ["receipt", "date", "amount_minor"],
    ),
}
# table -> the allocations' column that names its documents
SETTLED = {"sales_invoices": "invoice", "customer_credits": "receipt"}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    for table, key in SETTLED.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("allocated_minor", sa.BigInteger, nullable=False, server_default="0")
            )
            batch.add_column(sa.Column("last_allocated", sa.Date))
        # the rows already projected: from their allocations
        op.execute(
            f"UPDATE {table} SET "
            "allocated_minor = (SELECT coalesce(sum(a.amount_minor), 0) "
            f"FROM customer_allocations a WHERE a.{key} = {table}.document), "
            "last_allocated = (SELECT max(a.date) FROM customer_allocations a "
            f"WHERE a.{key} = {table}.document)"
        )


def downgrade() -> None:
    for table in SETTLED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("last_allocated")
            batch.drop_column("allocated_minor")
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
