"""Kept revaluations: not reversed, the next run books only the difference, and settlement
realises only what the rate did since the last kept run (hand-computed); against the default,
which reverses on the first day of the next period. Both end with the same total effect."""

from __future__ import annotations

import pytest
from currency_book import (
    D,
    all_checks_ok,
    balance,
    day,
    events,
    order,
    sell,
    setup_purchasing,
    setup_sales,
    voucher,
)

from erp_core import Erp
from erp_core.kernel.errors import ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_sales(erp)
    setup_purchasing(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    return erp


def pay(books: Erp, invoice: str, amount: str, rate: str, date: str) -> list[str]:
    return books.receive_customer_payment(
        customer="ACME",
        date=date,
        amount=amount,
        rate=rate,
        allocations=[{"invoice": invoice, "amount": amount}],
    ).documents


@pytest.mark.parametrize("keep", [True, False])
def test_currency_usd_500_kept_or_reversed_ends_with_the_same_total_gain(
    books: Erp, keep: bool
) -> None:
    invoice = sell(books, "ACME", "50", "10.00", day="2026-03-10")  # USD 500.00 = EUR 450.00
    march = books.revalue_open_items(date="2026-03-31", rates={"USD": "0.95"}, keep=keep)
    april = books.revalue_open_items(date="2026-04-30", rates={"USD": "0.97"}, keep=keep)
    run = [e for e in events(books) if type(e).__name__ == "OpenItemsRevalued"]
    if keep:
        # March: +25.00 kept; April: carried at 475.00, at 0.97 485.00: only +10.00 more
        assert len(march.documents) == len(april.documents) == 1
        assert [(r.items[0].booked, r.items[0].difference) for r in run] == [
            (D("450.00"), D("25.00")),
            (D("475.00"), D("10.00")),
        ]
        assert [r.kept for r in run] == [True, True]
        assert run[0].reversal_date is None
    else:
        # each run against the booked 450.00, and reversed on the 1st of the next month
        assert [(r.items[0].booked, r.items[0].difference) for r in run] == [
            (D("450.00"), D("25.00")),
            (D("450.00"), D("35.00")),
        ]
        assert [r.reversal_date for r in run] == [day("2026-04-01"), day("2026-05-01")]
        assert voucher(books, march.documents[1]).date == day("2026-04-01")
    april_end = {r.account: r.debit - r.credit for r in books.trial_balance(day("2026-04-30")).rows}
    assert april_end["1200"] == D("485.00")  # USD 500.00 at 0.97, either way
    # paid at 0.93 on 10 May: EUR 465.00
    docs = pay(books, invoice, "500.00", "0.93", "2026-05-10")
    realised = voucher(books, docs[1])
    gain = -sum((x.base for x in realised.lines if x.account == "6800"), D(0))
    # kept: 465.00 against the carried 485.00, a realised loss of 20.00
    # reversed: 465.00 against the booked 450.00, a realised gain of 15.00
    assert gain == (D("-20.00") if keep else D("15.00"))
    # in total the rate moved from 0.90 to 0.93 on USD 500.00: a gain of EUR 15.00
    assert balance(books, "6800") == D("-15.00")
    assert balance(books, "1200") == D("0.00")
    all_checks_ok(books)


def test_currency_kept_item_partly_paid_settles_its_carrying_amount_exactly(books: Erp) -> None:
    invoice = sell(books, "ACME", "100", "10.00", day="2026-03-10")  # USD 1,000.00 = 900.00
    books.revalue_open_items(date="2026-03-31", rates={"USD": "0.95"}, keep=True)  # +50.00
    # USD 400.00 at 0.96 = 384.00 settles 400.00 x 0.95 = 380.00 of the carried 950.00
    docs = pay(books, invoice, "400.00", "0.96", "2026-04-10")
    assert {(x.account, x.base) for x in voucher(books, docs[1]).lines} == {
        ("1200", D("4.00")),
        ("6800", D("-4.00")),
    }
    # USD 600.00 at 0.94 = 564.00 settles the rest, 570.00: a loss of 6.00
    docs = pay(books, invoice, "600.00", "0.94", "2026-04-20")
    assert {(x.account, x.base) for x in voucher(books, docs[1]).lines} == {
        ("1200", D("-6.00")),
        ("6800", D("6.00")),
    }
    assert balance(books, "1200") == D("0.00")
    # 50.00 unrealised + 4.00 - 6.00 realised = 948.00 received - 900.00 booked
    assert balance(books, "6800") == D("-48.00")
    all_checks_ok(books)


def test_currency_kept_payable_with_the_policy_set_by_configure_currency(books: Erp) -> None:
    books.configure_currency(keep_revaluation=True)
    po = order(books, "YANK", "100", "10.00")
    books.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "100"}]
    )
    invoice = books.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-1",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.00"}],
    ).documents[0]  # USD 1,000.00 = EUR 900.00 owed
    # at 0.95 we owe EUR 950.00: an unrealised loss of 50.00, kept
    (doc,) = books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"}).documents
    assert {(x.account, x.base) for x in voucher(books, doc).lines} == {
        ("2100", D("-50.00")),
        ("6800", D("50.00")),
    }
    # paid at 0.93 (EUR 930.00) against the carried 950.00: a realised gain of 20.00
    books.pay_supplier(
        supplier="YANK",
        date="2026-02-05",
        amount="1000.00",
        rate="0.93",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    )
    assert balance(books, "2100") == D("0.00")
    assert balance(books, "6800") == D("30.00")  # paid 930.00 for 900.00 booked
    all_checks_ok(books)
    # an explicit --reverse overrides the policy
    sell(books, "ACME", "1", "10.00", day="2026-02-10")
    assert (
        len(
            books.revalue_open_items(date="2026-02-28", rates={"USD": "0.95"}, keep=False).documents
        )
        == 2
    )


