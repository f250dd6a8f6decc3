"""Domain events: immutable, versioned facts, and the codec that stores them.

Every event is a frozen pydantic model named as a past fact. Its stored *topic* is
``"<Name>@<class_version>"``; when a class's schema changes, its ``class_version`` goes up and it
gains a static ``upcast_v<N>_v<N+1>(state) -> state`` method. Stored events are never rewritten:
old versions are upcast every time they are read.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from erp_core.money import Dec

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
ControlRole = Literal[
    "receivables", "payables", "inventory", "grni", "tax", "retained_earnings", "rounding"
]
VoucherKind = Literal[
    "manual",
    "reversal",
    "closing",
    "goods_receipt",
    "material_issue",
    "stock_transfer",
    "stock_count",
    "cost_adjustment",
    "supplier_invoice",
    "supplier_payment",
    "delivery",
    "sales_return",
    "sales_invoice",
    "credit_note",
    "customer_receipt",
]
ValuationMethod = Literal["fifo", "moving_average"]
MovementKind = Literal[
    "receipt",
    "issue",
    "transfer_in",
    "transfer_out",
    "count_gain",
    "count_loss",
    "delivery",
    "sales_return",
]
DIMENSIONS: tuple[str, ...] = ("cost_centre", "project", "department")


class DomainEvent(BaseModel):
    """Base of every stored fact: who recorded it and when it became known."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    actor: str
    recorded_at: dt.datetime


# --- company ------------------------------------------------------------------------------


class CompanyCreated(DomainEvent):
    name: str
    base_currency: str
    fiscal_year_start: dt.date


# --- chart of accounts and dimensions -------------------------------------------------------


class AccountOpened(DomainEvent):
    code: str
    name: str
    type: AccountType
    parent: str | None = None
    is_group: bool = False
    control: ControlRole | None = None
    currency: str | None = None


class AccountClosed(DomainEvent):
    code: str
    reason: str | None = None


class DimensionValueAdded(DomainEvent):
    dimension: str
    code: str
    name: str


# --- fiscal calendar and number series -------------------------------------------------------


class PeriodSpan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    number: int
    start: dt.date
    end: dt.date


class FiscalYearOpened(DomainEvent):
    label: str
    start: dt.date
    end: dt.date
    periods: tuple[PeriodSpan, ...]


class NumbersIssued(DomainEvent):
    """Numbers `first..last` of a series were assigned (gapless), saved with their documents."""

    series: str
    first: int
    last: int


class PeriodClosed(DomainEvent):
    period: int


class PeriodLocked(DomainEvent):
    period: int


class PeriodReopened(DomainEvent):
    period: int
    reason: str


class FiscalYearClosed(DomainEvent):
    closing_document: str


class FiscalYearReopened(DomainEvent):
    reversal_document: str
    reason: str


# --- journal ---------------------------------------------------------------------------------


class PostedLine(BaseModel):
    """A journal line as posted: signed amounts, debit positive, credit negative."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    account: str
    currency: str
    amount: Dec
    base: Dec
    rate: Dec | None = None
    memo: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    # The supplier or customer a control-account line belongs to (sub-ledger key). Added after
    # the first release as an optional field: old payloads read as party=None, no upcast needed.
    party: str | None = None


class VoucherPosted(DomainEvent):
    document: str
    kind: VoucherKind
    date: dt.date
    fiscal_year: str
    period: int
    memo: str | None = None
    reverses: str | None = None
    lines: tuple[PostedLine, ...]


class VoucherReversed(DomainEvent):
    by_document: str
    date: dt.date


# --- inventory -------------------------------------------------------------------------------


class ItemRegistered(DomainEvent):
    code: str
    name: str
    uom: str
    valuation: ValuationMethod
    batch_tracked: bool
    expense_account: str


class WarehouseRegistered(DomainEvent):
    code: str
    name: str


class StockBinOpened(DomainEvent):
    """The first movement of an item in a warehouse opens its bin, fixing its valuation."""

    item: str
    warehouse: str
    valuation: ValuationMethod
    currency: str


class StockLayer(BaseModel):
    """A quantity at a value (FIFO layer, or what a transfer carried)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    value: Dec
    batch: str | None = None


class StockMoved(DomainEvent):
    """One movement of one bin (item x warehouse). Quantity and value are signed: inflows
    positive, outflows negative. `layers` is what a transfer brought in."""

    document: str
    line: int
    kind: MovementKind
    date: dt.date
    quantity: Dec
    value: Dec
    batch: str | None = None
    layers: tuple[StockLayer, ...] = ()
    counter_account: str
    counted: Dec | None = None  # stock counts: the counted and the book quantity
    book: Dec | None = None


class StockCountRecorded(DomainEvent):
    """A count sheet: every line counted, with the book quantity it was compared to."""

    document: str
    warehouse: str
    date: dt.date
    lines: tuple[tuple[str, str | None, Dec, Dec], ...]  # (item, batch, counted, book)


