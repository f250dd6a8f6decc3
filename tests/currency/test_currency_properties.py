"""Hypothesis: random purchase-to-pay and order-to-cash histories in USD and JPY with random
rates. Every voucher balances in base (and in its currency when it has one); every open item
settles to exactly zero in its currency and in base; the sub-ledgers equal their control
accounts; a rebuild equals the live projections."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal

from conftest import make_clock
from currency_book import setup_purchasing, setup_sales, vouchers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp
from erp_core.kernel.money import quantum

rates = st.integers(min_value=1, max_value=30000).map(lambda n: Decimal(n).scaleb(-4))
jpy_rates = st.integers(min_value=1, max_value=200).map(lambda n: Decimal(n).scaleb(-4))
# a document: quantity, unit price in cents (or yen), rate at each step, payment parts
deal = st.tuples(
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["USD", "JPY"]),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=99999),
    st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=3),  # part weights
    st.data(),
)


def rate_for(currency: str, data: st.DataObject) -> str:
    return str(data.draw(rates if currency == "USD" else jpy_rates))


def money(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-2) if currency == "USD" else Decimal(units)


def split(total: Decimal, weights: list[int], currency: str) -> list[Decimal]:
    parts = [
        (total * w / sum(weights)).quantize(quantum(currency), rounding="ROUND_DOWN")
        for w in weights[:-1]
    ]
    return [p for p in [*parts, total - sum(parts, Decimal(0))] if p > 0]


def run_deal(erp: Erp, n: int, deal: tuple[object, ...], revalue: bool) -> None:
    kind, currency, quantity, units, weights, data = deal
    assert isinstance(data, st.DataObject) and isinstance(currency, str)
    assert isinstance(quantity, int) and isinstance(units, int) and isinstance(weights, list)
    price = str(money(units, currency))
    day = dt.date(2026, 1, 1) + dt.timedelta(days=3 * n)
    later = day + dt.timedelta(days=1)
    if kind == "buy":
        supplier = "YANK" if currency == "USD" else "NIPPON"
        po = erp.create_purchase_order(
            date=day,
            supplier=supplier,
            expected_delivery=later,
            rate=rate_for(currency, data),
            lines=[
                {"item": "BOLT", "quantity": str(quantity), "price": price, "warehouse": "MAIN"}
            ],
        ).documents[0]
        erp.receive_purchase_order(
            document=po,
            date=day,
            rate=rate_for(currency, data),
            lines=[{"line": 1, "accepted": str(quantity)}],
        )
        invoice = erp.post_supplier_invoice(
            supplier=supplier,
            supplier_reference=f"R{n}",
            date=day,
            rate=rate_for(currency, data),
            lines=[{"order": po, "line": 1, "quantity": str(quantity), "price": price}],
        ).documents[0]
        total = money(quantity * units, currency)
        if revalue:
            erp.revalue_open_items(date=day, rates={currency: rate_for(currency, data)})
        for part in split(total, weights, currency):
            erp.pay_supplier(
                supplier=supplier,
                date=later,
                amount=str(part),
                rate=rate_for(currency, data),
                allocations=[{"invoice": invoice, "amount": str(part)}],
            )
    else:
        customer = "ACME" if currency == "USD" else "TOKYO"
        order = erp.create_sales_order(
            date=day,
            customer=customer,
            delivery_date=day,
            rate=rate_for(currency, data),
            lines=[{"item": "NUT", "quantity": str(quantity), "price": price, "warehouse": "SHOP"}],
        ).documents[0]
        erp.confirm_sales_order(document=order)
        erp.deliver_sales_order(
            document=order, date=day, lines=[{"line": 1, "quantity": str(quantity)}]
        )
        invoice = erp.invoice_sales_order(
            document=order, date=day, rate=rate_for(currency, data)
        ).documents[0]
        total = money(quantity * units, currency)
        if data.draw(st.booleans()):
            erp.post_credit_note(
                invoice=invoice, date=day, reason="test", lines=[{"line": 1, "quantity": "1"}]
            )
            total -= money(units, currency)
        if revalue:
            erp.revalue_open_items(date=day, rates={currency: rate_for(currency, data)})
        for part in split(total, weights, currency):
            erp.receive_customer_payment(
                customer=customer,
                date=later,
                amount=str(part),
                rate=rate_for(currency, data),
                allocations=[{"invoice": invoice, "amount": str(part)}],
            )


def state(erp: Erp, end: dt.date) -> tuple[object, ...]:
    from erp_core.projections.currency import foreign_aging

    return (
        erp.trial_balance(),
        erp.payables_aging(end),
        erp.receivables_aging(end),
        erp.query(foreign_aging, end),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    deals=st.lists(deal, min_size=1, max_size=5),
    revalue=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_currency_histories_balance_settle_and_reconcile(
    deals: list[tuple[object, ...]], revalue: list[bool]
) -> None:
    with tempfile.TemporaryDirectory(prefix="erp-fx-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/books.sqlite", actor="tester", clock=make_clock())
        try:
            erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
            setup_sales(erp)
            setup_purchasing(erp)
            erp.receive_stock(
                date="2026-01-01",
                account="3100",
                lines=[
                    {"item": "NUT", "warehouse": "SHOP", "quantity": "1000", "unit_cost": "1.00"}
                ],
            )
            for n, d in enumerate(deals):
                run_deal(erp, n, d, revalue[n])
            for v in vouchers(erp):
                assert sum((x.base for x in v.lines), Decimal(0)) == 0, v.document
                currencies = {x.currency for x in v.lines}
                if len(currencies) == 1:
                    assert sum((x.amount for x in v.lines), Decimal(0)) == 0, v.document
            # every item settled: the control accounts are zero in base and in each currency
            control: dict[tuple[str, str], list[Decimal]] = {}
            for v in vouchers(erp):
                for x in v.lines:
                    if x.account in ("2100", "1200"):
                        sums = control.setdefault((x.account, x.currency), [Decimal(0)] * 2)
                        sums[0] += x.amount
                        sums[1] += x.base
            assert all(a == 0 and b == 0 for a, b in control.values()), control
            assert [r.message for r in erp.check() if not r.ok] == []
            end = dt.date(2026, 12, 31)
            live = (erp.trial_balance(), erp.payables_aging(end), erp.receivables_aging(end))
            erp.rebuild()
            assert (
                erp.trial_balance(),
                erp.payables_aging(end),
                erp.receivables_aging(end),
            ) == live
        finally:
            erp.close()
