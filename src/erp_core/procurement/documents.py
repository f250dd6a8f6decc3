"""Purchase to pay: suppliers, purchase plans and orders, receipts, invoices, payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.procurement.events import (
    GoodsInvoiced,
    GoodsReceived,
    OrderLine,
    PurchaseOrderAmended,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderCreated,
    PurchasePlanCreated,
    PurchasePlanOrdered,
    SupplierInvoicePosted,
    SupplierPaymentAllocated,
    SupplierPaymentPosted,
    SupplierReferenceClaimed,
    SupplierRegistered,
)

ZERO = Decimal(0)


def invoice_stream(document: str) -> str:
    """The stream of supplier invoice `document` (read by areas after procurement)."""
    return f"pinv:{document}"


OrderStatus = Literal["draft", "approved", "partly_received", "received", "closed", "cancelled"]


class Supplier(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.registered: SupplierRegistered | None = None

    def _on_registered(self, e: SupplierRegistered) -> None:
        self.registered = e

    handlers = {SupplierRegistered: _on_registered}

    def info(self, field: str = "supplier") -> SupplierRegistered:
        if self.registered is None:
            raise NotFound(f"{field}: unknown supplier {self.id.removeprefix('supplier:')!r}")
        return self.registered


class PurchasePlan(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: PurchasePlanCreated | None = None
        self.ordered: dict[int, str] = {}

    def _on_created(self, e: PurchasePlanCreated) -> None:
        self.created = e

    def _on_ordered(self, e: PurchasePlanOrdered) -> None:
        self.ordered.update(e.orders)

    handlers = {PurchasePlanCreated: _on_created, PurchasePlanOrdered: _on_ordered}


class PurchaseOrder(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: PurchaseOrderCreated | None = None
        self.status: OrderStatus = "draft"
        self.received: dict[int, Decimal] = {}  # accepted quantity per line
        self.rejected: dict[int, Decimal] = {}
        self.invoiced: dict[int, Decimal] = {}
        self.received_value: dict[int, Decimal] = {}  # base value received per line
        self.cleared_value: dict[int, Decimal] = {}  # base GRNI value invoiced per line
        self.revision = 0  # amendments so far
        self.amended_by: str | None = None  # who amended it last (may not approve it)

    def _on_created(self, e: PurchaseOrderCreated) -> None:
        self.created = e
        self.status = "draft" if e.needs_approval else "approved"

    def _on_amended(self, e: PurchaseOrderAmended) -> None:
        # info() answers the order as it stands: the creation with the amended terms
        self.created = self.info().model_copy(
            update={
                "lines": e.lines,
                "total": e.total,
                "base_total": e.base_total,
                "expected_delivery": e.expected_delivery,
                "needs_approval": e.needs_approval,
            }
        )
        self.revision = e.revision
        self.amended_by = e.actor
        self.status = "draft" if e.needs_approval else "approved"

    def _on_approved(self, _e: PurchaseOrderApproved) -> None:
        self.status = "approved"

    def _on_cancelled(self, _e: PurchaseOrderCancelled) -> None:
        self.status = "cancelled"

    def _on_closed(self, _e: PurchaseOrderClosed) -> None:
        self.status = "closed"

    def _on_received(self, e: GoodsReceived) -> None:
        for line, got in e.lines.items():
            self.received[line] = self.received.get(line, ZERO) + got.accepted
            self.rejected[line] = self.rejected.get(line, ZERO) + got.rejected
            self.received_value[line] = self.received_value.get(line, ZERO) + got.value
        complete = all(self.received.get(i, ZERO) >= line.quantity for i, line in self.lines())
        self.status = "received" if complete else "partly_received"

    def _on_invoiced(self, e: GoodsInvoiced) -> None:
        for line, billed in e.lines.items():
            self.invoiced[line] = self.invoiced.get(line, ZERO) + billed.quantity
            self.cleared_value[line] = self.cleared_value.get(line, ZERO) + billed.cleared

    handlers = {
        PurchaseOrderCreated: _on_created,
        PurchaseOrderAmended: _on_amended,
        PurchaseOrderApproved: _on_approved,
        PurchaseOrderCancelled: _on_cancelled,
        PurchaseOrderClosed: _on_closed,
        GoodsReceived: _on_received,
        GoodsInvoiced: _on_invoiced,
    }

    def info(self) -> PurchaseOrderCreated:
        if self.created is None:
            raise NotFound(f"unknown purchase order {self.id.removeprefix('po:')!r}")
        return self.created

    def lines(self) -> list[tuple[int, OrderLine]]:
        return list(enumerate(self.info().lines, start=1))

    def line(self, number: int, field: str) -> OrderLine:
        lines = self.info().lines
        if not 1 <= number <= len(lines):
            raise ValidationError(
                field, f"{self.info().document} has no line {number} (it has {len(lines)})"
            )
        return lines[number - 1]

    def check_can_receive(self) -> None:
        doc = self.info().document
        if self.status == "draft":
            raise ValidationError("order", f"{doc} is not approved yet")
        if self.status in ("closed", "cancelled", "received"):
            raise ValidationError("order", f"{doc} is {self.status.replace('_', ' ')}")


class SupplierReference(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.invoice: str | None = None

    def _on_claimed(self, e: SupplierReferenceClaimed) -> None:
        self.invoice = e.invoice

    handlers = {SupplierReferenceClaimed: _on_claimed}


class SupplierInvoice(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.posted: SupplierInvoicePosted | None = None
        self.paid = ZERO
        self.paid_base = ZERO

    def _on_posted(self, e: SupplierInvoicePosted) -> None:
        self.posted = e

    def _on_allocated(self, e: SupplierPaymentAllocated) -> None:
        self.paid += e.amount
        self.paid_base += e.amount if e.base_settled is None else e.base_settled

    handlers = {SupplierInvoicePosted: _on_posted, SupplierPaymentAllocated: _on_allocated}

    @property
    def open_amount(self) -> Decimal:
        return (self.posted.total if self.posted else ZERO) - self.paid

    @property
    def open_base(self) -> Decimal:
        """What is open in the base currency, at the rate the invoice was booked at."""
        if self.posted is None:
            return ZERO
        total = self.posted.total if self.posted.base_total is None else self.posted.base_total
        return total - self.paid_base


class SupplierPayment(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.posted: SupplierPaymentPosted | None = None
        self.allocated = ZERO
        self.allocated_base = ZERO

    def _on_posted(self, e: SupplierPaymentPosted) -> None:
        self.posted = e

    def _on_allocated(self, e: SupplierPaymentAllocated) -> None:
        self.allocated += e.amount
        self.allocated_base += e.amount if e.base_paid is None else e.base_paid

    handlers = {SupplierPaymentPosted: _on_posted, SupplierPaymentAllocated: _on_allocated}

    @property
    def unallocated(self) -> Decimal:
        return (self.posted.amount if self.posted else ZERO) - self.allocated

    @property
    def unallocated_base(self) -> Decimal:
        if self.posted is None:
            return ZERO
        amount = self.posted.amount if self.posted.base_amount is None else self.posted.base_amount
        return amount - self.allocated_base