class StockCostAdjusted(DomainEvent):
    """A back-dated movement changed the cost of a later outflow of the bin; `delta` is the
    change of the bin's value (negative: more value left the bin)."""

    document: str
    line: int
    adjustment_document: str
    date: dt.date
    delta: Dec
    counter_account: str
    batch: str | None = None


# --- procurement -----------------------------------------------------------------------------


class ProcurementConfigured(DomainEvent):
    approval_threshold: Dec
    over_receipt_tolerance: Dec  # a fraction: 0.05 allows receiving 5% more than ordered
    price_variance_account: str = "5200"
    adjustment_account: str = "5300"  # stock count differences and cost revaluations
    input_tax_account: str = "1400"


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


class SalesOrderCreated(DomainEvent):
    document: str
    date: dt.date
    customer: str
    delivery_date: dt.date
    lines: tuple[SalesLine, ...]
    net: Dec
    tax: Dec
    total: Dec


class SalesOrderCreditApproved(DomainEvent):
    reason: str


class SalesOrderConfirmed(DomainEvent):
    exposure: Dec  # with this order
    limit: Dec  # in force on the order date
    over_limit_approved: bool


class SalesOrderCancelled(DomainEvent):
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


class CustomerReceiptPosted(DomainEvent):
    document: str
    customer: str
    date: dt.date
    amount: Dec
    bank_account: str


class CustomerReceiptAllocated(DomainEvent):
    """Part of a receipt (or credit note) settles part of an invoice."""

    receipt: str
    invoice: str
    date: dt.date
    amount: Dec


# --- idempotency -----------------------------------------------------------------------------


class ActionRecorded(DomainEvent):
    """An idempotency key was used: the content's hash and the result returned the first time."""

    key: str
    action: str
    content_hash: str
    result: dict[str, Any]


# --- registry and codec ----------------------------------------------------------------------

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls
    for cls in (
        CompanyCreated,
        AccountOpened,
        AccountClosed,
        DimensionValueAdded,
        FiscalYearOpened,
        NumbersIssued,
        PeriodClosed,
        PeriodLocked,
        PeriodReopened,
        FiscalYearClosed,
        FiscalYearReopened,
        VoucherPosted,
        VoucherReversed,
        ActionRecorded,
        ItemRegistered,
        WarehouseRegistered,
        StockBinOpened,
        StockMoved,
        StockCountRecorded,
        StockCostAdjusted,
        ProcurementConfigured,
        SupplierRegistered,
        PurchasePlanCreated,
        PurchasePlanOrdered,
        PurchaseOrderCreated,
        PurchaseOrderApproved,
        PurchaseOrderCancelled,
        PurchaseOrderClosed,
        GoodsReceived,
        GoodsInvoiced,
        SupplierInvoicePosted,
        SupplierReferenceClaimed,
        SupplierPaymentPosted,
        SupplierPaymentAllocated,
        SalesConfigured,
        CustomerRegistered,
        CustomerCreditChanged,
        CustomerExposureChanged,
        SalesOrderCreated,
        SalesOrderCreditApproved,
        SalesOrderConfirmed,
        SalesOrderCancelled,
        GoodsDelivered,
        GoodsReturned,
        SalesInvoicePosted,
        CreditNotePosted,
        CustomerReceiptPosted,
        CustomerReceiptAllocated,
    )
}


class UnknownEventType(Exception):
    pass


def topic_of(event: DomainEvent) -> str:
    cls = type(event)
    return f"{cls.__name__}@{cls.class_version}"


def topics_for(*classes: type[DomainEvent]) -> list[str]:
    """Every stored topic (all versions) of the given event classes, for filtered log reads."""
    return [f"{c.__name__}@{v}" for c in classes for v in range(1, c.class_version + 1)]


def encode(event: DomainEvent) -> tuple[str, bytes]:
    """Topic and canonical JSON bytes of an event (field order is the class's, stable)."""
    return topic_of(event), event.model_dump_json().encode()


def _class_and_version(topic: str) -> tuple[type[DomainEvent], int]:
    name, _, version_text = topic.partition("@")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise UnknownEventType(f"unknown event type {name!r}")
    return cls, int(version_text or 1)


def _upcast(cls: type[DomainEvent], version: int, data: dict[str, Any]) -> dict[str, Any]:
    while version < cls.class_version:
        upcast = getattr(cls, f"upcast_v{version}_v{version + 1}")
        data = upcast(data)
        version += 1
    return data


def decode(topic: str, state: bytes) -> DomainEvent:
    """Rebuild an event from its stored topic and bytes, upcasting old versions."""
    cls, version = _class_and_version(topic)
    if version == cls.class_version:
        return cls.model_validate_json(state)
    return cls.model_validate(_upcast(cls, version, json.loads(state)))


def decode_data(topic: str, state: bytes) -> tuple[str, dict[str, Any]]:
    """Event name and its payload as a plain dict at the current version, without validation.

    Projections use this fast path: events were validated when stored, and upcasting still
    applies, so a projection never sees an old schema.
    """
    cls, version = _class_and_version(topic)
    return cls.__name__, _upcast(cls, version, orjson.loads(state))
