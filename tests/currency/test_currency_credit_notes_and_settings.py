"""Returns and credit notes of foreign customers, and the exchange-difference accounts that
configure_currency accepts and refuses (hand-computed)."""

from __future__ import annotations

import pytest
from currency_book import D, all_checks_ok, balance, day, events, sell, setup_sales, voucher
from erp_core.projections.currency import document_aging

from erp_core import Erp
from erp_core.kernel.errors import UnknownAccount, ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    setup_sales(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    erp.set_exchange_rate(currency="JPY", date="2026-01-01", rate="0.0062")
    return erp


def test_currency_jpy_return_and_full_credit_note_undo_the_sale_exactly(books: Erp) -> None:
    invoice = sell(books, "TOKYO", "3", "333.5")  # JPY 1,001 at 0.0062 = EUR 6.21; cost 6.00
    assert balance(books, "1200") == D("6.21")
    so = next(e.order for e in events(books) if type(e).__name__ == "SalesInvoicePosted")
    books.return_sales_goods(
        document=so, date="2026-01-15", reason="wrong size", lines=[{"line": 1, "quantity": "3"}]
    )
    # the goods come back at the base cost they left with: nothing in yen
    assert balance(books, "5100") == D("0.00")
    assert balance(books, "1300") == D("200.00")
    note, *exchange = books.post_credit_note(
        invoice=invoice, date="2026-01-16", reason="returned", lines=[{"line": 1, "quantity": "3"}]
    ).documents
    assert exchange == []  # at the invoice's rate: no difference
    receivable = next(x for x in voucher(books, note).lines if x.account == "1200")
    assert (receivable.currency, receivable.amount, receivable.base) == (
        "JPY",
        D("-1001"),
        D("-6.21"),
    )
    assert balance(books, "1200") == D("0.00")
    assert balance(books, "4100") == D("0.00")
    assert books.query(document_aging, "receivables", day("2026-01-31")) == []
    all_checks_ok(books)


def test_currency_credit_note_on_a_kept_revaluation_releases_its_share(books: Erp) -> None:
    invoice = sell(books, "ACME", "100", "10.00")  # USD 1,000.00 at 0.90 = EUR 900.00
    books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"}, keep=True)  # +50.00
    # 10 nuts credited at the invoice's 0.90: EUR 90.00; they settle USD 100.00 of the item
    # carried at 0.95 (EUR 95.00): the 5.00 revalued on that part goes back
    note, exchange = books.post_credit_note(
        invoice=invoice, date="2026-02-02", reason="damaged", lines=[{"line": 1, "quantity": "10"}]
    ).documents
    assert {(x.account, x.base) for x in voucher(books, exchange).lines} == {
        ("1200", D("-5.00")),
        ("6800", D("5.00")),
    }
    assert balance(books, "1200") == D("855.00")  # USD 900.00 open at 0.95
    assert balance(books, "6800") == D("-45.00")
    all_checks_ok(books)
    assert note.startswith("CN-")


def test_currency_credit_note_on_a_paid_invoice_stays_a_usd_credit(books: Erp) -> None:
    invoice = sell(books, "ACME", "10", "10.00")  # USD 100.00 = EUR 90.00
    books.receive_customer_payment(
        customer="ACME",
        date="2026-01-20",
        amount="100.00",
        rate="0.90",
        allocations=[{"invoice": invoice, "amount": "100.00"}],
    )
    (note,) = books.post_credit_note(
        invoice=invoice, date="2026-01-25", reason="goodwill", lines=[{"line": 1, "quantity": "2"}]
    ).documents  # USD 20.00 = EUR 18.00, nothing open to settle
    (row,) = books.query(document_aging, "receivables", day("2026-01-31"))
    assert (row.currency, row.unallocated, row.balance, row.balance_base) == (
        "USD",
        D("20.00"),
        D("-20.00"),
        D("-18.00"),
    )
    assert balance(books, "1200") == D("-18.00")
    all_checks_ok(books)
    assert note.startswith("CN-")


def test_currency_configure_currency_posts_gains_and_losses_where_told(books: Erp) -> None:
    books.configure_currency(
        realised_gain_account="4900",
        realised_loss_account="6800",
        unrealised_gain_account="4900",
        unrealised_loss_account="6800",
    )
    invoice = sell(books, "ACME", "100", "10.00")  # EUR 900.00
    books.receive_customer_payment(
        customer="ACME",
        date="2026-02-05",
        amount="1000.00",
        rate="0.92",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    )
    assert balance(books, "4900") == D("-20.00")
    assert balance(books, "6800") == D("0.00")


@pytest.mark.parametrize(
    ("field", "account", "error", "words"),
    [
        ("realised_gain_account", "9999", UnknownAccount, "unknown account '9999'"),
        ("realised_loss_account", "6000", ValidationError, "is a group account"),
        ("unrealised_gain_account", "1120", ValidationError, "balance-sheet account"),
        ("unrealised_loss_account", "1200", ValidationError, "receivables control account"),
        ("realised_gain_account", "4910", ValidationError, "only takes USD, not EUR"),
        ("realised_loss_account", "6810", ValidationError, "is closed"),
    ],
)
def test_currency_configure_currency_refuses_accounts_that_cannot_take_differences(
    books: Erp, field: str, account: str, error: type[Exception], words: str
) -> None:
    books.open_account(code="4910", name="USD income", type="income", parent="4000", currency="USD")
    books.open_account(code="6810", name="Old FX", type="expense", parent="6000")
    books.close_account(code="6810")
    head = books.store.last_position()
    with pytest.raises(error) as err:
        books.configure_currency(**{field: account})
    assert getattr(err.value, "field", None) == field
    assert words in str(err.value)
    assert books.store.last_position() == head
