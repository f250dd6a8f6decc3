"""Order to cash: customers with credit limits, sales orders, deliveries, invoices, receipts.

A customer (stream ``customer:<code>``) is the consistency boundary of its credit exposure:
every action that changes what the customer owes or has on order records a
`CustomerExposureChanged` on it in the same save, so two orders confirmed at once cannot both
slip under the same limit.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.sales.events import (
    CreditNotePosted,
    CustomerCreditChanged,
    CustomerExposureChanged,
    CustomerReceiptAllocated,
    CustomerReceiptPosted,
    CustomerRegistered,
    GoodsDelivered,
    GoodsReturned,
    SalesConfigured,
    SalesInvoicePosted,
    SalesLine,
    SalesOrderCancelled,
    SalesOrderClosed,
    SalesOrderConfirmed,
    SalesOrderCreated,
    SalesOrderCreditApproved,
)

ZERO = Decimal(0)
SETTINGS_STREAM = "settings:sales"
SalesStatus = Literal["draft", "confirmed", "partly_delivered", "delivered", "cancelled", "closed"]


def customer_stream(code: str) -> str:
    return f"customer:{code}"


def order_stream(document: str) -> str:
    return f"so:{document}"


def invoice_stream(document: str) -> str:
    return f"sinv:{document}"


def receipt_stream(document: str) -> str:
    return f"rcpt:{document}"


class SalesSettings(Aggregate):
    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.credit_approvers: tuple[str, ...] = ()
        self.revenue_account = "4100"
        self.cogs_account = "5100"
        self.output_tax_account = "2200"

    def _on_configured(self, e: SalesConfigured) -> None:
        self.credit_approvers = e.credit_approvers
        self.revenue_account = e.revenue_account
        self.cogs_account = e.cogs_account
        self.output_tax_account = e.output_tax_account

    handlers = {SalesConfigured: _on_configured}


class Customer(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.registered: CustomerRegistered | None = None
        self.limits: list[tuple[dt.date, int, str, Decimal]] = []  # (effective, seq, level, limit)
        self.open_orders = ZERO
        self.receivables = ZERO

    def _on_registered(self, e: CustomerRegistered) -> None:
        self.registered = e
        self.limits.append((e.effective, 0, e.credit_level, e.credit_limit))

    def _on_credit(self, e: CustomerCreditChanged) -> None:
        self.limits.append((e.effective, len(self.limits), e.credit_level, e.credit_limit))
        self.limits.sort()

    def _on_exposure(self, e: CustomerExposureChanged) -> None:
        self.open_orders += e.orders
        self.receivables += e.receivables

    handlers = {
        CustomerRegistered: _on_registered,
        CustomerCreditChanged: _on_credit,
        CustomerExposureChanged: _on_exposure,
    }

    def info(self, field: str = "customer") -> CustomerRegistered:
        if self.registered is None:
            raise NotFound(f"{field}: unknown customer {self.id.removeprefix('customer:')!r}")
        return self.registered

    def credit_on(self, day: dt.date) -> tuple[str, Decimal]:
        """The credit level and limit in force on `day` (the latest change effective by then)."""
        in_force = [x for x in self.limits if x[0] <= day]
        if not in_force:
            return "none", ZERO
        _, _, level, limit = in_force[-1]
        return level, limit

    @property
    def exposure(self) -> Decimal:
        return self.open_orders + self.receivables


class SalesOrder(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.created: SalesOrderCreated | None = None
        self.status: SalesStatus = "draft"
        self.credit_approved = False
        self.delivered: dict[int, Decimal] = {}
        self.delivered_cost: dict[int, Decimal] = {}
        self.returned: dict[int, Decimal] = {}
        self.returned_cost: dict[int, Decimal] = {}
        self.invoiced: dict[int, Decimal] = {}
        self.billed_net: dict[int, Decimal] = {}  # invoiced per line
        self.billed_tax: dict[int, Decimal] = {}
        self.credited: dict[int, Decimal] = {}  # quantity credited by credit notes
        self.deliveries: dict[int, list[str]] = {}  # delivery documents per line
        self.last_delivery: dt.date | None = None

    def _on_created(self, e: SalesOrderCreated) -> None:
        self.created = e

    def _on_approved(self, _e: SalesOrderCreditApproved) -> None:
        self.credit_approved = True

    def _on_confirmed(self, _e: SalesOrderConfirmed) -> None:
        self.status = "confirmed"

    def _on_cancelled(self, _e: SalesOrderCancelled) -> None:
        self.status = "cancelled"

    def _on_closed(self, _e: SalesOrderClosed) -> None:
        self.status = "closed"

    def _on_delivered(self, e: GoodsDelivered) -> None:
        for line, d in e.lines.items():
            self.delivered[line] = self.delivered.get(line, ZERO) + d.quantity
            self.delivered_cost[line] = self.delivered_cost.get(line, ZERO) + d.cost
            self.deliveries.setdefault(line, []).append(e.delivery)
        self.last_delivery = e.date
        done = all(self.delivered.get(i, ZERO) >= x.quantity for i, x in self.lines())
        self.status = "delivered" if done else "partly_delivered"

    def _on_returned(self, e: GoodsReturned) -> None:
        for line, d in e.lines.items():
            self.returned[line] = self.returned.get(line, ZERO) + d.quantity
            self.returned_cost[line] = self.returned_cost.get(line, ZERO) + d.cost

    def _on_invoiced(self, e: SalesInvoicePosted) -> None:
        for line, b in e.lines.items():
            self.invoiced[line] = self.invoiced.get(line, ZERO) + b.quantity
            self.billed_net[line] = self.billed_net.get(line, ZERO) + b.net
            self.billed_tax[line] = self.billed_tax.get(line, ZERO) + b.tax

    def _on_credit_note(self, e: CreditNotePosted) -> None:
        for line, b in e.lines.items():
            self.credited[line] = self.credited.get(line, ZERO) + b.quantity

    def billable(self, line: int) -> Decimal:
        """Delivered, less returned, less what invoices still charge (invoiced - credited)."""
        return (
            self.delivered.get(line, ZERO)
            - self.returned.get(line, ZERO)
            - self.invoiced.get(line, ZERO)
            + self.credited.get(line, ZERO)
        )

    handlers = {
        CreditNotePosted: _on_credit_note,
        SalesOrderCreated: _on_created,
        SalesOrderCreditApproved: _on_approved,
        SalesOrderConfirmed: _on_confirmed,
        SalesOrderCancelled: _on_cancelled,
        SalesOrderClosed: _on_closed,
        GoodsDelivered: _on_delivered,
        GoodsReturned: _on_returned,
        SalesInvoicePosted: _on_invoiced,
    }

    def info(self) -> SalesOrderCreated:
        if self.created is None:
            raise NotFound(f"unknown sales order {self.id.removeprefix('so:')!r}")
        return self.created

    def lines(self) -> list[tuple[int, SalesLine]]:
        return list(enumerate(self.info().lines, start=1))

    def line(self, number: int, field: str) -> SalesLine:
        lines = self.info().lines
        if not 1 <= number <= len(lines):
            raise ValidationError(
                field, f"{self.info().document} has no line {number} (it has {len(lines)})"
            )
        return lines[number - 1]

    def open_value(self) -> Decimal:
        """The value this confirmed order will still invoice (what counts toward credit
        exposure): per line, what is ordered less what was returned (it will not be invoiced
        or delivered again) less what invoices still charge (invoiced less credited)."""
        if self.status in ("draft", "cancelled"):
            return ZERO
        total = ZERO
        for number, line in self.lines():
            # a closed order will deliver nothing more: only what was delivered is invoiced
            expected = (
                self.delivered.get(number, ZERO) if self.status == "closed" else line.quantity
            )
            left = (
                expected
                - self.returned.get(number, ZERO)
                - self.invoiced.get(number, ZERO)
                + self.credited.get(number, ZERO)
            )
            if left <= 0:
                continue
            value = line.net + line.tax
            if left >= line.quantity:  # (left never exceeds the ordered quantity)
                total += value
            else:  # a share of the line, on the line's own scale (its currency's)
                scale = Decimal(1).scaleb(min(int(value.as_tuple().exponent), 0))
                total += (value * left / line.quantity).quantize(scale, rounding=ROUND_HALF_UP)
        return total


class SalesInvoice(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.posted: SalesInvoicePosted | None = None
        self.settled = ZERO  # receipts and credit notes allocated to it
        self.settled_base = ZERO
        self.credited: dict[int, Decimal] = {}  # quantity credited per order line
        self.credited_net: dict[int, Decimal] = {}
        self.credited_tax: dict[int, Decimal] = {}

    def _on_posted(self, e: SalesInvoicePosted) -> None:
        self.posted = e

    def _on_allocated(self, e: CustomerReceiptAllocated) -> None:
        self.settled += e.amount
        self.settled_base += e.amount if e.base_settled is None else e.base_settled

    def _on_credit_note(self, e: CreditNotePosted) -> None:
        for line, b in e.lines.items():
            self.credited[line] = self.credited.get(line, ZERO) + b.quantity
            self.credited_net[line] = self.credited_net.get(line, ZERO) + b.net
            self.credited_tax[line] = self.credited_tax.get(line, ZERO) + b.tax

    handlers = {
        SalesInvoicePosted: _on_posted,
        CustomerReceiptAllocated: _on_allocated,
        CreditNotePosted: _on_credit_note,
    }

    @property
    def open_amount(self) -> Decimal:
        return (self.posted.total if self.posted else ZERO) - self.settled

    @property
    def open_base(self) -> Decimal:
        """What is open in the base currency, at the rate the invoice was booked at."""
        if self.posted is None:
            return ZERO
        total = self.posted.total if self.posted.base_total is None else self.posted.base_total
        return total - self.settled_base


class CustomerReceipt(Aggregate):
    """A receipt of money, or a credit note: both settle invoices through allocations."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.customer = ""
        self.document = ""
        self.amount = ZERO
        self.date = dt.date.min
        self.allocated = ZERO
        self.currency: str | None = None
        self.rate: Decimal | None = None
        self.amount_base = ZERO
        self.allocated_base = ZERO

    def _on_posted(self, e: CustomerReceiptPosted) -> None:
        self.customer, self.document, self.amount, self.date = (
            e.customer,
            e.document,
            e.amount,
            e.date,
        )
        self.currency, self.rate = e.currency, e.rate
        self.amount_base = e.amount if e.base_amount is None else e.base_amount

    def _on_credit_note(self, e: CreditNotePosted) -> None:
        self.customer, self.document, self.amount, self.date = (
            e.customer,
            e.document,
            e.total,
            e.date,
        )
        self.currency, self.rate = e.currency, e.rate
        self.amount_base = e.total if e.base_total is None else e.base_total

    def _on_allocated(self, e: CustomerReceiptAllocated) -> None:
        self.allocated += e.amount
        self.allocated_base += e.amount if e.base_paid is None else e.base_paid

    handlers = {
        CustomerReceiptPosted: _on_posted,
        CreditNotePosted: _on_credit_note,
        CustomerReceiptAllocated: _on_allocated,
    }

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated

    @property
    def unallocated_base(self) -> Decimal:
        return self.amount_base - self.allocated_base
