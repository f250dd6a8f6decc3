"""Hypothesis: one foreign invoice (bought or sold) settled over several months by partial
payments at random rates, with month-end revaluations at random rates, reversed or kept.
However the rates move, the open item settles to exactly zero in its currency and in base,
the realised and unrealised differences add up to the whole rate effect (what was paid in
base less what the invoice, or for a purchase the receipt, booked), and the FX report says
the same."""

from __future__ import annotations

import calendar
import datetime as dt
import tempfile
from decimal import Decimal

from conftest import make_clock
from currency_book import setup_purchasing, setup_sales, vouchers
from erp_core.projections.currency import fx_differences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp

rates = st.integers(min_value=5000, max_value=15000).map(lambda n: str(Decimal(n).scaleb(-4)))
step = st.tuples(
    st.sampled_from(["revalue", "pay"]),
    rates,
    st.booleans(),  # keep the revaluation
    st.integers(min_value=1, max_value=60),  # percent of what is open to pay
)


def month_end(month: int) -> dt.date:
    return dt.date(2026, month, calendar.monthrange(2026, month)[1])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    side=st.sampled_from(["buy", "sell"]),
    cents=st.integers(min_value=1, max_value=5_000_000),
    first=rates,
    steps=st.lists(step, min_size=1, max_size=6),
    last=rates,
)
def test_currency_realised_plus_unrealised_is_the_whole_rate_effect(
    side: str, cents: int, first: str, steps: list[tuple[str, str, bool, int]], last: str
) -> None:
    D = Decimal
    total = D(cents).scaleb(-2)
    with tempfile.TemporaryDirectory(prefix="erp-fx-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/books.sqlite", actor="tester", clock=make_clock())
        try:
            erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
            setup_sales(erp)
            setup_purchasing(erp)
            erp.receive_stock(
                date="2026-01-01",
                account="3100",
                lines=[{"item": "NUT", "warehouse": "SHOP", "quantity": "1", "unit_cost": "1.00"}],
            )
            if side == "sell":
                order = erp.create_sales_order(
                    date="2026-01-05",
                    customer="ACME",
                    delivery_date="2026-01-05",
                    rate=first,
                    lines=[
                        {"item": "NUT", "quantity": "1", "price": str(total), "warehouse": "SHOP"}
                    ],
                ).documents[0]
                erp.confirm_sales_order(document=order)
                erp.deliver_sales_order(
                    document=order, date="2026-01-05", lines=[{"line": 1, "quantity": "1"}]
                )
                invoice = erp.invoice_sales_order(document=order, date="2026-01-05", rate=first)
                booked = sum((x.base for x in vouchers(erp)[-1].lines if x.account == "1200"), D(0))
            else:
                po = erp.create_purchase_order(
                    date="2026-01-05",
                    supplier="YANK",
                    expected_delivery="2026-01-05",
                    rate=first,
                    lines=[
                        {"item": "BOLT", "quantity": "1", "price": str(total), "warehouse": "MAIN"}
                    ],
                ).documents[0]
                erp.receive_purchase_order(
                    document=po, date="2026-01-05", rate=first, lines=[{"line": 1, "accepted": "1"}]
                )
                booked = -sum(
                    (x.base for x in vouchers(erp)[-1].lines if x.account == "2150"), D(0)
                )
                invoice = erp.post_supplier_invoice(
                    supplier="YANK",
                    supplier_reference="R1",
                    date="2026-01-06",
                    rate=steps[0][1],  # the rate may move between receipt and invoice
                    lines=[{"order": po, "line": 1, "quantity": "1", "price": str(total)}],
                )
            number = invoice.documents[0]
            open_amount, paid_base = total, D(0)

            def pay(amount: Decimal, rate: str, day: dt.date) -> None:
                nonlocal open_amount, paid_base
                allocation = [{"invoice": number, "amount": str(amount)}]
                if side == "sell":
                    docs = erp.receive_customer_payment(
                        customer="ACME",
                        date=day,
                        amount=str(amount),
                        rate=rate,
                        allocations=allocation,
                    ).documents
                else:
                    docs = erp.pay_supplier(
                        supplier="YANK",
                        date=day,
                        amount=str(amount),
                        rate=rate,
                        allocations=allocation,
                    ).documents
                bank = [x for v in vouchers(erp) if v.document == docs[0] for x in v.lines]
                paid_base += abs(sum((x.base for x in bank if x.account == "1120"), D(0)))
                open_amount -= amount

            for month, (kind, rate, keep, percent) in enumerate(steps, start=2):
                if kind == "revalue":
                    erp.revalue_open_items(date=month_end(month), rates={"USD": rate}, keep=keep)
                else:
                    part = (open_amount * percent / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
                    if 0 < part < open_amount:
                        pay(part, rate, dt.date(2026, month, 15))
            pay(open_amount, last, dt.date(2026, 9, 15))

            # settled exactly, in USD and in base
            control = "1200" if side == "sell" else "2100"
            lines = [x for v in vouchers(erp) for x in v.lines if x.account == control]
            assert sum((x.amount for x in lines if x.currency == "USD"), D(0)) == 0
            assert sum((x.base for x in lines), D(0)) == 0
            # the whole rate effect is in the exchange account: a sale gains what was paid
            # over what was booked, a purchase loses it
            fx = sum((x.base for v in vouchers(erp) for x in v.lines if x.account == "6800"), D(0))
            effect = paid_base - booked
            assert fx == (-effect if side == "sell" else effect)
            rows = erp.query(fx_differences, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
            assert sum((r.gain for r in rows), D(0)) == -fx
            assert [r.message for r in erp.check() if not r.ok] == []
        finally:
            erp.close()
