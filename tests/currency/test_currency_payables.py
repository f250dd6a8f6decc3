"""Buying from a USD supplier: rates from the table, GRNI at the receipt's base value, the
payable in USD and EUR, and the realised difference on settlement (hand-computed)."""

from __future__ import annotations

import pytest
from currency_book import D, all_checks_ok, balance, day, events, order, setup_purchasing, voucher

from erp_core import Erp
from erp_core.kernel.errors import ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_purchasing(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.92", source="ECB")
    return erp


def buy_1000_usd(erp: Erp) -> tuple[str, str]:
    """Order and receive 100 bolts at USD 10.00 (rate 0.92), invoice them (rate 0.92)."""
    po = order(erp, "YANK", "100", "10.00")
    erp.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "100"}]
    )
    invoice = erp.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-1",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.00"}],
    ).documents[0]
    return po, invoice


def test_currency_usd_invoice_at_092_paid_at_095_books_a_realised_loss_of_30(books: Erp) -> None:
    _, invoice = buy_1000_usd(books)
    # stock and GRNI at the receipt's rate: USD 1,000.00 x 0.92 = EUR 920.00
    assert balance(books, "1300") == D("920.00")
    assert balance(books, "2150") == D("0.00")
    pi = voucher(books, invoice)
    payable = next(x for x in pi.lines if x.account == "2100")
    assert (payable.currency, payable.amount, payable.base) == ("USD", D("-1000.00"), D("-920.00"))
    assert payable.rate == D("0.92")
    books.set_exchange_rate(currency="USD", date="2026-02-01", rate="0.95")
    result = books.pay_supplier(
        supplier="YANK",
        date="2026-02-03",
        amount="1000.00",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    )
    payment, exchange = result.documents
    assert balance(books, "1120") == D("-950.00")
    # paid EUR 950.00 for a debt booked at EUR 920.00: a realised loss of exactly EUR 30.00
    assert balance(books, "6800") == D("30.00")
    assert balance(books, "2100") == D("0.00")
    fx = voucher(books, exchange)
    assert fx.kind == "exchange_difference"
    assert sum((x.base for x in fx.lines), D(0)) == 0
    assert {(x.account, x.currency, x.amount, x.base) for x in fx.lines} == {
        ("2100", "USD", D("0.00"), D("-30.00")),
        ("6800", "EUR", D("30.00"), D("30.00")),
    }
    # the payment took the table's rate: USD on the payable, EUR 950.00 out of the bank
    py = voucher(books, payment)
    assert {(x.account, x.currency, x.rate) for x in py.lines} == {
        ("2100", "USD", D("0.95")),
        ("1120", "EUR", None),
    }
    posted = next(e for e in events(books) if type(e).__name__ == "SupplierPaymentPosted")
    assert (posted.rate, posted.rate_date, posted.base_amount) == (
        D("0.95"),
        day("2026-02-01"),
        D("950.00"),
    )
    all_checks_ok(books)


def test_currency_partial_payments_split_the_difference_and_settle_to_zero(books: Erp) -> None:
    _, invoice = buy_1000_usd(books)
    # USD 300.00 at 0.95: settles EUR 276.00 of the invoice, paid EUR 285.00 -> loss 9.00
    books.pay_supplier(
        supplier="YANK",
        date="2026-02-03",
        amount="300.00",
        rate="0.95",
        allocations=[{"invoice": invoice, "amount": "300.00"}],
    )
    assert balance(books, "6800") == D("9.00")
    # USD 700.00 at 0.90: settles the remaining EUR 644.00, paid EUR 630.00 -> gain 14.00
    books.pay_supplier(
        supplier="YANK",
        date="2026-02-10",
        amount="700.00",
        rate="0.90",
        allocations=[{"invoice": invoice, "amount": "700.00"}],
    )
    assert balance(books, "6800") == D("-5.00")
    assert balance(books, "2100") == D("0.00")
    assert balance(books, "1120") == D("-915.00")
    all_checks_ok(books)


def test_currency_unallocated_payment_allocated_later_realises_then(books: Erp) -> None:
    _, invoice = buy_1000_usd(books)
    payment = books.pay_supplier(
        supplier="YANK", date="2026-02-03", amount="1000.00", rate="0.91"
    ).documents[0]
    assert balance(books, "6800") == D("0.00")
    result = books.allocate_supplier_payment(
        payment=payment,
        date="2026-02-04",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    )
    assert len(result.documents) == 1
    assert balance(books, "6800") == D("-10.00")  # gain: paid 910.00 for 920.00
    assert balance(books, "2100") == D("0.00")
    all_checks_ok(books)


