"""Events of procurement: suppliers, purchase plans and orders, receipts, invoices, payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("supplier_invoice", "supplier_payment")


# --- procurement -----------------------------------------------------------------------------


class SupplierRegistered(DomainEvent):
    code: str
    name: str
    payment_terms_days: int
    currency: str
    contact: str | None = None


class PlanLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    item: str
    quantity: Dec
    quality_standard: str | None = None
    wanted_by: dt.date


class PurchasePlanCreated(DomainEvent):
    document: str
    date: dt.date
    title: str
    lines: tuple[PlanLine, ...]


class PurchasePlanOrdered(DomainEvent):
    """Plan lines turned into purchase orders: line number -> order document."""

    orders: dict[int, str]


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    item: str
    quantity: Dec
    price: Dec
    quality_standard: str | None = None
    warehouse: str


class PurchaseOrderCreated(DomainEvent):
    document: str
    date: dt.date
    supplier: str
    expected_delivery: dt.date
    contract: str | None = None
    terms: str | None = None
    plan: str | None = None
    lines: tuple[OrderLine, ...]
    total: Dec
    needs_approval: bool
    # Foreign-currency documents (issue 17): the document currency (None: the base currency),
    # the rate it was converted at and, when taken from the rate table, that rate's date.
    # Optional fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_total: Dec | None = None  # the total in the base currency at the order's rate


class PurchaseOrderApproved(DomainEvent):
    pass


class PurchaseOrderAmended(DomainEvent):
    """Revision `revision` (1, 2, ...) of the order: its lines, total and expected delivery
    from now on (the number is kept). `needs_approval` by the rule of the order's creation: the
    order waits for approval again when it is set. `previous_total` is the total it replaced."""

    date: dt.date
    revision: int
    lines: tuple[OrderLine, ...]
    total: Dec
    needs_approval: bool
    expected_delivery: dt.date
    previous_total: Dec
    reason: str
    base_total: Dec | None = None  # a foreign order's total in base, at the order's rate


class PurchaseOrderCancelled(DomainEvent):
    reason: str


class PurchaseOrderClosed(DomainEvent):
    reason: str


class ReceivedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    accepted: Dec
    rejected: Dec
    value: Dec  # what the accepted goods were stocked at (and credited to GRNI)
    reason: str | None = None
    amount: Dec | None = None  # a foreign order's value in its currency (value is in base)


class GoodsReceived(DomainEvent):
    """Receipt against an order, line by line: accepted quantities went into stock."""

    receipt: str
    date: dt.date
    lines: dict[int, ReceivedLine]  # by order line
    # Foreign-currency documents (issue 17): the document currency (None: the base currency),
    # the rate it was converted at and, when taken from the rate table, that rate's date.
    # Optional fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None


class InvoicedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    cleared: Dec  # the GRNI value this invoice cleared


class GoodsInvoiced(DomainEvent):
    invoice: str
    date: dt.date
    lines: dict[int, InvoicedLine]  # by order line


class InvoiceAccountLine(BaseModel):
    """An invoice line posted to an account (not matched to an order), numbered from 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    line: int
    account: str
    amount: Dec  # net, in the invoice's currency (negative: a credit)
    base: Dec  # net, in the base currency (what the account was debited)
    tax: Dec = Decimal(0)  # in the invoice's currency
    memo: str | None = None
    cost_centre: str | None = None


class SupplierInvoicePosted(DomainEvent):
    document: str
    supplier: str
    supplier_reference: str
    date: dt.date
    due: dt.date
    net: Dec
    tax: Dec
    total: Dec
    # Foreign-currency documents (issue 17): the document currency (None: the base currency),
    # the rate it was converted at and, when taken from the rate table, that rate's date.
    # Optional fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_tax: Dec | None = None
    base_total: Dec | None = None  # the payable booked in the base currency
    # Lines posted to accounts (not ordered through stock); empty in payloads stored before.
    account_lines: tuple[InvoiceAccountLine, ...] = ()


class SupplierReferenceClaimed(DomainEvent):
    """A supplier's own invoice number was booked (stream supref:<supplier>/<reference>), so
    the same supplier invoice cannot be booked, and paid, twice."""

    invoice: str


class SupplierPaymentPosted(DomainEvent):
    document: str
    supplier: str
    date: dt.date
    amount: Dec
    bank_account: str
    # Foreign-currency documents (issue 17): the document currency (None: the base currency),
    # the rate it was converted at and, when taken from the rate table, that rate's date.
    # Optional fields: payloads stored before read as base-currency documents.
    currency: str | None = None
    rate: Dec | None = None
    rate_date: dt.date | None = None
    base_amount: Dec | None = None


class SupplierPaymentAllocated(DomainEvent):
    """Part of a payment settles part of an invoice (allocations are events, never edits)."""

    payment: str
    invoice: str
    date: dt.date
    amount: Dec
    # Foreign-currency settlement: the base amount of the invoice settled (at its booked
    # rate) and of the payment used (at the payment's rate); their difference was booked as a
    # realised exchange difference in `exchange_document`.
    base_settled: Dec | None = None
    base_paid: Dec | None = None
    exchange_document: str | None = None
