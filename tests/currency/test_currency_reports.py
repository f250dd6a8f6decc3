"""The sub-ledgers in the document currency (ledger and aging, base alongside), the FX report
of realised and unrealised differences per period, and `erp check` per currency
(hand-computed)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from currency_book import D, all_checks_ok, day, sell, setup_sales
from erp_core.projections.currency import (
    document_aging,
    fx_differences,
    fx_summary,
    party_ledger,
)

from erp_core import Erp
from erp_core.cli import cli


@pytest.fixture
def books(erp: Erp) -> Erp:
    return build(erp)


def build(erp: Erp) -> Erp:
    setup_sales(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    # USD 1,000.00 at 0.90 = EUR 900.00, due 9 February
    invoice = sell(erp, "ACME", "100", "10.00", day="2026-01-10")
    # USD 400.00 at 0.92 = 368.00 settles 360.00: a realised gain of 8.00
    erp.receive_customer_payment(
        customer="ACME",
        date="2026-02-05",
        amount="400.00",
        rate="0.92",
        allocations=[{"invoice": invoice, "amount": "400.00"}],
    )
    # 10 nuts credited: USD 100.00 at the invoice's 0.90 = 90.00
    erp.post_credit_note(
        invoice=invoice, date="2026-02-06", reason="damaged", lines=[{"line": 1, "quantity": "10"}]
    )
    # USD 50.00 at 0.93 = 46.50, not allocated
    erp.receive_customer_payment(customer="ACME", date="2026-02-07", amount="50.00", rate="0.93")
    # USD 500.00 open, booked 450.00; at 0.95 475.00: +25.00, reversed on 1 March
    erp.revalue_open_items(date="2026-02-28", rates={"USD": "0.95"})
    return erp


def test_currency_customer_ledger_in_usd_with_base_alongside(books: Erp) -> None:
    rows = books.query(party_ledger, "receivables", "ACME")
    assert [
        (r.date.isoformat(), r.kind, r.currency, r.amount, r.balance, r.base_amount, r.base_balance)
        for r in rows
    ] == [
        (
            "2026-01-10",
            "sales_invoice",
            "USD",
            D("1000.00"),
            D("1000.00"),
            D("900.00"),
            D("900.00"),
        ),
        (
            "2026-02-05",
            "customer_receipt",
            "USD",
            D("-400.00"),
            D("600.00"),
            D("-368.00"),
            D("532.00"),
        ),
        (
            "2026-02-05",
            "exchange_difference",
            "USD",
            D("0.00"),
            D("600.00"),
            D("8.00"),
            D("540.00"),
        ),
        ("2026-02-06", "credit_note", "USD", D("-100.00"), D("500.00"), D("-90.00"), D("450.00")),
        (
            "2026-02-07",
            "customer_receipt",
            "USD",
            D("-50.00"),
            D("450.00"),
            D("-46.50"),
            D("403.50"),
        ),
        ("2026-02-28", "revaluation", "USD", D("0.00"), D("450.00"), D("25.00"), D("428.50")),
        ("2026-03-01", "revaluation", "USD", D("0.00"), D("450.00"), D("-25.00"), D("403.50")),
    ]


def test_currency_receivables_aging_in_usd_and_in_base_agree_with_the_control_account(
    books: Erp,
) -> None:
    (row,) = books.query(document_aging, "receivables", day("2026-02-28"))
    assert (row.party, row.currency, row.days_1_30, row.unallocated, row.balance) == (
        "ACME",
        "USD",
        D("500.00"),
        D("50.00"),
        D("450.00"),
    )
    # in base: the open item as the control account carries it on the 28th (475.00, revalued)
    # less the unallocated receipt (46.50)
    assert row.balance_base == D("428.50")
    (base_row,) = books.receivables_aging(day("2026-02-28")).rows
    assert (base_row.days_1_30, base_row.unallocated_credits, base_row.balance) == (
        D("475.00"),
        D("46.50"),
        D("428.50"),
    )
    feb = {r.account: r.debit - r.credit for r in books.trial_balance(day("2026-02-28")).rows}
    assert feb["1200"] == D("428.50")
    # after the reversal the item is back at its booked 450.00
    (march,) = books.query(document_aging, "receivables", day("2026-03-01"))
    assert (march.balance, march.balance_base) == (D("450.00"), D("403.50"))


def test_currency_fx_report_per_document_and_per_currency(books: Erp) -> None:
    rows = books.query(fx_differences, day("2026-02-01"), day("2026-03-31"))
    assert [(r.date.isoformat(), r.kind, r.party, r.currency, r.item, r.gain) for r in rows] == [
        ("2026-02-05", "realised", "ACME", "USD", "SI-2026-000001", D("8.00")),
        ("2026-02-28", "unrealised", "ACME", "USD", "SI-2026-000001", D("25.00")),
        ("2026-03-01", "reversal", "ACME", "USD", "SI-2026-000001", D("-25.00")),
    ]
    (usd,) = fx_summary(rows, "currency", "EUR")
    assert (usd.key, usd.realised, usd.unrealised, usd.total) == (
        "USD",
        D("8.00"),
        D("0.00"),
        D("8.00"),
    )
    february = books.query(fx_differences, day("2026-02-01"), day("2026-02-28"))
    (acme,) = fx_summary(february, "party", "EUR")
    assert (acme.realised, acme.unrealised, acme.total) == (D("8.00"), D("25.00"), D("33.00"))
    # the report adds up to what the exchange account moved in the period
    tb = books.trial_balance(day("2026-02-28")).rows
    assert -sum((r.debit - r.credit for r in tb if r.account == "6800"), D(0)) == D("33.00")


def test_currency_check_compares_usd_items_with_the_control_accounts_usd_balance(
    books: Erp,
) -> None:
    results = {r.name: r for r in books.check()}
    usd = results["accounts receivable in USD"]
    assert (usd.ok, usd.expected, usd.actual) == (True, D("450.00"), D("450.00"))
    assert "vouchers balance per currency" not in results  # listed only when one does not
    all_checks_ok(books)
    # a sub-ledger row lost: the USD check names the difference
    from erp_core.projections.currency import foreign_payments
    from sqlalchemy import delete

    with books.reader.engine.begin() as conn:
        conn.execute(
            delete(foreign_payments).where(foreign_payments.c.document == "RC-2026-000002")
        )
    bad = {r.name: r for r in books.check()}["accounts receivable in USD"]
    assert not bad.ok
    assert (bad.expected, bad.actual) == (D("500.00"), D("450.00"))
    assert "differ by -50.00" in bad.message


def test_currency_check_finds_a_voucher_that_does_not_balance(books: Erp) -> None:
    from erp_core.projections.schema import gl_lines
    from sqlalchemy import update

    with books.reader.engine.begin() as conn:
        conn.execute(
            update(gl_lines)
            .where((gl_lines.c.document == "CN-2026-000001") & (gl_lines.c.line_no == 1))
            .values(base_minor=gl_lines.c.base_minor + 1)
        )
    bad = {r.name: r for r in books.check()}["vouchers balance per currency"]
    assert not bad.ok
    assert "CN-2026-000001" in bad.message


def test_currency_cli_reports_in_the_document_currency(books: Erp) -> None:
    url = books.url.raw
    books.close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", url, "report", *args])
        assert result.exit_code == 0, result.output
        return result.output

    ledger = run("customer-ledger", "ACME", "--currency", "document", "--format", "csv")
    assert ledger.splitlines()[0] == (
        "date,document,kind,memo,currency,amount,balance,base_amount,base_balance"
    )
    assert ledger.splitlines()[-1].endswith(",USD,0.00,450.00,-25.00,403.50")
    aging = run(
        "receivables-aging", "--as-of", "2026-02-28", "--currency", "document", "--format", "csv"
    )
    assert aging.splitlines() == [
        "party,name,currency,not_due,days_1_30,days_31_60,days_61_90,over_90,unallocated,"
        "balance,balance_base",
        "ACME,Customer ACME,USD,0.00,500.00,0.00,0.00,0.00,50.00,450.00,428.50",
    ]
    fx = run("fx", "--period", "2026-02", "--by", "document", "--format", "csv")
    assert fx.splitlines() == [
        "key,realised,unrealised,total",
        "SI-2026-000001,8.00,25.00,33.00",
    ]
    unknown = runner.invoke(
        cli, ["--db", url, "report", "customer-ledger", "NOPE", "--currency", "document"]
    )
    assert unknown.exit_code != 0
    assert "unknown customer 'NOPE'" in unknown.output


def test_currency_reports_and_checks_agree_on_sqlite_and_postgresql(any_erp: Erp) -> None:
    build(any_erp)
    any_erp.revalue_open_items(date="2026-03-31", rates={"USD": "0.97"}, keep=True)
    (row,) = any_erp.query(document_aging, "receivables", day("2026-03-31"))
    # USD 500.00 open at 0.97 = 485.00, less the unallocated USD 50.00 at 0.93 (46.50)
    assert (row.balance, row.balance_base) == (D("450.00"), D("438.50"))
    assert any_erp.query(party_ledger, "receivables", "ACME")[-1].base_balance == D("438.50")
    rows = any_erp.query(fx_differences, day("2026-01-01"), day("2026-12-31"))
    assert sum((r.gain for r in rows), D(0)) == D("8.00") + D("35.00")
    all_checks_ok(any_erp)


def test_currency_a_book_from_before_replays_its_currency_projection(sqlite_url: str) -> None:
    from conftest import open_company
    from sqlalchemy import create_engine, text

    erp = build(open_company(sqlite_url))
    erp.close()
    # as the book was before migration currency_0002: no foreign payments, no account workings
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE foreign_payments"))
        conn.execute(text("DROP TABLE revaluation_accounts"))
        conn.execute(
            text(
                "UPDATE erp_schema_version SET version_num = 'currency_0001' "
                "WHERE version_num = 'currency_0002'"
            )
        )
    engine.dispose()
    erp = Erp.open(sqlite_url, actor="tester")
    try:
        (row,) = erp.query(document_aging, "receivables", day("2026-02-28"))
        assert (row.unallocated, row.balance, row.balance_base) == (
            D("50.00"),
            D("450.00"),
            D("428.50"),
        )
        all_checks_ok(erp)
    finally:
        erp.close()
