"""One payment split over several foreign invoices: each allocation realises its own
difference, and the last part of the payment takes exactly what is left of its base amount
(hand-computed)."""

from __future__ import annotations

import pytest
from currency_book import D, all_checks_ok, balance, events, sell, setup_sales, voucher

from erp_core import Erp


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_sales(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    return erp


def test_currency_one_receipt_over_two_invoices_realises_a_gain_and_a_loss(books: Erp) -> None:
    first = sell(books, "ACME", "10", "10.00", day="2026-01-10")  # USD 100.00 at 0.90 = 90.00
    books.set_exchange_rate(currency="USD", date="2026-01-15", rate="0.95")
    second = sell(books, "ACME", "20", "10.00", day="2026-01-15")  # USD 200.00 at 0.95 = 190.00
    # USD 300.00 at 0.92 = 276.00: 92.00 for the first (+2.00), the rest 184.00 for the second
    # (-6.00 against 190.00)
    docs = books.receive_customer_payment(
        customer="ACME",
        date="2026-02-01",
        amount="300.00",
        rate="0.92",
        allocations=[
            {"invoice": first, "amount": "100.00"},
            {"invoice": second, "amount": "200.00"},
        ],
    ).documents
    assert sorted((x.account, x.memo, x.base) for x in voucher(books, docs[1]).lines) == [
        ("1200", first, D("2.00")),
        ("1200", second, D("-6.00")),
        ("6800", f"realised exchange gain {first}", D("-2.00")),
        ("6800", f"realised exchange loss {second}", D("6.00")),
    ]
    booked = next(e for e in events(books) if type(e).__name__ == "ExchangeDifferenceBooked")
    assert booked.items == {first: D("2.00"), second: D("-6.00")}
    assert balance(books, "1200") == D("0.00")
    assert balance(books, "6800") == D("4.00")
    all_checks_ok(books)


def test_currency_the_last_part_of_a_receipt_takes_its_rounding(books: Erp) -> None:
    a = sell(books, "ACME", "1", "0.50")  # USD 0.50 at 0.90 = 0.45
    b = sell(books, "ACME", "1", "0.50")
    # USD 1.00 at 0.905 = 0.905, 0.91 rounded half up; the halves would be 0.4525 = 0.45 each:
    # the second takes the rest, 0.46, and realises 0.01
    docs = books.receive_customer_payment(
        customer="ACME",
        date="2026-02-01",
        amount="1.00",
        rate="0.905",
        allocations=[{"invoice": a, "amount": "0.50"}, {"invoice": b, "amount": "0.50"}],
    ).documents
    allocated = [e for e in events(books) if type(e).__name__ == "CustomerReceiptAllocated"]
    assert sorted({(e.invoice, e.base_settled, e.base_paid) for e in allocated}) == [
        (a, D("0.45"), D("0.45")),
        (b, D("0.45"), D("0.46")),
    ]
    assert {(x.account, x.base) for x in voucher(books, docs[1]).lines} == {
        ("1200", D("0.01")),
        ("6800", D("-0.01")),
    }
    assert balance(books, "1200") == D("0.00")
    all_checks_ok(books)