def test_currency_rate_change_between_receipt_and_invoice(books: Erp) -> None:
    po = order(books, "YANK", "100", "10.00")
    books.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "100"}]
    )
    books.set_exchange_rate(currency="USD", date="2026-01-11", rate="0.93")
    # billed at USD 10.50 at 0.93: payable EUR 976.50; GRNI cleared at 920.00 (receipt);
    # price difference USD 50.00 x 0.93 = 46.50 to 5200; rate difference 10.00 to 6800
    books.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-2",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.50"}],
    )
    assert balance(books, "2150") == D("0.00")
    assert balance(books, "5200") == D("46.50")
    assert balance(books, "6800") == D("10.00")
    assert balance(books, "2100") == D("-976.50")
    all_checks_ok(books)


def test_currency_jpy_supplier_has_no_minor_units(books: Erp) -> None:
    books.set_exchange_rate(currency="JPY", date="2026-01-01", rate="0.0061")
    po = order(books, "NIPPON", "3", "1001")
    books.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "3"}]
    )
    invoice = books.post_supplier_invoice(
        supplier="NIPPON",
        supplier_reference="N-1",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "3", "price": "1001"}],
    ).documents[0]
    assert balance(books, "1300") == D("18.32")  # JPY 3,003 x 0.0061 = 18.3183
    with pytest.raises(ValidationError) as err:
        books.pay_supplier(supplier="NIPPON", date="2026-01-20", amount="3003.5")
    assert err.value.field == "amount"
    books.pay_supplier(
        supplier="NIPPON",
        date="2026-01-20",
        amount="3003",
        rate="0.0062",
        allocations=[{"invoice": invoice, "amount": "3003"}],
    )
    assert balance(books, "2100") == D("0.00")
    assert balance(books, "6800") == D("0.30")  # 18.62 paid for 18.32
    all_checks_ok(books)


def test_currency_no_rate_for_the_date_is_refused_and_changes_nothing(erp: Erp) -> None:
    setup_purchasing(erp)
    erp.set_exchange_rate(currency="USD", date="2026-03-01", rate="0.92")
    head = erp.store.last_position()
    with pytest.raises(ValidationError) as err:
        order(erp, "YANK", "1", "10.00")
    assert err.value.field == "rate"
    assert "no USD rate on or before 2026-01-05" in str(err.value)
    assert erp.store.last_position() == head


@pytest.mark.parametrize("rate", ["0", "-0.5", "0.00000000001"])
def test_currency_bad_rates_are_refused(books: Erp, rate: str) -> None:
    head = books.store.last_position()
    with pytest.raises(ValidationError) as err:
        books.set_exchange_rate(currency="USD", date="2026-01-02", rate=rate)
    assert err.value.field == "rate"
    with pytest.raises(ValidationError):
        order(books, "YANK", "1", "10.00", rate=rate)
    assert books.store.last_position() == head


def test_currency_base_supplier_takes_no_rate(books: Erp) -> None:
    books.register_supplier(code="HOME", name="Home Supplies")
    with pytest.raises(ValidationError) as err:
        order(books, "HOME", "1", "10.00", rate="1.1")
    assert err.value.field == "rate"


def test_currency_rebuild_equals_live(books: Erp) -> None:
    from erp_core.projections.currency import foreign_aging

    _, invoice = buy_1000_usd(books)
    books.pay_supplier(
        supplier="YANK",
        date="2026-02-03",
        amount="400.00",
        rate="0.95",
        allocations=[{"invoice": invoice, "amount": "400.00"}],
    )
    # USD 600.00 open, in base EUR 552.00 at the invoice's 0.92; due 30 days after 12 Jan
    (row,) = books.query(foreign_aging, day("2026-03-01"))
    assert (row.ledger, row.party, row.currency, row.days_1_30, row.total, row.total_base) == (
        "payables",
        "YANK",
        "USD",
        D("600.00"),
        D("600.00"),
        D("552.00"),
    )
    (before_pay,) = books.query(foreign_aging, day("2026-01-31"))
    assert (before_pay.not_due, before_pay.total_base) == (D("1000.00"), D("920.00"))
    aging = books.payables_aging(day("2026-03-01"))
    assert [(r.supplier, r.balance) for r in aging.rows] == [("YANK", D("552.00"))]

    def state() -> tuple[object, ...]:
        end = day("2026-03-01")
        return (books.trial_balance(), books.payables_aging(end), books.query(foreign_aging, end))

    before = state()
    books.rebuild()
    assert state() == before
    all_checks_ok(books)
