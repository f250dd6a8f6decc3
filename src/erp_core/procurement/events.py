"""Events of procurement: suppliers, purchase plans and orders, receipts, invoices, payments."""

from __future__ import annotations

import datetime as dt

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


class PurchaseOrderApproved(DomainEvent):
    pass


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


class GoodsReceived(DomainEvent):
    """Receipt against an order, line by line: accepted quantities went into stock."""

    receipt: str
    date: dt.date
    lines: dict[int, ReceivedLine]  # by order line


class InvoicedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    cleared: Dec  # the GRNI value this invoice cleared


class GoodsInvoiced(DomainEvent):
    invoice: str
    date: dt.date
    lines: dict[int, InvoicedLine]  # by order line


class SupplierInvoicePosted(DomainEvent):
    document: str
    supplier: str
    supplier_reference: str
    date: dt.date
    due: dt.date
    net: Dec
    tax: Dec
    total: Dec


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


class SupplierPaymentAllocated(DomainEvent):
    """Part of a payment settles part of an invoice (allocations are events, never edits)."""

    payment: str
    invoice: str
    date: dt.date
    amount: Dec
