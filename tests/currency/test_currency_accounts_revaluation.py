"""Revaluing foreign-currency accounts (a USD bank account, a USD loan) at the period end,
and the reversal on the first day of the next period (hand-computed)."""

from __future__ import annotations

import pytest
from currency_book import D, all_checks_ok, balance, day, events, sell, setup_sales, voucher

from erp_core import Erp
from erp_core.kernel.errors import ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    erp.open_account(code="1125", name="Bank USD", type="asset", parent="1100", currency="USD")
    erp.open_account(code="2510", name="Loan USD", type="liability", parent="2000", currency="USD")
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    # USD 1,000.00 in at 0.90 (EUR 900.00); USD 400.00 out at 0.92 (EUR 368.00)
    erp.post_voucher(
        "2026-01-05",
        [
            {"account": "1125", "debit": "1000.00", "currency": "USD", "rate": "0.90"},
            {"account": "3100", "credit": "900.00"},
        ],
    )
    erp.post_voucher(
        "2026-01-20",
        [
            {"account": "6700", "debit": "368.00"},
            {"account": "1125", "credit": "400.00", "currency": "USD", "rate": "0.92"},
        ],
    )
    # a USD 1,000.00 loan received at 0.90 (EUR 900.00) into the EUR bank
    erp.post_voucher(
        "2026-01-06",
        [
            {"account": "1120", "debit": "900.00"},
            {"account": "2510", "credit": "1000.00", "currency": "USD", "rate": "0.90"},
        ],
    )
    return erp


def test_currency_usd_bank_and_loan_revalued_at_095_and_reversed_on_1_february(
    books: Erp,
) -> None:
    # bank: USD 600.00 booked EUR 532.00, at 0.95 EUR 570.00: a gain of 38.00
    # loan: USD -1,000.00 booked EUR -900.00, at 0.95 EUR -950.00: a loss of 50.00
    posted, reversal = books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"}).documents
    v = voucher(books, posted)
    assert (v.date, v.kind) == (day("2026-01-31"), "revaluation")
    assert sorted((x.account, x.currency, x.amount, x.base) for x in v.lines) == [
        ("1125", "USD", D("0.00"), D("38.00")),
        ("2510", "USD", D("0.00"), D("-50.00")),
        ("6800", "EUR", D("-38.00"), D("-38.00")),
        ("6800", "EUR", D("50.00"), D("50.00")),
    ]
    back = voucher(books, reversal)
    assert back.date == day("2026-02-01")
    assert sorted((x.account, x.base) for x in back.lines) == [
        ("1125", D("-38.00")),
        ("2510", D("50.00")),
        ("6800", D("-50.00")),
        ("6800", D("38.00")),
    ]
    jan = {r.account: r.debit - r.credit for r in books.trial_balance(day("2026-01-31")).rows}
    assert (jan["1125"], jan["2510"], jan["6800"]) == (D("570.00"), D("-950.00"), D("12.00"))
    assert balance(books, "1125") == D("532.00")  # after the reversal: as booked
    assert balance(books, "6800") == D("0.00")
    run = next(e for e in events(books) if type(e).__name__ == "OpenItemsRevalued")
    assert [
        (a.account, a.balance, a.booked, a.rate, a.revalued, a.difference) for a in run.accounts
    ] == [
        ("1125", D("600.00"), D("532.00"), D("0.95"), D("570.00"), D("38.00")),
        ("2510", D("-1000.00"), D("-900.00"), D("0.95"), D("-950.00"), D("-50.00")),
    ]
    assert run.items == ()
    all_checks_ok(books)


