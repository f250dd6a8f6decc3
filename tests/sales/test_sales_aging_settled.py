"""The receivables aging skips items settled in full by its date (issue 9): told as a story
with hand-computed figures, as of dates before, between and after the allocations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.projections.schema import customer_credits, sales_invoices
from sqlalchemy import select

from erp_core import Erp

D = Decimal


def invoice_648(erp: Erp) -> str:
    """60 bolts at 10.00 less 10%, 20% tax: net 540.00, tax 108.00, total 648.00, invoiced on
    21 January with 30 days' terms, so due on 20 February."""
    erp.register_item(code="BOLT", name="Bolt", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.configure_sales(credit_approvers=["carol"])
    erp.register_customer(
        code="C1", name="Cust One", credit_level="B", credit_limit="1000.00", payment_terms_days=30
    )
    erp.receive_stock(
        date="2026-01-05",
        account="3100",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "100", "unit_cost": "2.00"}],
    )
    order = erp.create_sales_order(
        date="2026-01-10",
        customer="C1",
        delivery_date="2026-01-20",
        lines=[
            {
                "item": "BOLT",
                "quantity": "60",
                "price": "10.00",
                "discount": "0.1",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    erp.deliver_sales_order(
        document=order, date="2026-01-20", lines=[{"line": 1, "quantity": "60"}]
    )
    return erp.invoice_sales_order(document=order, date="2026-01-21").documents[0]


def figures(erp: Erp, day: str) -> dict[str, Decimal] | None:
    aging = erp.receivables_aging(dt.date.fromisoformat(day))
    if not aging.rows:
        return None
    (row,) = aging.rows
    return {
        "not_due": row.not_due,
        "days_1_30": row.days_1_30,
        "credits": row.unallocated_credits,
        "balance": row.balance,
    }


def test_an_invoice_paid_in_two_receipts_ages_by_what_was_allocated_by_each_date(
    erp: Erp,
) -> None:
    invoice = invoice_648(erp)
    # 1. 400.00 on 10 February, all of it to the invoice: 248.00 left, not yet due.
    erp.receive_customer_payment(
        customer="C1",
        date="2026-02-10",
        amount="400.00",
        allocations=[{"invoice": invoice, "amount": "400.00"}],
    )
    # 2. 300.00 on 5 March, 248.00 of it to the invoice: the invoice is settled, and 52.00 of
    #    the receipt stays as the customer's credit.
    erp.receive_customer_payment(
        customer="C1",
        date="2026-03-05",
        amount="300.00",
        allocations=[{"invoice": invoice, "amount": "248.00"}],
    )
    zero = D("0.00")
    # before any receipt: all 648.00 open and not due
    assert figures(erp, "2026-02-01") == {
        "not_due": D("648.00"),
        "days_1_30": zero,
        "credits": zero,
        "balance": D("648.00"),
    }
    # between the receipts, 4 days past the due date: 648.00 - 400.00 = 248.00 overdue
    assert figures(erp, "2026-02-24") == {
        "not_due": zero,
        "days_1_30": D("248.00"),
        "credits": zero,
        "balance": D("248.00"),
    }
    # after both: nothing open on the invoice, 300.00 - 248.00 = 52.00 of credit
    assert figures(erp, "2026-03-10") == {
        "not_due": zero,
        "days_1_30": zero,
        "credits": D("52.00"),
        "balance": D("-52.00"),
    }
    # what the skip reads: all allocations and the latest date, per invoice and per receipt
    with erp.reader.connect() as conn:
        settled = conn.execute(
            select(sales_invoices.c.allocated_minor, sales_invoices.c.last_allocated)
        ).one()
        credits = sorted(
            conn.execute(
                select(
                    customer_credits.c.amount_minor,
                    customer_credits.c.allocated_minor,
                    customer_credits.c.last_allocated,
                )
            ).all()
        )
    assert tuple(settled) == (64800, dt.date(2026, 3, 5))
    assert [tuple(c) for c in credits] == [
        (30000, 24800, dt.date(2026, 3, 5)),
        (40000, 40000, dt.date(2026, 2, 10)),
    ]
    # a rebuild of the receivables gives the same columns and the same aging
    erp.rebuild(["receivables"])
    assert figures(erp, "2026-02-24") == {
        "not_due": zero,
        "days_1_30": D("248.00"),
        "credits": zero,
        "balance": D("248.00"),
    }
    assert figures(erp, "2026-03-10") == {
        "not_due": zero,
        "days_1_30": zero,
        "credits": D("52.00"),
        "balance": D("-52.00"),
    }


def test_an_unpaid_invoice_stays_open_at_every_date(erp: Erp) -> None:
    invoice_648(erp)
    # no allocation at all: nothing to skip, the whole 648.00 ages (81 days overdue at 12 May)
    aging = erp.receivables_aging(dt.date(2026, 5, 12))
    assert [(r.customer, r.days_61_90, r.balance) for r in aging.rows] == [
        ("C1", D("648.00"), D("648.00"))
    ]
