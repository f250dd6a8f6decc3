"""Property tests of order to cash: generated histories of sales and the invariants they keep.

A history starts with three customers (generated credit limits) and two items with stock
received first (one FIFO with two cost layers, one at moving average), then runs a generated
list of steps, dated in order over 2026: orders of one to three lines with random discounts and
tax rates (confirmed or left as drafts), confirmations, cancellations, partial deliveries,
(partial) invoices, receipts allocated in part or not at all, later allocations, returns and
credit notes.

A small model kept here (independent of `erp_core.sales`) prices every order, invoice and
credit note (half up on the cent; the last part of a line takes what is left of it), follows
what each line has delivered, returned, invoiced and credited, every invoice's open amount and
each customer's credit exposure (what confirmed orders will still invoice, plus what is owed),
so each step is chosen to be valid; a confirmation must be refused exactly when the model says
the order would go over the limit, as a `ValidationError` on ``credit`` naming the limit and
the exposure, storing nothing.

After the history:

* every `erp.check()` result is OK;
* on every date used and every month end, the receivables aging total equals the balance of
  the receivables control account (1200) in the trial balance as of that date;
* the gross margin by item has the revenue the model billed (invoices less credit notes) and
  its total equals what sales invoices and credit notes posted to revenue (4100);
* the margin's cost per item equals what deliveries less returns took out of the stock ledger,
  and its total what they posted to cost of goods sold (5100).

Every example runs on a fresh SQLite database in a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TypeVar

from conftest import make_clock
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from erp_core import Erp
from erp_core.kernel.errors import ValidationError
from erp_core.sales.documents import Customer, customer_stream

YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)
CENT = Decimal("0.01")
T = TypeVar("T")
ZERO = Decimal(0)
ITEMS = ("WID", "GAD")
CUSTOMERS = ("K1", "K2", "K3")
DISCOUNTS = ("0", "0.05", "0.1", "0.125", "0.333")
TAX_RATES = ("0", "0.07", "0.1", "0.2", "0.21")
MONTH_ENDS = [
    (dt.date(2026, m + 1, 1) if m < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
    for m in range(1, 13)
]


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def part(quantity: Decimal, share: int) -> Decimal:
    """`share` percent of a whole quantity, rounded up to a whole unit: 1 .. quantity."""
    return max(Decimal(1), (quantity * share / 100).quantize(Decimal(1), rounding=ROUND_CEILING))


# --- the model -------------------------------------------------------------------------------


@dataclass
class Line:
    item: str
    quantity: Decimal
    price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    delivered: Decimal = ZERO
    returned: Decimal = ZERO
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO  # by credit notes on its invoices
    billed_net: Decimal = ZERO
    billed_tax: Decimal = ZERO

    @property
    def billable(self) -> Decimal:
        """Delivered and not returned, less what invoices still charge."""
        return self.delivered - self.returned - self.invoiced + self.credited

    def bill(self, quantity: Decimal) -> tuple[Decimal, Decimal]:
        """Net and tax of part of the line, rounded half up on the cent."""
        net = money(quantity * self.price * (1 - self.discount))
        return net, money(net * self.tax_rate)


@dataclass
class Order:
    document: str
    customer: str
    date: dt.date
    lines: list[Line]
    status: str = "draft"

    @property
    def total(self) -> Decimal:
        return sum((x.net + x.tax for x in self.lines), ZERO)


@dataclass
class Invoice:
    document: str
    order: Order
    customer: str
    lines: dict[int, tuple[Decimal, Decimal, Decimal]]  # line -> quantity, net, tax
    total: Decimal
    open: Decimal
    credited: dict[int, tuple[Decimal, Decimal, Decimal]] = field(default_factory=dict)

    def left_to_credit(self, line: int) -> Decimal:
        return self.lines[line][0] - self.credited.get(line, (ZERO, ZERO, ZERO))[0]


@dataclass
class Credit:
    """A receipt or a credit note: money the customer has toward invoices."""

    document: str
    customer: str
    unallocated: Decimal


@dataclass
class Model:
    limits: dict[str, Decimal]
    orders: list[Order] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    receivables: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    revenue: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    refusals: int = 0

    def open_orders(self, customer: str) -> Decimal:
        """What the customer's confirmed orders will still invoice: per line, ordered less
        returned less what invoices still charge (invoiced less credited), valued pro rata."""
        total = ZERO
        for order in self.orders:
            if order.customer != customer or order.status != "confirmed":
                continue
            for x in order.lines:
                left = x.quantity - x.returned - x.invoiced + x.credited
                if left <= 0:
                    continue
                value = x.net + x.tax
                total += value if left >= x.quantity else money(value * left / x.quantity)
        return total

    def exposure(self, customer: str) -> Decimal:
        return self.open_orders(customer) + self.receivables[customer]


# --- the generated steps ---------------------------------------------------------------------

gaps = st.integers(0, 20)
shares = st.integers(1, 100)
picks = st.integers(0, 10_000)
order_lines = st.lists(
    st.tuples(
        st.sampled_from(ITEMS),
        st.integers(1, 12),  # quantity
        st.integers(50, 6000),  # price in cents
        st.sampled_from(DISCOUNTS),
        st.sampled_from(TAX_RATES),
    ),
    min_size=1,
    max_size=3,
)
orders = st.tuples(st.just("order"), gaps, st.sampled_from(CUSTOMERS), order_lines, st.booleans())
deliveries = st.tuples(st.just("deliver"), gaps, picks, st.lists(shares, min_size=3, max_size=3))
invoices = st.tuples(st.just("invoice"), gaps, picks, st.booleans(), shares)
# one_of picks a branch uniformly: orders, deliveries and invoices come twice as often
steps = st.one_of(
    orders,
    orders,
    st.tuples(st.just("confirm"), gaps, picks),
    st.tuples(st.just("cancel"), gaps, picks),
    deliveries,
    deliveries,
    invoices,
    invoices,
    st.tuples(st.just("receipt"), gaps, st.sampled_from(CUSTOMERS), shares, st.booleans()),
    st.tuples(st.just("allocate"), gaps, picks, shares),
    st.tuples(st.just("return"), gaps, picks, shares),
    st.tuples(st.just("credit"), gaps, picks, shares),
)
limits = st.lists(
    st.sampled_from(("150.00", "400.00", "1000.00", "5000.00")), min_size=3, max_size=3
)


class History:
    """Runs generated steps against the books and the model, dated in order over 2026."""

    def __init__(self, erp: Erp, limits: list[str]) -> None:
        self.erp = erp
        self.today = dt.date(2026, 1, 2)
        self.dates: set[dt.date] = {self.today}
        self.model = Model(limits={c: Decimal(x) for c, x in zip(CUSTOMERS, limits, strict=True)})
        erp.register_item(code="WID", name="Widget", uom="pcs", valuation="fifo")
        erp.register_item(code="GAD", name="Gadget", uom="pcs", valuation="moving_average")
        erp.register_warehouse(code="MAIN", name="Main")
        erp.configure_sales(credit_approvers=["carol"])
        for code, limit in zip(CUSTOMERS, limits, strict=True):
            erp.register_customer(
                code=code, name=f"Customer {code}", credit_limit=limit, payment_terms_days=30
            )
        # more than any history can deliver (35 orders x 3 lines x 12 = 1260 < 1600 per item)
        erp.receive_stock(
            date=self.today,
            account="3100",
            lines=[
                {"item": "WID", "warehouse": "MAIN", "quantity": "800", "unit_cost": "2.00"},
                {"item": "WID", "warehouse": "MAIN", "quantity": "800", "unit_cost": "2.50"},
                {"item": "GAD", "warehouse": "MAIN", "quantity": "600", "unit_cost": "3.333"},
                {"item": "GAD", "warehouse": "MAIN", "quantity": "1000", "unit_cost": "4.10"},
            ],
        )

    def run(self, step: tuple[object, ...]) -> None:
        kind, gap, *args = step
        assert isinstance(gap, int)
        self.today = min(self.today + dt.timedelta(days=gap), YEAR_END)
        self.dates.add(self.today)
        getattr(self, f"do_{kind}")(*args)

    @staticmethod
    def pick(candidates: list[T], index: int) -> T | None:
        return candidates[index % len(candidates)] if candidates else None

    # -- steps -------------------------------------------------------------------------------
    def do_order(self, customer: str, lines: list[tuple], confirm: bool) -> None:  # type: ignore[type-arg]
        model_lines = []
        for item, quantity, cents, discount, tax_rate in lines:
            q, p, d, r = (
                Decimal(quantity),
                Decimal(cents) / 100,
                Decimal(discount),
                Decimal(tax_rate),
            )
            net = money(q * p * (1 - d))
            model_lines.append(Line(item, q, p, d, r, net, money(net * r)))
        result = self.erp.create_sales_order(
            date=self.today,
            customer=customer,
            delivery_date=self.today + dt.timedelta(days=7),
            lines=[
                {
                    "item": x.item,
                    "quantity": f"{x.quantity}",
                    "price": f"{x.price:.2f}",
                    "discount": f"{x.discount}",
                    "tax_rate": f"{x.tax_rate}",
                    "warehouse": "MAIN",
                }
                for x in model_lines
            ],
        )
        order = Order(result.documents[0], customer, self.today, model_lines)
        created = self.erp.trail(f"so:{order.document}")[0]
        assert Decimal(str(created.details["total"])) == order.total
        self.model.orders.append(order)
        if confirm:
            self.confirm(order)

    def do_confirm(self, index: int) -> None:
        order = self.pick([o for o in self.model.orders if o.status == "draft"], index)
        if order is None:  # nothing to confirm: take a new order instead
            line = (ITEMS[index % 2], index % 12 + 1, 1500 + index * 37 % 4500, "0.1", "0.2")
            self.do_order(CUSTOMERS[index % 3], [line], True)
            return
        self.confirm(order)

    def confirm(self, order: Order) -> None:
        m = self.model
        exposure = m.exposure(order.customer) + order.total
        limit = m.limits[order.customer]
        if exposure > limit:
            head = self.erp.store.last_position()
            try:
                self.erp.confirm_sales_order(document=order.document)
            except ValidationError as err:
                assert err.field == "credit", err.message
                assert f"limit {limit:f}" in err.message, err.message
                found = re.search(r"exposure (\S+) with this order", err.message)
                assert found and Decimal(found.group(1)) == exposure, err.message
            else:
                raise AssertionError(f"{order.document}: exposure {exposure} over {limit} taken")
            assert self.erp.store.last_position() == head  # nothing stored
            m.refusals += 1
            return
        self.erp.confirm_sales_order(document=order.document)
        order.status = "confirmed"

    def do_cancel(self, index: int) -> None:
        order = self.pick(
            [
                o
                for o in self.model.orders
                if o.status in ("draft", "confirmed") and not any(x.delivered for x in o.lines)
            ],
            index,
        )
        if order is None:
            self.do_confirm(index)
            return
        self.erp.cancel_sales_order(document=order.document, reason="customer changed its mind")
        order.status = "cancelled"

    def do_deliver(self, index: int, percents: list[int]) -> None:
        order = self.pick(
            [
                o
                for o in self.model.orders
                if o.status == "confirmed" and any(x.delivered < x.quantity for x in o.lines)
            ],
            index,
        )
        if order is None:  # nothing to deliver: confirm (or take) an order instead
            self.do_confirm(index)
            return
        wanted = [
            (number, part(x.quantity - x.delivered, share))
            for (number, x), share in zip(enumerate(order.lines, start=1), percents, strict=False)
            if x.delivered < x.quantity
        ]
        self.erp.deliver_sales_order(
            document=order.document,
            date=self.today,
            lines=[{"line": n, "quantity": f"{q}"} for n, q in wanted],
        )
        for number, quantity in wanted:
            order.lines[number - 1].delivered += quantity

    def do_invoice(self, index: int, everything: bool, share: int) -> None:
        order = self.pick(
            [o for o in self.model.orders if any(x.billable > 0 for x in o.lines)],
            index,
        )
        if order is None:  # nothing delivered to invoice: deliver instead
            self.do_deliver(index, [share, 100, share])
            return
        wanted = [
            (n, x.billable if everything else part(x.billable, share))
            for n, x in enumerate(order.lines, start=1)
            if x.billable > 0
        ]
        billed: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
        for number, quantity in wanted:
            x = order.lines[number - 1]
            if x.invoiced + quantity == x.quantity:  # the last part takes what is left
                net, tax = x.net - x.billed_net, x.tax - x.billed_tax
            else:
                net, tax = x.bill(quantity)
            billed[number] = (quantity, net, tax)
        fields = (
            {} if everything else {"lines": [{"line": n, "quantity": f"{q}"} for n, q in wanted]}
        )
        document = self.erp.invoice_sales_order(
            document=order.document, date=self.today, **fields
        ).documents[0]
        total = sum((net + tax for _, net, tax in billed.values()), ZERO)
        posted = next(
            e for e in self.erp.trail(f"sinv:{document}") if e.event == "SalesInvoicePosted"
        )
        assert Decimal(str(posted.details["total"])) == total
        for number, (quantity, net, tax) in billed.items():
            x = order.lines[number - 1]
            x.invoiced += quantity
            x.billed_net += net
            x.billed_tax += tax
            self.model.revenue[x.item] += net
        self.model.invoices.append(Invoice(document, order, order.customer, billed, total, total))
        self.model.receivables[order.customer] += total

    def _allocations(self, customer: str, available: Decimal) -> list[tuple[Invoice, Decimal]]:
        out = []
        for invoice in self.model.invoices:
            if available <= 0:
                break
            if invoice.customer == customer and invoice.open > 0:
                amount = min(invoice.open, available)
                out.append((invoice, amount))
                available -= amount
        return out

    def do_receipt(self, customer: str, share: int, allocate: bool) -> None:
        owed = sum((i.open for i in self.model.invoices if i.customer == customer), ZERO)
        amount = money(owed * share / 100) if owed > 0 else money(Decimal(share) * 3)
        if amount <= 0:
            amount = Decimal("1.00")
        allocations = self._allocations(customer, amount) if allocate else []
        document = self.erp.receive_customer_payment(
            customer=customer,
            date=self.today,
            amount=f"{amount}",
            allocations=[{"invoice": i.document, "amount": f"{a}"} for i, a in allocations],
        ).documents[0]
        for invoice, allocated in allocations:
            invoice.open -= allocated
        used = sum((a for _, a in allocations), ZERO)
        self.model.credits.append(Credit(document, customer, amount - used))
        self.model.receivables[customer] -= amount

    def do_allocate(self, index: int, share: int) -> None:
        credit = self.pick(
            [
                c
                for c in self.model.credits
                if c.unallocated > 0
                and any(i.customer == c.customer and i.open > 0 for i in self.model.invoices)
            ],
            index,
        )
        if credit is None:  # nothing to allocate: receive a payment instead
            self.do_receipt(CUSTOMERS[index % 3], share, index % 2 == 0)
            return
        available = max(money(credit.unallocated * share / 100), CENT)
        allocations = self._allocations(credit.customer, available)
        self.erp.allocate_customer_receipt(
            receipt=credit.document,
            date=self.today,
            allocations=[{"invoice": i.document, "amount": f"{a}"} for i, a in allocations],
        )
        for invoice, allocated in allocations:
            invoice.open -= allocated
            credit.unallocated -= allocated

    def do_return(self, index: int, share: int) -> None:
        order = self.pick(
            [o for o in self.model.orders if any(x.delivered > x.returned for x in o.lines)],
            index,
        )
        if order is None:
            self.do_deliver(index, [share, share, share])
            return
        number, x = next(
            (n, x) for n, x in enumerate(order.lines, start=1) if x.delivered > x.returned
        )
        quantity = part(x.delivered - x.returned, share)
        self.erp.return_sales_goods(
            document=order.document,
            date=self.today,
            reason="damaged",
            lines=[{"line": number, "quantity": f"{quantity}"}],
        )
        x.returned += quantity

    def do_credit(self, index: int, share: int) -> None:
        invoice = self.pick(
            [i for i in self.model.invoices if any(i.left_to_credit(n) > 0 for n in i.lines)],
            index,
        )
        if invoice is None:  # nothing invoiced: invoice instead
            self.do_invoice(index, index % 2 == 0, share)
            return
        credited: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
        for number, (quantity, net, tax) in invoice.lines.items():
            left = invoice.left_to_credit(number)
            if left <= 0:
                continue
            q = part(left, share)
            done_q, done_net, done_tax = invoice.credited.get(number, (ZERO, ZERO, ZERO))
            if done_q + q == quantity:  # the last part credited takes what is left of the line
                credited[number] = (q, net - done_net, tax - done_tax)
            else:  # part of one is re-priced
                credited[number] = (q, *invoice.order.lines[number - 1].bill(q))
        document = self.erp.post_credit_note(
            invoice=invoice.document,
            date=self.today,
            reason="goodwill",
            lines=[{"line": n, "quantity": f"{q}"} for n, (q, _, _) in credited.items()],
        ).documents[0]
        total = sum((net + tax for _, net, tax in credited.values()), ZERO)
        posted = next(
            e for e in self.erp.trail(f"rcpt:{document}") if e.event == "CreditNotePosted"
        )
        assert Decimal(str(posted.details["total"])) == total
        for number, (q, net, tax) in credited.items():
            done = invoice.credited.get(number, (ZERO, ZERO, ZERO))
            invoice.credited[number] = (done[0] + q, done[1] + net, done[2] + tax)
            line = invoice.order.lines[number - 1]
            line.credited += q
            self.model.revenue[line.item] -= net
        settle = min(total, invoice.open)  # the note settles what it can of its invoice
        invoice.open -= settle
        self.model.credits.append(Credit(document, invoice.customer, total - settle))
        self.model.receivables[invoice.customer] -= total


# --- the properties --------------------------------------------------------------------------


def control_balance(erp: Erp, as_of: dt.date) -> Decimal:
    rows = [r for r in erp.trial_balance(as_of=as_of).rows if r.account == "1200"]
    return sum((r.debit - r.credit for r in rows), ZERO)


def assert_invariants(erp: Erp, history: History) -> None:
    for customer in CUSTOMERS:  # the exposure the credit check works from
        held = erp.ledger.load(Customer, customer_stream(customer))
        assert (held.open_orders, held.receivables) == (
            history.model.open_orders(customer),
            history.model.receivables[customer],
        ), customer
    results = erp.check()
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]

    # the aging reconciles with the control account on every date probed
    for day in sorted(history.dates | set(MONTH_ENDS)):
        aging = erp.receivables_aging(day)
        assert aging.total == control_balance(erp, day), day
        assert aging.total == sum((r.balance for r in aging.rows), ZERO), day
    # and at the year end both equal what the model says the customers owe
    assert erp.receivables_aging(YEAR_END).total == sum(history.model.receivables.values(), ZERO)

    margin = erp.margin("item", YEAR_START, YEAR_END)
    rows = {r.key: r for r in margin.rows}
    for item in ITEMS:
        revenue = rows[item].revenue if item in rows else ZERO
        assert revenue == history.model.revenue[item], item
    gl = erp.general_ledger()
    posted_revenue = -sum(
        (g.base for g in gl if g.account == "4100" and g.kind in ("sales_invoice", "credit_note")),
        ZERO,
    )
    assert margin.total.revenue == posted_revenue
    posted_cost = sum(
        (g.base for g in gl if g.account == "5100" and g.kind in ("delivery", "sales_return")),
        ZERO,
    )
    assert margin.total.cost == posted_cost
    for item in ITEMS:
        moved = -sum(
            (
                r.value
                for r in erp.stock_ledger(item, "MAIN")
                if r.kind in ("delivery", "sales_return")
            ),
            ZERO,
        )
        assert (rows[item].cost if item in rows else ZERO) == moved, item


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(limits=limits, history=st.lists(steps, min_size=8, max_size=35))
def test_order_to_cash_histories_keep_receivables_and_margin_reconciled(
    limits: list[str], history: list[tuple[object, ...]]
) -> None:
    with tempfile.TemporaryDirectory(prefix="erp-o2c-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/books.sqlite", actor="tester", clock=make_clock())
        try:
            erp.init("Test Co", "EUR", YEAR_START)
            books = History(erp, limits)
            for step in history:
                books.run(step)
            m = books.model
            event(f"refused confirmations: {min(m.refusals, 3)}+")
            event(f"invoices: {min(len(m.invoices), 4)}+")
            event(f"credit notes and receipts: {min(len(m.credits), 4)}+")
            event(f"returns: {min(sum(x.returned > 0 for o in m.orders for x in o.lines), 2)}+")
            event(f"cancelled: {min(sum(o.status == 'cancelled' for o in m.orders), 2)}+")
            assert_invariants(erp, books)
        finally:
            erp.close()
