"""Events of sales: customers and credit, orders, deliveries, invoices, receipts, returns."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from erp_core.inventory.events import MOVEMENT_KINDS
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register(
    "delivery", "sales_return", "sales_invoice", "credit_note", "customer_receipt"
)
MOVEMENT_KINDS.register("delivery", "sales_return")


# --- sales -----------------------------------------------------------------------------------


class SalesConfigured(DomainEvent):
    credit_approvers: tuple[str, ...]  # actors who may approve an order over a credit limit
    revenue_account: str = "4100"
    cogs_account: str = "5100"
    output_tax_account: str = "2200"


class CustomerRegistered(DomainEvent):
    code: str
    name: str
    contact: str | None = None
    address: str | None = None
    currency: str
    payment_terms_days: int
    credit_level: str
    credit_limit: Dec
    effective: dt.date


class CustomerCreditChanged(DomainEvent):
    credit_level: str
    credit_limit: Dec
    effective: dt.date  # the limit is in force from this date


class CustomerExposureChanged(DomainEvent):
    """The customer's credit exposure moved: open confirmed orders and open receivables."""

    document: str
    orders: Dec  # change of the open confirmed order value
    receivables: Dec  # change of the open receivables


class SalesLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    item: str
    quantity: Dec
    price: Dec
    discount: Dec  # a fraction of the price: 0.1 = 10% off
    tax_rate: Dec
    warehouse: str
    net: Dec  # quantity x price x (1 - discount), rounded
    tax: Dec
    base_net: Dec | None = None  # a foreign order's net in base at the order's rate


class SalesOrderCreated(DomainEvent):
    document: str
    date: dt.date
    customer: str
    delivery_date: dt.date
    lines: tuple[SalesLine, ...]
    net: Dec
    tax: Dec
    total: Dec
    # Foreign-currency documents (issue 17): the document currency (None: the base
    # currency), the rate and, when taken from the rate table, that rate's date. Optional
    # fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_total: Dec | None = None


class SalesOrderCreditApproved(DomainEvent):
    reason: str


class SalesOrderConfirmed(DomainEvent):
    exposure: Dec  # with this order
    limit: Dec  # in force on the order date
    over_limit_approved: bool


class SalesOrderCancelled(DomainEvent):
    reason: str


class SalesOrderClosed(DomainEvent):
    """A partly delivered order closed for good: its undelivered rest will not be delivered
    (what was delivered is still invoiced, returned or credited as usual)."""

    reason: str


class DeliveredLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    cost: Dec  # what the stock issued for it cost (the delivery's posted COGS)
    batch: str | None = None


class GoodsDelivered(DomainEvent):
    delivery: str
    date: dt.date
    lines: dict[int, DeliveredLine]  # by order line


class GoodsReturned(DomainEvent):
    document: str
    date: dt.date
    reason: str
    lines: dict[int, DeliveredLine]  # by order line: quantity back, at the cost it left with


class BilledLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    net: Dec
    tax: Dec
    base_net: Dec | None = None  # a foreign document's amounts in base, as posted
    base_tax: Dec | None = None


class SalesInvoicePosted(DomainEvent):
    document: str
    order: str
    customer: str
    date: dt.date
    due: dt.date
    lines: dict[int, BilledLine]  # by order line
    net: Dec
    tax: Dec
    total: Dec
    # Foreign-currency documents (issue 17): the document currency (None: the base
    # currency), the rate and, when taken from the rate table, that rate's date. Optional
    # fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_total: Dec | None = None  # the receivable posted in base


class CreditNotePosted(DomainEvent):
    document: str
    invoice: str
    order: str
    customer: str
    date: dt.date
    reason: str
    lines: dict[int, BilledLine]  # by order line
    net: Dec
    tax: Dec
    total: Dec
    # Foreign-currency documents (issue 17): the document currency (None: the base
    # currency), the rate and, when taken from the rate table, that rate's date. Optional
    # fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_total: Dec | None = None  # the receivable posted in base


class CustomerReceiptPosted(DomainEvent):
    document: str
    customer: str
    date: dt.date
    amount: Dec
    bank_account: str
    # Foreign-currency documents (issue 17): the document currency (None: the base
    # currency), the rate and, when taken from the rate table, that rate's date. Optional
    # fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_amount: Dec | None = None


class CustomerReceiptAllocated(DomainEvent):
    """Part of a receipt (or credit note) settles part of an invoice."""

    receipt: str
    invoice: str
    date: dt.date
    amount: Dec
    # Foreign-currency settlement: the base amount of the invoice settled (at its booked
    # rate) and of the receipt or credit note used; their difference was booked as a
    # realised exchange difference in `exchange_document`.
    base_settled: Dec | None = None
    base_paid: Dec | None = None
    exchange_document: str | None = None
