"""Revaluing open items at the period end: posted on the date, reversed the next day, so
that settlement realises the whole difference against the booked rate (hand-computed)."""

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


def test_currency_open_usd_500_at_090_revalued_at_095_gains_25_reversed_on_1_april(
    books: Erp,
) -> None:
    invoice = sell(books, "ACME", "50", "10.00", day="2026-03-10")  # USD 500.00 = EUR 450.00
    books.set_exchange_rate(currency="USD", date="2026-03-31", rate="0.95")
    revaluation, reversal = books.revalue_open_items(date="2026-03-31").documents
    posted = voucher(books, revaluation)
    assert (posted.date.isoformat(), posted.kind) == ("2026-03-31", "revaluation")
    assert {(x.account, x.currency, x.amount, x.base) for x in posted.lines} == {
        ("1200", "USD", D("0.00"), D("25.00")),
        ("6800", "EUR", D("-25.00"), D("-25.00")),
    }
    back = voucher(books, reversal)
    assert back.date.isoformat() == "2026-04-01"
    assert {(x.account, x.base) for x in back.lines} == {
        ("1200", D("-25.00")),
        ("6800", D("25.00")),
    }
    run = next(e for e in events(books) if type(e).__name__ == "OpenItemsRevalued")
    (item,) = run.items
    assert (item.invoice, item.open_amount, item.booked, item.rate, item.revalued) == (
        invoice,
        D("500.00"),
        D("450.00"),
        D("0.95"),
        D("475.00"),
    )
    all_checks_ok(books)
    # paid at 0.93 in April: the realised gain is the whole 15.00 against the booked 0.90
    books.receive_customer_payment(
        customer="ACME",
        date="2026-04-10",
        amount="500.00",
        rate="0.93",
        allocations=[{"invoice": invoice, "amount": "500.00"}],
    )
    assert balance(books, "6800") == D("-15.00")
    assert balance(books, "1200") == D("0.00")
    all_checks_ok(books)


def test_currency_revaluation_of_a_partly_paid_payable(books: Erp) -> None:
    po = order(books, "YANK", "100", "10.00")
    books.receive_purchase_order(
        document=po, date="2026-01-10", lines=[{"line": 1, "accepted": "100"}]
    )
    invoice = books.post_supplier_invoice(
        supplier="YANK",
        supplier_reference="Y-9",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "100", "price": "10.00"}],
    ).documents[0]  # USD 1,000.00 = EUR 900.00
    books.pay_supplier(
        supplier="YANK",
        date="2026-01-20",
        amount="400.00",
        rate="0.91",
        allocations=[{"invoice": invoice, "amount": "400.00"}],
    )  # settles EUR 360.00, paid 364.00: realised loss 4.00
    # USD 600.00 open, booked EUR 540.00; at 0.95 it is EUR 570.00: unrealised loss 30.00
    books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"})
    assert balance(books, "6800") == D("4.00")  # revaluation and reversal net out over time
    jan = books.trial_balance(as_of=day("2026-01-31"))
    assert sum(r.debit - r.credit for r in jan.rows if r.account == "6800") == D("34.00")
    assert sum(r.debit - r.credit for r in jan.rows if r.account == "2100") == D("-570.00")
    all_checks_ok(books)


def test_currency_revaluation_is_once_per_date_and_needs_the_next_day_open(books: Erp) -> None:
    sell(books, "ACME", "1", "10.00", day="2026-03-10")
    books.revalue_open_items(date="2026-03-31", rates={"USD": "0.95"})
    head = books.store.last_position()
    with pytest.raises(ValidationError) as err:
        books.revalue_open_items(date="2026-03-31", rates={"USD": "0.96"})
    assert err.value.field == "date"
    with pytest.raises(ValidationError):
        books.revalue_open_items(date="2026-12-31", rates={"USD": "0.95"})  # 2027 is not open
    with pytest.raises(ValidationError) as err:
        books.revalue_open_items(date="2026-04-30", rates={"USD": "0"})
    assert err.value.field == "rates.USD"
    assert books.store.last_position() == head


def test_currency_cli_revalue_prints_the_workings(books: Erp, sqlite_url: str) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    sell(books, "ACME", "50", "10.00", day="2026-03-10")
    books.set_exchange_rate(currency="USD", date="2026-03-31", rate="0.95")
    books.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", sqlite_url, "fx", "revalue", "--as-of", "2026-03-31"])
    assert result.exit_code == 0, result.output
    words = result.output.split()
    assert words[:10] == [
        "receivables",
        "ACME",
        "SI-2026-000001",
        "USD",
        "500.00",
        "x",
        "0.95",
        "=",
        "475.00,",
        "booked",
    ]
    assert "difference 25.00" in result.output
    assert "Revalued 1 open item(s) on 2026-03-31: FX-2026-000001, FX-2026-000002." in result.output
    rates = runner.invoke(cli, ["--db", sqlite_url, "report", "rates", "--format", "csv"])
    assert rates.output.splitlines() == [
        "currency,date,rate,source",
        "USD,2026-01-01,0.90,",
        "USD,2026-03-31,0.95,",
    ]
