"""Order to cash, told as stories with hand-computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core import Erp
from erp_core.kernel.errors import ValidationError

D = Decimal


def setup_books(erp: Erp) -> None:
    erp.register_item(code="BOLT", name="Bolt", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.configure_sales(credit_approvers=["carol"])
    erp.register_customer(
        code="C1", name="Cust One", credit_level="B", credit_limit="1000.00", payment_terms_days=30
    )
    # 100 bolts at 2.00 and 50 at 3.00 (FIFO layers)
    erp.receive_stock(
        date="2026-01-05",
        account="3100",
        lines=[
            {"item": "BOLT", "warehouse": "MAIN", "quantity": "100", "unit_cost": "2.00"},
            {"item": "BOLT", "warehouse": "MAIN", "quantity": "50", "unit_cost": "3.00"},
        ],
    )


def balances(erp: Erp) -> dict[str, Decimal]:
    return {r.account: r.debit - r.credit for r in erp.trial_balance().rows}


def test_order_partial_delivery_invoice_partial_receipt_return_and_credit_note(erp: Erp) -> None:
    setup_books(erp)
    # 1. An order of 120 bolts at 10.00 less 10%, 20% tax:
    #    net 120 x 10 x 0.9 = 1080.00 is over the 1000.00 limit -> use 90 bolts:
    #    net 90 x 9 = 810.00, tax 162.00, total 972.00.
    order = erp.create_sales_order(
        date="2026-01-10",
        customer="C1",
        delivery_date="2026-01-20",
        lines=[
            {
                "item": "BOLT",
                "quantity": "90",
                "price": "10.00",
                "discount": "0.1",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    # 2. Deliver 60 now: FIFO cost 60 x 2.00 = 120.00 (Dr COGS, Cr inventory).
    erp.deliver_sales_order(
        document=order, date="2026-01-20", lines=[{"line": 1, "quantity": "60"}]
    )
    # 3. Deliver 50 more than the 30 left: refused, nothing stored.
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match="over-delivery .* ordered 90, delivered 60"):
        erp.deliver_sales_order(
            document=order, date="2026-01-21", lines=[{"line": 1, "quantity": "50"}]
        )
    assert erp.store.last_position() == head
    # 4. Invoice what was delivered: 60 x 9.00 = 540.00 + tax 108.00 = 648.00, due in 30 days.
    invoice = erp.invoice_sales_order(document=order, date="2026-01-21").documents[0]
    # 5. The customer pays 400.00 of it.
    erp.receive_customer_payment(
        customer="C1",
        date="2026-02-10",
        amount="400.00",
        allocations=[{"invoice": invoice, "amount": "400.00"}],
    )
    # 6. Ten bolts come back: into stock at the cost they left with (10 x 2.00 = 20.00),
    #    and a credit note for them: 10 x 9.00 = 90.00 + tax 18.00 = 108.00.
    erp.return_sales_goods(
        document=order,
        date="2026-02-12",
        reason="wrong thread",
        lines=[{"line": 1, "quantity": "10"}],
    )
    note = erp.post_credit_note(
        invoice=invoice,
        date="2026-02-12",
        reason="wrong thread",
        lines=[{"line": 1, "quantity": "10"}],
    ).documents[0]
    assert note.startswith("CN-2026-")
    b = balances(erp)
    assert b["1200"] == D("140.00")  # 648 - 400 - 108
    assert b["4100"] == D("-450.00")  # 540 - 90
    assert b["2200"] == D("-90.00")  # 108 - 18
    assert b["5100"] == D("100.00")  # 120 - 20
    assert b["1300"] == D("250.00")  # 100 x 2 + 50 x 3 - 120 + 20
    # aging: on 2026-03-31 the invoice (due 2026-02-20) is 39 days overdue
    aging = erp.receivables_aging(dt.date(2026, 3, 31))
    assert [(r.customer, r.days_31_60, r.balance) for r in aging.rows] == [
        ("C1", D("140.00"), D("140.00"))
    ]
    assert erp.receivables_aging(dt.date(2026, 2, 1)).rows[0].not_due == D("648.00")
    # margin by item: revenue 450.00, cost 100.00, margin 350.00 = 77.8%
    margin = erp.margin("item", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert [(r.key, r.revenue, r.cost, r.margin, r.margin_percent) for r in margin.rows] == [
        ("BOLT", D("450.00"), D("100.00"), D("350.00"), D("77.8"))
    ]
    assert [
        r.key for r in erp.margin("customer", dt.date(2026, 1, 1), dt.date(2026, 12, 31)).rows
    ] == ["C1"]
    ledger = erp.customer_ledger("C1")
    assert [(x.document, x.amount, x.balance) for x in ledger] == [
        (invoice, D("648.00"), D("648.00")),
        ("RC-2026-000001", D("-400.00"), D("248.00")),
        (note, D("-108.00"), D("140.00")),
    ]
    (line,) = erp.sales_open_orders()
    assert (line.to_deliver, line.delivered_not_invoiced) == (D("30"), D("0"))
    assert all(r.ok for r in erp.check()), [r.message for r in erp.check()]


def test_the_credit_limit_refuses_an_order_until_a_credit_approver_approves_it(
    erp: Erp, sqlite_url: str
) -> None:
    setup_books(erp)
    order = erp.create_sales_order(
        date="2026-01-10",
        customer="C1",
        delivery_date="2026-01-20",
        lines=[{"item": "BOLT", "quantity": "110", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    with pytest.raises(ValidationError, match=r"exposure 1100.00 .* limit 1000.00 \(level B"):
        erp.confirm_sales_order(document=order)
    with pytest.raises(ValidationError, match="tester may not approve credit"):
        erp.approve_sales_credit(document=order, reason="please")
    with Erp.open(sqlite_url, actor="carol") as carol:
        carol.approve_sales_credit(document=order, reason="good payer")
    erp.confirm_sales_order(document=order)
    trail = [e.event for e in erp.trail(f"so:{order}")]
    assert trail == ["SalesOrderCreated", "SalesOrderCreditApproved", "SalesOrderConfirmed"]


def test_the_limit_in_force_on_the_order_date_is_the_one_used(erp: Erp) -> None:
    setup_books(erp)
    # the limit rises to 5000 from March on
    erp.change_customer_credit(
        customer="C1", credit_level="A", credit_limit="5000.00", effective="2026-03-01"
    )
    february = erp.create_sales_order(
        date="2026-02-10",
        customer="C1",
        delivery_date="2026-02-20",
        lines=[{"item": "BOLT", "quantity": "150", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    with pytest.raises(ValidationError, match="limit 1000.00 .* in force on 2026-02-10"):
        erp.confirm_sales_order(document=february)
    march = erp.create_sales_order(
        date="2026-03-10",
        customer="C1",
        delivery_date="2026-03-20",
        lines=[{"item": "BOLT", "quantity": "150", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=march)


def test_delivery_beyond_stock_is_refused_with_the_available_quantity(erp: Erp) -> None:
    setup_books(erp)
    erp.change_customer_credit(
        customer="C1", credit_level="A", credit_limit="99999.00", effective="2026-01-01"
    )
    order = erp.create_sales_order(
        date="2026-01-10",
        customer="C1",
        delivery_date="2026-01-20",
        lines=[{"item": "BOLT", "quantity": "200", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    with pytest.raises(ValidationError, match="BOLT in MAIN.*available 150, requested 200"):
        erp.deliver_sales_order(
            document=order, date="2026-01-20", lines=[{"line": 1, "quantity": "200"}]
        )


def test_unallocated_receipts_stay_as_customer_credit_and_can_be_allocated_later(
    erp: Erp,
) -> None:
    setup_books(erp)
    order = erp.create_sales_order(
        date="2026-01-10",
        customer="C1",
        delivery_date="2026-01-20",
        lines=[{"item": "BOLT", "quantity": "10", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    erp.deliver_sales_order(
        document=order, date="2026-01-20", lines=[{"line": 1, "quantity": "10"}]
    )
    invoice = erp.invoice_sales_order(document=order, date="2026-01-20").documents[0]
    receipt = erp.receive_customer_payment(
        customer="C1", date="2026-01-25", amount="150.00"
    ).documents[0]
    aging = erp.receivables_aging(dt.date(2026, 1, 31)).rows[0]
    assert (aging.not_due, aging.unallocated_credits, aging.balance) == (
        D("100.00"),
        D("150.00"),
        D("-50.00"),
    )
    with pytest.raises(ValidationError, match="has 100.00 open"):
        erp.allocate_customer_receipt(
            receipt=receipt,
            date="2026-01-26",
            allocations=[{"invoice": invoice, "amount": "120.00"}],
        )
    erp.allocate_customer_receipt(
        receipt=receipt, date="2026-01-26", allocations=[{"invoice": invoice, "amount": "100.00"}]
    )
    aging = erp.receivables_aging(dt.date(2026, 1, 31)).rows[0]
    assert (aging.not_due, aging.unallocated_credits) == (D("0.00"), D("50.00"))
    assert all(r.ok for r in erp.check())


def test_a_forecast_shows_its_backtest_error(erp: Erp, tmp_path: object) -> None:
    setup_books(erp)
    erp.receive_stock(
        date="2026-01-06",
        account="3100",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "1000", "unit_cost": "2.00"}],
    )
    erp.change_customer_credit(
        customer="C1", credit_level="A", credit_limit="99999.00", effective="2026-01-01"
    )
    for month, quantity in enumerate((10, 12, 14, 16, 18, 20, 22, 24), start=1):
        order = erp.create_sales_order(
            date=f"2026-{month:02d}-05",
            customer="C1",
            delivery_date=f"2026-{month:02d}-10",
            lines=[
                {"item": "BOLT", "quantity": str(quantity), "price": "10.00", "warehouse": "MAIN"}
            ],
        ).documents[0]
        erp.confirm_sales_order(document=order)
        erp.deliver_sales_order(
            document=order,
            date=f"2026-{month:02d}-10",
            lines=[{"line": 1, "quantity": str(quantity)}],
        )
    report = erp.sales_forecast("BOLT", 3)
    # a perfectly linear history: Holt's method continues the line, the backtest is exact
    assert [p.quantity for p in report.forecast] == [D("26.0"), D("28.0"), D("30.0")]
    assert report.holdout_months == 2 and report.mape_percent == D("0.0")
    from erp_core.sales.charts import plot_forecast

    path = f"{tmp_path}/bolt.png"
    plot_forecast(report, path)
    with open(path, "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
