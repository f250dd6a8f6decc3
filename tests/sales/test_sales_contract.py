"""The order-to-cash contract, on SQLite and on PostgreSQL: one full flow with hand-computed
figures, the credit limit with its approval path, cancellation, every over-stepping refused
with nothing stored, date rules (nothing invoiced, returned or settled before it exists), the
forecast's minimum history, margin by month, and reports that survive a rebuild.

The figures differ from tests/sales/test_sales_scenarios.py on purpose: two items (FIFO
and moving average), two-line orders with a discount and tax, a return whose cost is a rounded
share of the delivery, and a receipt that is allocated in two steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from conftest import make_clock

from erp_core import Erp
from erp_core.kernel.errors import ValidationError
from erp_core.sales.documents import Customer, customer_stream

D = Decimal
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def balances(erp: Erp, as_of: dt.date | None = None) -> dict[str, Decimal]:
    return {r.account: r.debit - r.credit for r in erp.trial_balance(as_of=as_of).rows}


def line(item: str, quantity: str, price: str, **extra: str) -> dict[str, str]:
    return {"item": item, "quantity": quantity, "price": price, "warehouse": "W1", **extra}


def order(erp: Erp, customer: str, date: str, *lines: dict[str, str]) -> str:
    return erp.create_sales_order(
        date=date, customer=customer, delivery_date=date, lines=list(lines)
    ).documents[0]


def exposure(erp: Erp, customer: str) -> Decimal:
    return erp.ledger.load(Customer, customer_stream(customer)).exposure


@pytest.fixture
def books(any_erp: Erp) -> Erp:
    """WIDGET (FIFO): 40 at 5.00, then 40 at 6.00; GADGET (moving average): 20 at 12.00 and
    20 at 15.00, i.e. 13.50 each. K1 may owe 2000.00 (14 days' terms), K2 500.00; dana
    approves credit."""
    erp = any_erp
    erp.register_item(code="WIDGET", name="Widget", uom="pcs", valuation="fifo")
    erp.register_item(code="GADGET", name="Gadget", uom="pcs", valuation="moving_average")
    erp.register_warehouse(code="W1", name="Main store")
    erp.configure_sales(credit_approvers=["dana"])
    erp.register_customer(
        code="K1", name="Kappa One", credit_level="A", credit_limit="2000.00", payment_terms_days=14
    )
    erp.register_customer(
        code="K2", name="Kappa Two", credit_level="C", credit_limit="500.00", payment_terms_days=30
    )
    erp.receive_stock(
        date="2026-02-02",
        account="3100",
        lines=[
            {"item": "WIDGET", "warehouse": "W1", "quantity": "40", "unit_cost": "5.00"},
            {"item": "WIDGET", "warehouse": "W1", "quantity": "40", "unit_cost": "6.00"},
            {"item": "GADGET", "warehouse": "W1", "quantity": "20", "unit_cost": "12.00"},
            {"item": "GADGET", "warehouse": "W1", "quantity": "20", "unit_cost": "15.00"},
        ],
    )
    return erp


@pytest.fixture
def approver(books: Erp) -> Iterator[Erp]:
    """The same books opened by dana, a credit approver."""
    clock = make_clock(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
    with Erp.open(books.url.raw, actor="dana", clock=clock) as erp:
        yield erp


def full_flow(erp: Erp) -> dict[str, str]:
    """The order-to-cash story of K1; returns its documents by name."""
    docs: dict[str, str] = {}
    # SO: 50 WIDGET at 20.00 less 5%, 10% tax: net 50 x 20 x 0.95 = 950.00, tax 95.00;
    #     10 GADGET at 30.00, 10% tax: net 300.00, tax 30.00. Total 1375.00 (limit 2000.00).
    docs["order"] = order(
        erp,
        "K1",
        "2026-02-10",
        line("WIDGET", "50", "20.00", discount="0.05", tax_rate="0.1"),
        line("GADGET", "10", "30.00", tax_rate="0.1"),
    )
    erp.confirm_sales_order(document=docs["order"])
    # deliver 45 WIDGET (FIFO 40 x 5.00 + 5 x 6.00 = 230.00) and 10 GADGET (10 x 13.50 = 135.00)
    docs["delivery1"] = erp.deliver_sales_order(
        document=docs["order"],
        date="2026-02-15",
        lines=[{"line": 1, "quantity": "45"}, {"line": 2, "quantity": "10"}],
    ).documents[0]
    # invoice what was delivered: 45 x 19.00 = 855.00 + 85.50 tax; 300.00 + 30.00 tax
    #   = 1270.50, due 2026-03-02
    docs["invoice1"] = erp.invoice_sales_order(document=docs["order"], date="2026-02-16").documents[
        0
    ]
    # 1000.00 received against it: 270.50 open
    docs["receipt1"] = erp.receive_customer_payment(
        customer="K1",
        date="2026-03-01",
        amount="1000.00",
        allocations=[{"invoice": docs["invoice1"], "amount": "1000.00"}],
    ).documents[0]
    # 5 WIDGET come back at their share of the delivery's cost: 230.00 x 5 / 45 = 25.56,
    # and are credited: 5 x 19.00 = 95.00 + 9.50 tax = 104.50, settling the invoice: 166.00 open
    docs["return"] = erp.return_sales_goods(
        document=docs["order"],
        date="2026-03-05",
        reason="scratched",
        lines=[{"line": 1, "quantity": "5"}],
    ).documents[0]
    docs["note"] = erp.post_credit_note(
        invoice=docs["invoice1"],
        date="2026-03-05",
        reason="scratched",
        lines=[{"line": 1, "quantity": "5"}],
    ).documents[0]
    # 200.00 received: 166.00 settles the invoice, 34.00 stays as customer credit
    docs["receipt2"] = erp.receive_customer_payment(
        customer="K1",
        date="2026-03-20",
        amount="200.00",
        allocations=[{"invoice": docs["invoice1"], "amount": "166.00"}],
    ).documents[0]
    # the last 5 WIDGET: FIFO takes the 6.00 layer first (5 x 6.00 = 30.00), and the last
    # part of the line is invoiced at what is left of it: 950.00 - 855.00 = 95.00 + 9.50
    docs["delivery2"] = erp.deliver_sales_order(
        document=docs["order"], date="2026-03-25", lines=[{"line": 1, "quantity": "5"}]
    ).documents[0]
    docs["invoice2"] = erp.invoice_sales_order(document=docs["order"], date="2026-03-26").documents[
        0
    ]
    # the 34.00 credit goes to the new invoice: 70.50 open, due 2026-04-09
    erp.allocate_customer_receipt(
        receipt=docs["receipt2"],
        date="2026-03-27",
        allocations=[{"invoice": docs["invoice2"], "amount": "34.00"}],
    )
    return docs


def test_order_to_cash_with_hand_computed_figures(books: Erp) -> None:
    erp = books
    docs = full_flow(erp)
    assert [docs[k][:2] for k in ("order", "delivery1", "invoice1", "receipt1", "note")] == [
        "SO",
        "DN",
        "SI",
        "RC",
        "CN",
    ]
    assert docs["return"].startswith("SR-2026-")

    b = balances(erp)
    assert b["1200"] == D("70.50")  # 1270.50 + 104.50 - 1000.00 - 104.50 - 200.00
    assert b["1120"] == D("1200.00")
    assert b["4100"] == D("-1155.00")  # 855.00 + 300.00 - 95.00 + 95.00
    assert b["2200"] == D("-115.50")  # 85.50 + 30.00 - 9.50 + 9.50
    assert b["5100"] == D("369.44")  # 230.00 + 135.00 - 25.56 + 30.00
    assert b["1300"] == D("610.56")  # 440.00 + 540.00 - 365.00 + 25.56 - 30.00
    assert b["3100"] == D("-980.00")

    # the receivables control account and the aging agree on every date of the story
    for day, total in [
        (dt.date(2026, 2, 16), D("1270.50")),
        (dt.date(2026, 3, 1), D("270.50")),
        (dt.date(2026, 3, 5), D("166.00")),
        (dt.date(2026, 3, 20), D("-34.00")),
        (dt.date(2026, 3, 26), D("70.50")),
        (dt.date(2026, 4, 30), D("70.50")),
    ]:
        assert erp.receivables_aging(day).total == total == balances(erp, day).get("1200"), day
    # before the due date everything is not due; on 2026-03-21 the credit is unallocated
    (feb,) = erp.receivables_aging(dt.date(2026, 2, 28)).rows
    assert (feb.not_due, feb.days_1_30, feb.balance) == (D("1270.50"), D("0.00"), D("1270.50"))
    (mid,) = erp.receivables_aging(dt.date(2026, 3, 21)).rows
    assert (mid.unallocated_credits, mid.balance) == (D("34.00"), D("-34.00"))
    # on 2026-04-30 the second invoice (due 2026-04-09) is 21 days overdue
    (april,) = erp.receivables_aging(dt.date(2026, 4, 30)).rows
    assert (april.customer, april.name, april.not_due, april.days_1_30) == (
        "K1",
        "Kappa One",
        D("0.00"),
        D("70.50"),
    )
    assert (april.unallocated_credits, april.balance) == (D("0.00"), D("70.50"))

    ledger = erp.customer_ledger("K1")
    assert [(x.document, x.kind, x.amount, x.balance) for x in ledger] == [
        (docs["invoice1"], "sales_invoice", D("1270.50"), D("1270.50")),
        (docs["receipt1"], "customer_receipt", D("-1000.00"), D("270.50")),
        (docs["note"], "credit_note", D("-104.50"), D("166.00")),
        (docs["receipt2"], "customer_receipt", D("-200.00"), D("-34.00")),
        (docs["invoice2"], "sales_invoice", D("104.50"), D("70.50")),
    ]

    # margin by item: WIDGET 855.00 - 234.44 = 620.56 (72.6%); GADGET 300.00 - 135.00 (55.0%)
    margin = erp.margin("item", *YEAR)
    assert [(r.key, r.revenue, r.cost, r.margin, r.margin_percent) for r in margin.rows] == [
        ("GADGET", D("300.00"), D("135.00"), D("165.00"), D("55.0")),
        ("WIDGET", D("855.00"), D("234.44"), D("620.56"), D("72.6")),
    ]
    assert (margin.total.revenue, margin.total.cost, margin.total.margin) == (
        D("1155.00"),
        D("369.44"),
        D("785.56"),
    )
    assert margin.total.margin_percent == D("68.0")  # 785.56 / 1155.00
    by_customer = erp.margin("customer", *YEAR)
    assert [(r.key, r.margin) for r in by_customer.rows] == [("K1", D("785.56"))]
    # only February: the first invoice and the first delivery
    february = erp.margin("item", dt.date(2026, 2, 1), dt.date(2026, 2, 28)).total
    assert (february.revenue, february.cost) == (D("1155.00"), D("365.00"))

    # the order is fully delivered and invoiced: nothing left open; exposure is what is owed
    assert erp.sales_open_orders() == []
    assert exposure(erp, "K1") == D("70.50")
    results = erp.check()
    assert all(r.ok for r in results), [r.message for r in results]


def test_open_sales_orders_show_what_is_left_to_deliver_and_to_invoice(books: Erp) -> None:
    erp = books
    so = order(
        erp,
        "K1",
        "2026-02-10",
        line("WIDGET", "12", "10.00"),
        line("GADGET", "4", "25.00", tax_rate="0.2"),
    )
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(
        document=so,
        date="2026-02-11",
        lines=[{"line": 1, "quantity": "7"}, {"line": 2, "quantity": "4"}],
    )
    erp.invoice_sales_order(document=so, date="2026-02-12", lines=[{"line": 1, "quantity": "3"}])
    fields = ("line", "item", "status", "ordered", "delivered", "invoiced", "to_deliver")
    rows = [
        (*(getattr(r, f) for f in fields), r.delivered_not_invoiced)
        for r in erp.sales_open_orders()
    ]
    assert rows == [
        (1, "WIDGET", "partly_delivered", D(12), D(7), D(3), D(5), D(4)),
        (2, "GADGET", "partly_delivered", D(4), D(4), D(0), D(0), D(4)),
    ]
    # exposure: order 120.00 + 120.00 (100.00 + 20.00 tax) = 240.00, of which 30.00 invoiced
    assert exposure(erp, "K1") == D("240.00")


def test_the_credit_limit_refuses_until_an_approver_approves(books: Erp, approver: Erp) -> None:
    erp = books
    # 20 GADGET at 27.50 = 550.00 with no tax: over K2's 500.00
    so = order(erp, "K2", "2026-03-02", line("GADGET", "20", "27.50"))
    head = erp.store.last_position()
    with pytest.raises(ValidationError) as refused:
        erp.confirm_sales_order(document=so)
    assert refused.value.field == "credit"
    assert (
        f"{so} would take K2 over its credit limit: exposure 550.00 with this order "
        "(open receivables 0, open orders 0, this order 550.00), limit 500.00 (level C, "
        "in force on 2026-03-02)" in refused.value.message
    )
    assert erp.store.last_position() == head
    with pytest.raises(ValidationError, match=r"tester may not approve credit \(.*: dana\)"):
        erp.approve_sales_credit(document=so, reason="I say so")
    assert erp.store.last_position() == head

    approver.approve_sales_credit(document=so, reason="pays within a week")
    erp.confirm_sales_order(document=so)
    trail = erp.trail(f"so:{so}")
    assert [(e.event, e.actor) for e in trail] == [
        ("SalesOrderCreated", "tester"),
        ("SalesOrderCreditApproved", "dana"),
        ("SalesOrderConfirmed", "tester"),
    ]
    confirmed = trail[-1].details
    assert (D(str(confirmed["exposure"])), D(str(confirmed["limit"]))) == (
        D("550.00"),
        D("500.00"),
    )
    assert confirmed["over_limit_approved"] is True
    assert exposure(erp, "K2") == D("550.00")
    # a confirmed order is past approval; and the next order finds the limit used up
    with pytest.raises(ValidationError, match="already confirmed"):
        approver.approve_sales_credit(document=so, reason="again")
    small = order(erp, "K2", "2026-03-03", line("WIDGET", "1", "0.50"))
    with pytest.raises(ValidationError, match=r"exposure 550.50 .* limit 500.00"):
        erp.confirm_sales_order(document=small)


def test_a_raised_limit_applies_to_orders_dated_from_its_effective_date(books: Erp) -> None:
    erp = books
    erp.change_customer_credit(
        customer="K2", credit_level="B", credit_limit="800.00", effective="2026-04-01"
    )
    march = order(erp, "K2", "2026-03-31", line("GADGET", "24", "25.00"))  # 600.00
    with pytest.raises(ValidationError, match=r"limit 500.00 \(level C, in force on 2026-03-31"):
        erp.confirm_sales_order(document=march)
    april = order(erp, "K2", "2026-04-01", line("GADGET", "24", "25.00"))
    erp.confirm_sales_order(document=april)
    assert exposure(erp, "K2") == D("600.00")


def test_cancelling_an_undelivered_order_releases_its_exposure(books: Erp) -> None:
    erp = books
    first = order(erp, "K2", "2026-03-02", line("WIDGET", "30", "10.00"))  # 300.00
    erp.confirm_sales_order(document=first)
    second = order(erp, "K2", "2026-03-03", line("WIDGET", "25", "10.00", tax_rate="0.2"))
    with pytest.raises(ValidationError, match=r"exposure 600.00 .* limit 500.00"):
        erp.confirm_sales_order(document=second)  # 300.00 + 250.00 + 50.00 tax
    erp.cancel_sales_order(document=first, reason="ordered twice")
    assert exposure(erp, "K2") == D("0.00")
    erp.confirm_sales_order(document=second)
    assert exposure(erp, "K2") == D("300.00")
    assert [r.document for r in erp.sales_open_orders()] == [second]

    head = erp.store.last_position()
    with pytest.raises(ValidationError, match="already cancelled"):
        erp.cancel_sales_order(document=first, reason="again")
    with pytest.raises(ValidationError, match="is cancelled: only confirmed orders are delivered"):
        erp.deliver_sales_order(
            document=first, date="2026-03-04", lines=[{"line": 1, "quantity": "1"}]
        )
    with pytest.raises(ValidationError, match="already cancelled"):
        erp.confirm_sales_order(document=first)
    assert erp.store.last_position() == head

    # once goods went out, the order can no longer be cancelled
    erp.deliver_sales_order(
        document=second, date="2026-03-04", lines=[{"line": 1, "quantity": "1"}]
    )
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match="goods were delivered against .* cannot be cancel"):
        erp.cancel_sales_order(document=second, reason="too late")
    assert erp.store.last_position() == head
    # a draft can be cancelled too; it held no exposure
    draft = order(erp, "K2", "2026-03-05", line("WIDGET", "1", "10.00"))
    erp.cancel_sales_order(document=draft, reason="not needed")
    assert exposure(erp, "K2") == D("300.00")
    results = erp.check()
    assert all(r.ok for r in results), [r.message for r in results]


def test_every_over_stepping_is_refused_and_stores_nothing(books: Erp) -> None:
    erp = books
    so = order(erp, "K1", "2026-02-10", line("WIDGET", "10", "8.00"), line("GADGET", "3", "40.00"))
    other = order(erp, "K2", "2026-02-10", line("WIDGET", "2", "8.00"))
    with pytest.raises(ValidationError, match="is draft: only confirmed orders are delivered"):
        erp.deliver_sales_order(
            document=so, date="2026-02-11", lines=[{"line": 1, "quantity": "1"}]
        )
    erp.confirm_sales_order(document=so)
    erp.confirm_sales_order(document=other)
    erp.deliver_sales_order(document=so, date="2026-02-11", lines=[{"line": 1, "quantity": "6"}])
    erp.deliver_sales_order(document=other, date="2026-02-11", lines=[{"line": 1, "quantity": "2"}])
    invoice = erp.invoice_sales_order(
        document=so, date="2026-02-12", lines=[{"line": 1, "quantity": "4"}]
    ).documents[0]  # 4 x 8.00 = 32.00
    other_invoice = erp.invoice_sales_order(document=other, date="2026-02-12").documents[0]
    receipt = erp.receive_customer_payment(
        customer="K1", date="2026-02-13", amount="20.00"
    ).documents[0]
    head = erp.store.last_position()
    before = balances(erp)

    refusals = [
        # over-delivery: 6 of 10 delivered, 5 more
        (
            erp.deliver_sales_order,
            dict(document=so, date="2026-02-14", lines=[{"line": 1, "quantity": "5"}]),
            r"lines\[0\].quantity: over-delivery on .* line 1 \(WIDGET\): ordered 10, "
            r"delivered 6, now 5",
        ),
        (
            erp.deliver_sales_order,
            dict(document=so, date="2026-02-14", lines=[{"line": 3, "quantity": "1"}]),
            r"lines\[0\].line: .* has no line 3 \(it has 2\)",
        ),
        (
            erp.deliver_sales_order,
            dict(
                document=so,
                date="2026-02-14",
                lines=[{"line": 2, "quantity": "1"}, {"line": 2, "quantity": "1"}],
            ),
            "order line 2 appears twice",
        ),
        (
            erp.deliver_sales_order,
            dict(document=so, date="2026-02-09", lines=[{"line": 2, "quantity": "1"}]),
            "date: is before the order date 2026-02-10",
        ),
        # invoicing more than delivered: 6 delivered, 4 invoiced, 3 asked
        (
            erp.invoice_sales_order,
            dict(document=so, date="2026-02-14", lines=[{"line": 1, "quantity": "3"}]),
            r"line 1: only 2 delivered \(and not returned\) is left to invoice, not 3",
        ),
        (
            erp.invoice_sales_order,
            dict(document=so, date="2026-02-14", lines=[{"line": 2, "quantity": "1"}]),
            r"line 2: only 0 delivered \(and not returned\) is left to invoice, not 1",
        ),
        (
            erp.invoice_sales_order,
            dict(document=other, date="2026-02-14"),
            "nothing delivered on .* is left to invoice",
        ),
        # a credit note beyond what the invoice billed
        (
            erp.post_credit_note,
            dict(
                invoice=invoice,
                date="2026-02-14",
                reason="x",
                lines=[{"line": 1, "quantity": "5"}],
            ),
            f"only 4 of {invoice} line 1 is left to credit",
        ),
        (
            erp.post_credit_note,
            dict(
                invoice=invoice,
                date="2026-02-14",
                reason="x",
                lines=[{"line": 2, "quantity": "1"}],
            ),
            f"{invoice} has no order line 2",
        ),
        # over-allocation: beyond the invoice's open amount, beyond the receipt, wrong customer
        (
            erp.allocate_customer_receipt,
            dict(
                receipt=receipt,
                date="2026-02-14",
                allocations=[{"invoice": invoice, "amount": "20.01"}],
            ),
            r"allocations total 20.01, more than the 20.00 available",
        ),
        (
            erp.receive_customer_payment,
            dict(
                customer="K1",
                date="2026-02-14",
                amount="50.00",
                allocations=[{"invoice": invoice, "amount": "32.01"}],
            ),
            f"allocations\\[0\\].amount: {invoice} has 32.00 open; cannot allocate 32.01",
        ),
        (
            erp.receive_customer_payment,
            dict(
                customer="K1",
                date="2026-02-14",
                amount="50.00",
                allocations=[
                    {"invoice": invoice, "amount": "20.00"},
                    {"invoice": invoice, "amount": "20.00"},
                ],
            ),
            "has 12.00 open; cannot allocate 20.00",
        ),
        (
            erp.allocate_customer_receipt,
            dict(
                receipt=receipt,
                date="2026-02-14",
                allocations=[{"invoice": other_invoice, "amount": "1.00"}],
            ),
            f"{other_invoice} is an invoice of K2, not K1",
        ),
        (
            erp.allocate_customer_receipt,
            dict(
                receipt=receipt,
                date="2026-02-12",
                allocations=[{"invoice": invoice, "amount": "1.00"}],
            ),
            "date: is before the receipt date 2026-02-13",
        ),
        # returns beyond what was delivered (and not yet returned)
        (
            erp.return_sales_goods,
            dict(document=so, date="2026-02-14", reason="x", lines=[{"line": 1, "quantity": "7"}]),
            f"only 6 of {so} line 1 were delivered and not returned",
        ),
        (
            erp.return_sales_goods,
            dict(document=so, date="2026-02-14", reason="x", lines=[{"line": 2, "quantity": "1"}]),
            f"only 0 of {so} line 2 were delivered and not returned",
        ),
    ]
    for action, fields, message in refusals:
        with pytest.raises(ValidationError, match=message):
            action(**fields)
        assert erp.store.last_position() == head, message
    assert balances(erp) == before

    # up to the limits is fine; then one more unit is refused
    erp.return_sales_goods(
        document=so, date="2026-02-14", reason="x", lines=[{"line": 1, "quantity": "6"}]
    )
    with pytest.raises(ValidationError, match="only 0 of .* line 1 were delivered and not return"):
        erp.return_sales_goods(
            document=so, date="2026-02-15", reason="x", lines=[{"line": 1, "quantity": "1"}]
        )
    erp.post_credit_note(
        invoice=invoice, date="2026-02-14", reason="x", lines=[{"line": 1, "quantity": "4"}]
    )
    with pytest.raises(ValidationError, match=f"only 0 of {invoice} line 1 is left to credit"):
        erp.post_credit_note(
            invoice=invoice, date="2026-02-15", reason="x", lines=[{"line": 1, "quantity": "1"}]
        )
    results = erp.check()
    assert all(r.ok for r in results), [r.message for r in results]


def test_a_forecast_needs_two_months_of_deliveries(books: Erp) -> None:
    erp = books
    with pytest.raises(ValidationError, match="'WIDGET' has less than two months of deliveries"):
        erp.sales_forecast("WIDGET")
    so = order(erp, "K1", "2026-02-10", line("WIDGET", "30", "10.00"))
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-02-11", lines=[{"line": 1, "quantity": "10"}])
    erp.deliver_sales_order(document=so, date="2026-02-25", lines=[{"line": 1, "quantity": "10"}])
    with pytest.raises(ValidationError, match="less than two months"):
        erp.sales_forecast("WIDGET")
    with pytest.raises(ValidationError, match="horizon: forecast 1 to 36 months ahead"):
        erp.sales_forecast("WIDGET", 0)
    # a second month (even with nothing in between) is enough: Feb 20, Mar 0, Apr 10
    erp.deliver_sales_order(document=so, date="2026-04-02", lines=[{"line": 1, "quantity": "10"}])
    report = erp.sales_forecast("WIDGET", 2)
    assert [(p.month, p.quantity) for p in report.history] == [
        ("2026-02", D(20)),
        ("2026-03", D(0)),
        ("2026-04", D(10)),
    ]
    assert [p.month for p in report.forecast] == ["2026-05", "2026-06"]


def test_margin_by_month(books: Erp) -> None:
    erp = books
    full_flow(erp)
    rows = erp.margin("period", *YEAR).rows
    # February: invoice 1155.00 against deliveries 365.00; March: the credit note -95.00 and
    # the second invoice 95.00, against the return -25.56 and the second delivery 30.00
    assert [(r.key, r.revenue, r.cost) for r in rows] == [
        ("2026-02", D("1155.00"), D("365.00")),
        ("2026-03", D("0.00"), D("4.44")),
    ]
    with pytest.raises(ValidationError, match="group by item, customer or period"):
        erp.margin("colour", *YEAR)


def test_a_rebuild_of_every_projection_gives_the_same_sales_reports(books: Erp) -> None:
    erp = books
    docs = full_flow(erp)
    extra = order(erp, "K2", "2026-04-01", line("GADGET", "3", "33.33", tax_rate="0.07"))
    erp.confirm_sales_order(document=extra)
    erp.deliver_sales_order(document=extra, date="2026-04-02", lines=[{"line": 1, "quantity": "2"}])

    def reports() -> dict[str, object]:
        return {
            "aging": [erp.receivables_aging(d) for d in (dt.date(2026, 3, 21), YEAR[1])],
            "margin": [erp.margin(by, *YEAR) for by in ("item", "customer")],
            "ledgers": [erp.customer_ledger(c) for c in ("K1", "K2")],
            "open": erp.sales_open_orders(),
            "checks": erp.check(),
            "stock": erp.stock_ledger(),
        }

    before = reports()
    assert before["ledgers"][0][0].document == docs["invoice1"]  # type: ignore[index]
    erp.rebuild()
    assert reports() == before
    assert all(s.lag == 0 for s in erp.projection_status())


def test_crediting_an_invoice_line_in_parts_credits_exactly_what_was_billed(books: Erp) -> None:
    erp = books
    # 3 WIDGET at 3.33 less 10%, 20% tax: net 3 x 3.33 x 0.9 = 8.991 -> 8.99, tax 1.80
    so = order(erp, "K1", "2026-05-04", line("WIDGET", "3", "3.33", discount="0.1", tax_rate="0.2"))
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-05-05", lines=[{"line": 1, "quantity": "3"}])
    invoice = erp.invoice_sales_order(document=so, date="2026-05-05").documents[0]
    # one unit at a time: 2.997 -> 3.00 + 0.60 tax twice, then what is left: 2.99 + 0.60
    notes = [
        erp.post_credit_note(
            invoice=invoice,
            date="2026-05-06",
            reason="faulty",
            lines=[{"line": 1, "quantity": "1"}],
        ).documents[0]
        for _ in range(3)
    ]
    ledger = {x.document: x.amount for x in erp.customer_ledger("K1")}
    assert [ledger[n] for n in notes] == [D("-3.60"), D("-3.60"), D("-3.59")]
    b = balances(erp)
    assert (b.get("4100", D(0)), b.get("2200", D(0)), b.get("1200", D(0))) == (0, 0, 0)
    assert erp.margin("item", *YEAR).total.revenue == 0
    assert erp.receivables_aging(YEAR[1]).rows == []


def test_invoices_and_returns_follow_the_delivery(books: Erp) -> None:
    erp = books
    so = order(erp, "K1", "2026-05-04", line("WIDGET", "10", "7.00"))
    erp.confirm_sales_order(document=so)
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match=f"date: nothing was delivered on {so} by"):
        erp.invoice_sales_order(document=so, date="2026-05-04")
    erp.deliver_sales_order(document=so, date="2026-05-10", lines=[{"line": 1, "quantity": "10"}])
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match=f"nothing was delivered on {so} by 2026-05-09"):
        erp.invoice_sales_order(document=so, date="2026-05-09")
    with pytest.raises(ValidationError, match=f"nothing was delivered on {so} by 2026-05-09"):
        erp.return_sales_goods(
            document=so, date="2026-05-09", reason="x", lines=[{"line": 1, "quantity": "1"}]
        )
    assert erp.store.last_position() == head
    # 3 come back before invoicing: only the 7 kept are invoiced, 7 x 7.00 = 49.00
    erp.return_sales_goods(
        document=so, date="2026-05-11", reason="x", lines=[{"line": 1, "quantity": "3"}]
    )
    invoice = erp.invoice_sales_order(document=so, date="2026-05-12").documents[0]
    assert erp.customer_ledger("K1")[-1].amount == D("49.00")
    with pytest.raises(ValidationError, match="nothing delivered on .* is left to invoice"):
        erp.invoice_sales_order(document=so, date="2026-05-12")
    assert balances(erp)["1200"] == D("49.00")
    assert invoice.startswith("SI-")


# --- credit exposure after credit notes and returns ------------------------------------------


def test_re_invoicing_credited_goods_keeps_the_exposure(books: Erp) -> None:
    erp = books
    # K2 may owe 500.00: an order of 10 GADGET at 50.00 = 500.00 uses it all
    so = order(erp, "K2", "2026-06-01", line("GADGET", "10", "50.00"))
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-06-02", lines=[{"line": 1, "quantity": "10"}])
    invoice = erp.invoice_sales_order(document=so, date="2026-06-02").documents[0]
    # the invoice is credited in full (wrong price; the goods stay with K2) and billed again
    erp.post_credit_note(
        invoice=invoice,
        date="2026-06-03",
        reason="wrong price",
        lines=[{"line": 1, "quantity": "10"}],
    )
    erp.invoice_sales_order(document=so, date="2026-06-03")
    assert balances(erp)["1200"] == D("500.00")  # K2 owes 500.00 ...
    held = erp.ledger.load(Customer, customer_stream("K2"))
    # ... and the exposure says so: nothing on order, 500.00 receivable
    assert (held.open_orders, held.receivables) == (D("0.00"), D("500.00"))
    another = order(erp, "K2", "2026-06-04", line("GADGET", "1", "50.00"))
    with pytest.raises(ValidationError, match=r"exposure 550.00 .* limit 500.00"):
        erp.confirm_sales_order(document=another)


def test_returned_goods_that_will_never_be_invoiced_leave_the_exposure(books: Erp) -> None:
    erp = books
    so = order(erp, "K2", "2026-06-01", line("GADGET", "10", "40.00"))  # 400.00
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-06-02", lines=[{"line": 1, "quantity": "10"}])
    erp.return_sales_goods(
        document=so, date="2026-06-03", reason="x", lines=[{"line": 1, "quantity": "4"}]
    )
    erp.invoice_sales_order(document=so, date="2026-06-03")  # the 6 kept: 240.00
    with pytest.raises(ValidationError, match="nothing delivered on .* is left to invoice"):
        erp.invoice_sales_order(document=so, date="2026-06-04")
    # nothing is left to deliver or to invoice: K2 owes 240.00 and has nothing on order
    held = erp.ledger.load(Customer, customer_stream("K2"))
    assert (held.open_orders, held.receivables) == (D("0.00"), D("240.00"))
    assert erp.sales_open_orders() == []
    # so an order of 260.00 fits under the 500.00 limit
    another = order(erp, "K2", "2026-06-04", line("GADGET", "1", "260.00"))
    erp.confirm_sales_order(document=another)


def test_nothing_settles_an_invoice_before_its_date(books: Erp) -> None:
    """An allocation or a credit note dated before its invoice is refused: otherwise the aging
    on the days between would count a settlement of an invoice that does not exist yet."""
    erp = books
    so = order(erp, "K1", "2026-03-01", line("WIDGET", "10", "10.00"))
    erp.confirm_sales_order(document=so)
    erp.deliver_sales_order(document=so, date="2026-04-01", lines=[{"line": 1, "quantity": "10"}])
    invoice = erp.invoice_sales_order(document=so, date="2026-04-01").documents[0]
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match=f"{invoice} is dated 2026-04-01, after the alloc"):
        erp.receive_customer_payment(
            customer="K1",
            date="2026-03-10",
            amount="50.00",
            allocations=[{"invoice": invoice, "amount": "50.00"}],
        )
    with pytest.raises(ValidationError, match="date: is before the invoice date 2026-04-01"):
        erp.post_credit_note(
            invoice=invoice, date="2026-03-31", reason="x", lines=[{"line": 1, "quantity": "1"}]
        )
    assert erp.store.last_position() == head
    # paid in advance without allocation, then allocated once the invoice exists
    receipt = erp.receive_customer_payment(
        customer="K1", date="2026-03-10", amount="50.00"
    ).documents[0]
    with pytest.raises(ValidationError, match="after the allocation date"):
        erp.allocate_customer_receipt(
            receipt=receipt,
            date="2026-03-31",
            allocations=[{"invoice": invoice, "amount": "50.00"}],
        )
    erp.allocate_customer_receipt(
        receipt=receipt, date="2026-04-01", allocations=[{"invoice": invoice, "amount": "50.00"}]
    )
    for day, owed in [
        (dt.date(2026, 3, 15), D("-50.00")),
        (dt.date(2026, 4, 1), D("50.00")),
        (dt.date(2026, 4, 30), D("50.00")),
    ]:
        assert erp.receivables_aging(day).total == owed == balances(erp, day)["1200"], day