def test_currency_no_allocation_before_a_kept_revaluation(books: Erp) -> None:
    invoice = sell(books, "ACME", "10", "10.00", day="2026-03-10")
    books.revalue_open_items(date="2026-03-31", rates={"USD": "0.95"}, keep=True)
    head = books.store.last_position()
    with pytest.raises(ValidationError) as err:
        pay(books, invoice, "100.00", "0.93", "2026-03-20")
    assert err.value.field == "allocations[0].invoice"
    assert "revalued on 2026-03-31" in str(err.value)
    assert books.store.last_position() == head


def test_currency_two_parts_of_one_invoice_in_one_action_settle_it_exactly(books: Erp) -> None:
    # USD 1.00 at 0.905 is EUR 0.91 (half up); two halves of EUR 0.4525 each would round to
    # 0.45 + 0.45: the second takes the rest, 0.46, so the item is zero in both currencies
    invoice = books.invoice_sales_order(
        document=_delivered_order(books, "1", "1.00", "0.905"), date="2026-01-10", rate="0.905"
    ).documents[0]
    docs = books.receive_customer_payment(
        customer="ACME",
        date="2026-01-20",
        amount="1.00",
        rate="0.905",
        allocations=[
            {"invoice": invoice, "amount": "0.50"},
            {"invoice": invoice, "amount": "0.50"},
        ],
    ).documents
    assert docs == [docs[0]]  # no exchange difference: same rate, exact halves of the rest
    allocated = [e for e in events(books) if type(e).__name__ == "CustomerReceiptAllocated"]
    assert sorted({(e.base_settled, e.base_paid) for e in allocated}) == [
        (D("0.45"), D("0.45")),
        (D("0.46"), D("0.46")),
    ]
    assert balance(books, "1200") == D("0.00")
    all_checks_ok(books)


def _delivered_order(books: Erp, quantity: str, price: str, rate: str) -> str:
    so = books.create_sales_order(
        date="2026-01-10",
        customer="ACME",
        delivery_date="2026-01-10",
        rate=rate,
        lines=[{"item": "NUT", "quantity": quantity, "price": price, "warehouse": "SHOP"}],
    ).documents[0]
    books.confirm_sales_order(document=so)
    books.deliver_sales_order(
        document=so, date="2026-01-10", lines=[{"line": 1, "quantity": quantity}]
    )
    return so
