"""Selling to a USD and a JPY customer: receivables in both currencies, deliveries at base
cost, realised differences on receipts and credit notes (hand-computed)."""

from __future__ import annotations

import pytest
from currency_book import D, all_checks_ok, balance, day, sell, setup_sales, voucher

from erp_core import Erp
from erp_core.kernel.errors import ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_sales(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    erp.set_exchange_rate(currency="JPY", date="2026-01-01", rate="0.0062")
    return erp


def test_currency_usd_1000_invoiced_at_090_paid_at_092_realises_a_gain_of_20(books: Erp) -> None:
    # 100 nuts at USD 10.00 = USD 1,000.00 at 0.90 = EUR 900.00; cost EUR 200.00 (base)
    invoice = sell(books, "ACME", "100", "10.00")
    assert balance(books, "1200") == D("900.00")
    assert balance(books, "4100") == D("-900.00")
    assert balance(books, "5100") == D("200.00")
    books.set_exchange_rate(currency="USD", date="2026-02-01", rate="0.92")
    docs = books.receive_customer_payment(
        customer="ACME",
        date="2026-02-05",
        amount="1000.00",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    ).documents
    assert len(docs) == 2
    assert balance(books, "1120") == D("920.00")
    assert balance(books, "1200") == D("0.00")
    assert balance(books, "6800") == D("-20.00")  # a realised gain of exactly EUR 20.00
    fx = voucher(books, docs[1])
    assert {(x.account, x.currency, x.amount, x.base) for x in fx.lines} == {
        ("1200", "USD", D("0.00"), D("20.00")),
        ("6800", "EUR", D("-20.00"), D("-20.00")),
    }
    all_checks_ok(books)


def test_currency_partial_receipts_and_a_credit_note_settle_to_zero(books: Erp) -> None:
    invoice = sell(books, "ACME", "100", "10.00")  # USD 1,000.00 = EUR 900.00
    # USD 333.33 at 0.91: settles EUR 300.00 (333.33 x 0.90 = 299.997), receipt EUR 303.33
    books.receive_customer_payment(
        customer="ACME",
        date="2026-02-05",
        amount="333.33",
        rate="0.91",
        allocations=[{"invoice": invoice, "amount": "333.33"}],
    )
    assert balance(books, "6800") == D("-3.33")
    # credit 10 nuts (USD 100.00) at the invoice's rate: EUR 90.00, no difference
    books.post_credit_note(
        invoice=invoice, date="2026-02-06", reason="damaged", lines=[{"line": 1, "quantity": "10"}]
    )
    assert balance(books, "6800") == D("-3.33")
    # the rest, USD 566.67 at 0.88: settles EUR 510.00 (900 - 300 - 90), receipt 498.67
    books.receive_customer_payment(
        customer="ACME",
        date="2026-02-07",
        amount="566.67",
        rate="0.88",
        allocations=[{"invoice": invoice, "amount": "566.67"}],
    )
    assert balance(books, "1200") == D("0.00")
    assert balance(books, "6800") == D("-3.33") + D("11.33")
    assert balance(books, "1120") == D("303.33") + D("498.67")
    aging = books.receivables_aging(day("2026-03-01"))
    assert [(r.customer, r.unallocated_credits, r.balance) for r in aging.rows] in (
        [],
        [("ACME", D("0.00"), D("0.00"))],
    )
    all_checks_ok(books)


def test_currency_jpy_customer_is_billed_in_whole_yen(books: Erp) -> None:
    # 3 nuts at JPY 333.5 would be 1000.5: yen have no minor unit, so it rounds to 1001
    invoice = sell(books, "TOKYO", "3", "333.5")
    inv = voucher(books, invoice)
    receivable = next(x for x in inv.lines if x.account == "1200")
    assert (receivable.currency, receivable.amount, receivable.base) == (
        "JPY",
        D("1001"),
        D("6.21"),  # 1001 x 0.0062 = 6.2062
    )
    with pytest.raises(ValidationError) as err:
        books.receive_customer_payment(customer="TOKYO", date="2026-01-20", amount="1000.50")
    assert err.value.field == "amount"
    books.receive_customer_payment(
        customer="TOKYO",
        date="2026-01-20",
        amount="1001",
        rate="0.0061",
        allocations=[{"invoice": invoice, "amount": "1001"}],
    )
    assert balance(books, "1200") == D("0.00")
    assert balance(books, "6800") == D("0.10")  # received 6.11 for 6.21: a loss
    all_checks_ok(books)


def test_currency_allocation_across_currencies_is_refused(books: Erp) -> None:
    usd_invoice = sell(books, "ACME", "1", "10.00")
    head = books.store.last_position()
    with pytest.raises(ValidationError):
        books.receive_customer_payment(
            customer="TOKYO",
            date="2026-01-20",
            amount="1000",
            allocations=[{"invoice": usd_invoice, "amount": "10"}],
        )
    assert books.store.last_position() == head


def test_currency_credit_exposure_is_kept_in_base(books: Erp) -> None:
    books.change_customer_credit(
        customer="ACME", credit_level="C", credit_limit="500.00", effective="2026-01-01"
    )
    order = books.create_sales_order(
        date="2026-01-10",
        customer="ACME",
        delivery_date="2026-01-12",
        lines=[{"item": "NUT", "quantity": "60", "price": "10.00", "warehouse": "SHOP"}],
    ).documents[0]
    # USD 600.00 at 0.90 = EUR 540.00, over the EUR 500.00 limit
    with pytest.raises(ValidationError) as err:
        books.confirm_sales_order(document=order)
    assert err.value.field == "credit"