def test_currency_accounts_kept_then_revalued_again_book_only_the_difference(books: Erp) -> None:
    first = books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"}, keep=True)
    assert len(first.documents) == 1  # no reversal
    # February at 0.93: bank USD 600.00 carried at EUR 570.00 -> 558.00 (-12.00);
    # loan USD -1,000.00 carried at -950.00 -> -930.00 (+20.00)
    (second,) = books.revalue_open_items(
        date="2026-02-28", rates={"USD": "0.93"}, keep=True
    ).documents
    assert sorted((x.account, x.base) for x in voucher(books, second).lines) == [
        ("1125", D("-12.00")),
        ("2510", D("20.00")),
        ("6800", D("-20.00")),
        ("6800", D("12.00")),
    ]
    assert balance(books, "1125") == D("558.00")  # USD 600.00 x 0.93
    assert balance(books, "2510") == D("-930.00")  # USD -1,000.00 x 0.93
    all_checks_ok(books)


def test_currency_mid_period_revaluation_reverses_on_the_next_period_first_day(
    books: Erp,
) -> None:
    _, reversal = books.revalue_open_items(date="2026-01-15", rates={"USD": "0.95"}).documents
    assert voucher(books, reversal).date == day("2026-02-01")
    # a second run later in January sees the first one still in force: it books the rest
    # bank on 31 January: USD 600.00 carried at 532.00 + 47.50 (1,000.00 on the 15th at 0.95
    # = 950.00 against 900.00 booked); at 0.96: 576.00
    docs = books.revalue_open_items(date="2026-01-31", rates={"USD": "0.96"}).documents
    jan = {r.account: r.debit - r.credit for r in books.trial_balance(day("2026-01-31")).rows}
    assert jan["1125"] == D("576.00")
    assert jan["2510"] == D("-960.00")
    assert len(docs) == 2
    assert balance(books, "1125") == D("532.00")
    all_checks_ok(books)


def test_currency_revaluations_run_in_date_order_and_refuse_the_base_currency(
    books: Erp,
) -> None:
    books.revalue_open_items(date="2026-02-28", rates={"USD": "0.95"})
    head = books.store.last_position()
    with pytest.raises(ValidationError) as err:
        books.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"})
    assert err.value.field == "date"
    assert "date order" in str(err.value)
    with pytest.raises(ValidationError) as err:
        books.revalue_open_items(date="2026-03-31", rates={"EUR": "1.1"})
    assert err.value.field == "rates.EUR"
    assert books.store.last_position() == head


def test_currency_accounts_need_a_rate_only_when_they_hold_money(erp: Erp) -> None:
    erp.open_account(code="1126", name="Bank GBP", type="asset", parent="1100", currency="GBP")
    setup_sales(erp)
    erp.set_exchange_rate(currency="USD", date="2026-01-01", rate="0.90")
    sell(erp, "ACME", "10", "10.00", day="2026-01-10")
    # the empty GBP account needs no GBP rate
    assert len(erp.revalue_open_items(date="2026-01-31", rates={"USD": "0.95"}).documents) == 2
    erp.post_voucher(
        "2026-02-02",
        [
            {"account": "1126", "debit": "100.00", "currency": "GBP", "rate": "1.15"},
            {"account": "3100", "credit": "115.00"},
        ],
    )
    head = erp.store.last_position()
    with pytest.raises(ValidationError) as err:
        erp.revalue_open_items(date="2026-02-28", rates={"USD": "0.95"})
    assert err.value.field == "rates.GBP"
    assert erp.store.last_position() == head


def test_currency_cli_revalue_keep_prints_the_accounts_and_posts_no_reversal(
    books: Erp,
) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    url = books.url.raw
    books.close()
    result = CliRunner().invoke(
        cli, ["--db", url, "fx", "revalue", "--as-of", "2026-01-31", "--rate", "USD=0.95", "--keep"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "account", "1125", "USD", "600.00", "x", "0.95", "=", "570.00,", "booked", "532.00,",
        "difference", "38.00",
    ]  # fmt: skip
    assert lines[1].split()[:2] == ["account", "2510"]
    assert lines[-1] == "Revalued 0 open item(s) and 2 account(s) on 2026-01-31: FX-2026-000001."
    bad = CliRunner().invoke(
        cli, ["--db", url, "fx", "revalue", "--as-of", "2026-02-28", "--rate", "USD"]
    )
    assert bad.exit_code == 2
    assert "write CUR=RATE" in bad.output
