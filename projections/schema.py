"""Projection tables. Amounts are integers of minor units (exact on SQLite and PostgreSQL alike).

The schema is created and evolved by the Alembic migrations in ``migrations/``; a test checks
that the migrations and these definitions agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

projection_position = Table(
    "projection_position",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

company_info = Table(
    "company_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("fiscal_year_start", Date, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("parent", String(20)),
    Column("is_group", Boolean, nullable=False),
    Column("control", String(32)),
    Column("currency", String(3)),
    Column("closed", Boolean, nullable=False),
)

dimension_values = Table(
    "dimension_values",
    metadata,
    Column("dimension", String(32), primary_key=True),
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
)

fiscal_periods = Table(
    "fiscal_periods",
    metadata,
    Column("fiscal_year", String(8), primary_key=True),
    Column("period", Integer, primary_key=True),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("status", String(8), nullable=False),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),  # 32 since assets_0002 / currency_0002
    Column("date", Date, nullable=False),
    Column("fiscal_year", String(8), nullable=False),
    Column("period", Integer, nullable=False),
    Column("memo", String(500)),
    Column("reverses", String(32)),
    Column("reversed_by", String(32)),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
)

gl_lines = Table(
    "gl_lines",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("date", Date, nullable=False),
    Column("kind", String(32), nullable=False),  # 32 since assets_0002 / currency_0002
    Column("account", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("base_minor", BigInteger, nullable=False),
    Column("rate", String(40)),
    Column("memo", String(500)),
    Column("cost_centre", String(20)),
    Column("project", String(20)),
    Column("department", String(20)),
    Column("actor", String(200), nullable=False),
    Column("party", String(32)),  # migration 0002: the supplier or customer of the line
    Index("ix_gl_lines_account_date", "account", "date"),
)

period_balances = Table(
    "period_balances",
    metadata,
    Column("account", String(20), primary_key=True),
    Column("fiscal_year", String(8), primary_key=True),
    Column("period", Integer, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("base_minor", BigInteger, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)

daily_balances = Table(
    "daily_balances",
    metadata,
    Column("account", String(20), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("closing", Boolean, primary_key=True),
    Column("base_minor", BigInteger, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Index("ix_daily_balances_date", "date"),
)


# --- inventory (migration 0002) ----------------------------------------------------------------
# Quantities are integers of millionths (6 decimal places), values integers of minor units.

stock_items = Table(
    "stock_items",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("uom", String(16), nullable=False),
    Column("valuation", String(16), nullable=False),
    Column("batch_tracked", Boolean, nullable=False),
    Column("expense_account", String(20), nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("document", String(32), nullable=False),
    Column("line", Integer, nullable=False),
    Column("item", String(32), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("batch", String(32)),
    Column("kind", String(16), nullable=False),  # a movement kind, or "cost_adjustment"
    Column("date", Date, nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("counter_account", String(20), nullable=False),
    Column("reference", String(32)),  # the adjustment document of a cost adjustment
    Index("ix_stock_movements_bin_date", "item", "warehouse", "date"),
    # migration 0004: covers the stock balance (sums by bin up to a date) without table reads
    Index(
        "ix_stock_movements_balance",
        "date",
        "item",
        "warehouse",
        "batch",
        "quantity_micro",
        "value_minor",
    ),
)

# --- procurement (migration 0002) ---------------------------------------------------------------

suppliers = Table(
    "suppliers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("contact", String(500)),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("supplier", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("expected_delivery", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("plan", String(32)),
    Column("contract", String(500)),
    Column("actor", String(200), nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("item", String(32), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("price", String(40), nullable=False),
    Column("received_micro", BigInteger, nullable=False),
    Column("rejected_micro", BigInteger, nullable=False),
    Column("invoiced_micro", BigInteger, nullable=False),
    Column("received_minor", BigInteger, nullable=False),  # value credited to GRNI
    Column("cleared_minor", BigInteger, nullable=False),  # value invoices cleared from GRNI
)

supplier_invoices = Table(
    "supplier_invoices",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("supplier", String(32), nullable=False),
    Column("supplier_reference", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("supplier", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("bank_account", String(20), nullable=False),
)

supplier_allocations = Table(
    "supplier_allocations",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("payment", String(32), nullable=False),
    Column("invoice", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)


# --- sales (migration 0003) ----------------------------------------------------------------------

customers = Table(
    "customers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("contact", String(500)),
    Column("address", String(500)),
)

customer_credit = Table(
    "customer_credit",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("customer", String(32), nullable=False),
    Column("effective", Date, nullable=False),
    Column("credit_level", String(8), nullable=False),
    Column("credit_limit_minor", BigInteger, nullable=False),
)

sales_orders = Table(
    "sales_orders",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("customer", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("delivery_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
)

sales_order_lines = Table(
    "sales_order_lines",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("item", String(32), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("delivered_micro", BigInteger, nullable=False),
    Column("invoiced_micro", BigInteger, nullable=False),
    Column("returned_micro", BigInteger, nullable=False),
)

# deliveries (positive) and returns (negative): what left stock for a customer, at its cost
sales_movements = Table(
    "sales_movements",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("document", String(32), nullable=False),
    Column("order_document", String(32), nullable=False),
    Column("item", String(32), nullable=False),
    Column("customer", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("cost_minor", BigInteger, nullable=False),
    # migration sales_0001: the margin by item or customer reads only these indexes
    Index("ix_sales_movements_item", "item", "date", "cost_minor"),
    Index("ix_sales_movements_customer", "customer", "date", "cost_minor"),
)

# invoice lines (positive) and credit-note lines (negative)
sales_billing = Table(
    "sales_billing",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("order_document", String(32), nullable=False),
    Column("invoice", String(32), nullable=False),
    Column("item", String(32), nullable=False),
    Column("customer", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("quantity_micro", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    # migration sales_0001: the margin by item or customer reads only these indexes
    Index("ix_sales_billing_item", "item", "date", "net_minor"),
    Index("ix_sales_billing_customer", "customer", "date", "net_minor"),
)

sales_invoices = Table(
    "sales_invoices",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("order_document", String(32), nullable=False),
    Column("customer", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    # migration sales_0001: what every allocation so far took, and the latest allocation's
    # date, so the aging skips what was settled in full by its date (issue 9)
    Column("allocated_minor", BigInteger, nullable=False, server_default="0"),
    Column("last_allocated", Date),
)

# receipts of money and credit notes: both settle invoices through allocations
customer_credits = Table(
    "customer_credits",
    metadata,
    Column("document", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("customer", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    # migration sales_0001: what every allocation so far took, and the latest allocation's
    # date, so the aging skips what was settled in full by its date (issue 9)
    Column("allocated_minor", BigInteger, nullable=False, server_default="0"),
    Column("last_allocated", Date),
)

customer_allocations = Table(
    "customer_allocations",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("receipt", String(32), nullable=False),
    Column("invoice", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    # migration sales_0001: the aging sums one invoice's or receipt's allocations up to a date
    Index("ix_customer_allocations_invoice", "invoice", "date", "amount_minor"),
    Index("ix_customer_allocations_receipt", "receipt", "date", "amount_minor"),
)
