"""The cash-flow statement of a small company, computed by hand from its year's facts and
checked line by line by both methods; unclassified accounts are named, never plugged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from assets_books import capitalise, setup_books
from click.testing import CliRunner

from erp_core import Erp
from erp_core.assets.cash_flow_report import cash_flow
from erp_core.cli import cli

D = Decimal
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def pay(erp: Erp, date: str, debit: str, credit: str, amount: str, memo: str) -> None:
    erp.post_voucher(
        date,
        [{"account": debit, "debit": amount}, {"account": credit, "credit": amount}],
        memo=memo,
    )


@pytest.fixture
def company(erp: Erp) -> Erp:
    """The year's facts (EUR):
    share capital 50,000 and a loan of 20,000 paid in; equipment A (24,000, 48 months, no
    residual: 500 a month) and B (6,000, 60 months: 100 a month) bought for cash on 10 January;
    cash sales 30,000; rent 6,000 and interest 800 paid; 1,200 prepaid; utilities of 300
    accrued; B sold for 5,800 on 15 July after six months' depreciation (carrying 5,400: gain
    400); 5,000 of the loan repaid."""
    setup_books(erp)
    pay(erp, "2026-01-02", "1120", "3100", "50000.00", "Share capital")
    pay(erp, "2026-01-05", "1120", "2500", "20000.00", "Loan drawn")
    capitalise(
        erp,
        name="A",
        date="2026-01-10",
        available_for_use="2026-01-10",
        cost="24000.00",
        residual_value="0.00",
    )
    capitalise(
        erp,
        name="B",
        date="2026-01-10",
        available_for_use="2026-01-10",
        cost="6000.00",
        residual_value="0.00",
        useful_life_months=60,
    )
    pay(erp, "2026-03-31", "1120", "4100", "30000.00", "Cash sales")
    pay(erp, "2026-04-01", "6200", "1120", "6000.00", "Rent")
    pay(erp, "2026-05-01", "1500", "1120", "1200.00", "Prepaid insurance")
    pay(erp, "2026-06-30", "6300", "2300", "300.00", "Utilities accrued")
    pay(erp, "2026-06-30", "6600", "1120", "800.00", "Interest paid")
    erp.depreciate_assets(month="2026-06")
    erp.dispose_asset(
        asset="FA-000002", date="2026-07-15", proceeds="5800.00", proceeds_account="1120"
    )
    pay(erp, "2026-12-01", "2500", "1120", "5000.00", "Loan repaid")
    erp.depreciate_assets(month="2026-12")
    return erp


def lines(report: object) -> dict[str, list[tuple[str, Decimal]]]:
    return {
        s.name: [(x.label, x.amount) for x in s.lines]
        for s in report.sections  # type: ignore[attr-defined]
    }


def test_indirect_method_line_by_line(company: Erp) -> None:
    report = company.query(cash_flow, *YEAR, "indirect")
    assert report.ok, report.problems
    # profit: 30,000 - 6,000 - 300 - 800 - depreciation 6,600 + gain 400 = 16,700
    assert lines(report) == {
        "operating": [
            ("Profit for the period", D("16700.00")),
            ("Add back Depreciation", D("6600.00")),
            ("Less gain on disposal (Gain on disposal of assets)", D("-400.00")),
            ("Increase in Prepayments", D("-1200.00")),
            ("Increase in Accrued liabilities", D("300.00")),
        ],
        "investing": [
            ("Purchase of long-term assets", D("-30000.00")),
            ("Proceeds from disposal of long-term assets", D("5800.00")),
        ],
        "financing": [
            ("Increase in Loans", D("15000.00")),
            ("Increase in Share capital", D("50000.00")),
        ],
    }
    assert [s.total for s in report.sections] == [D("22000.00"), D("-24200.00"), D("65000.00")]
    assert (report.opening_cash, report.net_change, report.closing_cash) == (
        D("0.00"),
        D("62800.00"),
        D("62800.00"),
    )


def test_direct_method_line_by_line(company: Erp) -> None:
    report = company.query(cash_flow, *YEAR, "direct")
    assert report.ok, report.problems
    assert lines(report) == {
        "operating": [
            ("Prepayments: paid", D("-1200.00")),
            ("Sales revenue: received", D("30000.00")),
            ("Rent: paid", D("-6000.00")),
            ("Bank charges: paid", D("-800.00")),
        ],
        "investing": [
            ("Equipment: paid", D("-30000.00")),
            ("Equipment: received", D("5800.00")),
        ],
        "financing": [
            ("Loans: paid", D("-5000.00")),
            ("Loans: received", D("20000.00")),
            ("Share capital: received", D("50000.00")),
        ],
    }
    assert [s.total for s in report.sections] == [D("22000.00"), D("-24200.00"), D("65000.00")]
    assert report.net_change == report.closing_cash - report.opening_cash == D("62800.00")


def test_second_half_opens_with_the_first_halfs_cash(company: Erp) -> None:
    first = company.query(cash_flow, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    second = company.query(cash_flow, dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert first.ok and second.ok
    assert second.opening_cash == first.closing_cash
    assert first.net_change + second.net_change == D("62800.00")
    # second half: profit 400 - 3,000 depreciation = -2,600; add back 3,000; less gain 400
    assert [s.total for s in second.sections] == [D("0.00"), D("5800.00"), D("-5000.00")]


def test_an_untagged_account_is_named_not_plugged(company: Erp) -> None:
    company.open_account(code="1550", name="Deposits", type="asset", parent="1100")
    pay(company, "2026-12-15", "1550", "1120", "1000.00", "Deposit paid")
    for method in ("indirect", "direct"):
        report = company.query(cash_flow, *YEAR, method)
        assert not report.ok
        assert report.sections == []
        assert any(p.startswith("1550:") and "no cash-flow tag" in p for p in report.problems)
    company.tag_cash_flow_account(account="1550", tag="operating_working_capital")
    report = company.query(cash_flow, *YEAR, "indirect")
    assert report.ok
    assert ("Increase in Deposits", D("-1000.00")) in lines(report)["operating"]
    assert report.net_change == D("61800.00")


def test_tags_are_checked(company: Erp) -> None:
    from erp_core.kernel.errors import ValidationError

    with pytest.raises(ValidationError, match="balance-sheet accounts"):
        company.tag_cash_flow_account(account="6200", tag="cash")
    with pytest.raises(ValidationError, match="income and expense accounts"):
        company.tag_cash_flow_account(account="1500", tag="profit")


def test_cli_formats_and_exit_status(company: Erp, sqlite_url: str) -> None:
    company.close()
    runner = CliRunner()
    base = ["--db", sqlite_url, "report", "cash-flow", "--from", "2026-01-01", "--to", "2026-12-31"]
    out = runner.invoke(cli, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["net_change"] == "62800.00" and data["ok"] is True
    out = runner.invoke(cli, [*base, "--method", "direct", "--format", "csv"])
    assert out.exit_code == 0
    assert "financing,Share capital: received,50000.00" in out.output
    out = runner.invoke(cli, base)
    assert "Net change in cash" in out.output
    runner.invoke(
        cli,
        [
            "--db",
            sqlite_url,
            "do",
            "open_account",
            "code=1550",
            "name=Deposits",
            "type=asset",
            "parent=1100",
        ],
    )
    runner.invoke(
        cli,
        [
            "--db",
            sqlite_url,
            "do",
            "post_voucher",
            "date=2026-12-15",
            'lines=[{"account": "1550", "debit": "1"}, {"account": "1120", "credit": "1"}]',
        ],
    )
    out = runner.invoke(cli, base)
    assert out.exit_code == 1
    assert "1550" in (out.output + (out.stderr if out.stderr_bytes else ""))


def test_previous_period() -> None:
    from erp_core.assets.cli import previous_period

    assert previous_period(dt.date(2026, 7, 1), dt.date(2026, 12, 31)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
    )
    assert previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert previous_period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert previous_period(dt.date(2026, 3, 10), dt.date(2026, 3, 19)) == (
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 9),
    )


def test_comparative_columns(company: Erp, sqlite_url: str) -> None:
    company.close()
    runner = CliRunner()
    args = ["--db", sqlite_url, "report", "cash-flow", "--from", "2026-07-01", "--to", "2026-12-31"]
    out = runner.invoke(cli, [*args, "--compare", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = out.output.splitlines()
    assert rows[0] == "section,line,amount,previous"
    # second half: loss of 2,600 (depreciation 3,000, gain 400); first half: profit 19,300
    assert "operating,Profit for the period,-2600.00,19300.00" in rows
    assert "financing,Loans: paid,-5000.00," not in rows  # indirect: one line per account
    assert ",Opening cash,62000.00,0.00" in rows
    assert ",Closing cash,62800.00,62000.00" in rows
    data = json.loads(runner.invoke(cli, [*args, "--compare", "--format", "json"]).output)
    assert data["previous"]["net_change"] == "62000.00"
    assert data["current"]["net_change"] == "800.00"
