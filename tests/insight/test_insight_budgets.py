"""Budgets entered as events, budget against actual, and the multi-period statements
(``--by month|quarter``, ``--compare previous|previous-year|budget``), computed by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError as PydanticError

from erp_core.api import Erp
from erp_core.cli import cli as main
from erp_core.insight.variance import budget_variance, read_budget
from erp_core.kernel.errors import ErpError, ValidationError
from erp_core.ledger.comparative import (
    Column,
    balance_sheets,
    compared,
    income_statements,
    split,
)


def _voucher(erp: Erp, day: str, lines: list[tuple[str, str, str | None]]) -> None:
    """(account, signed amount: + debit, - credit, cost centre)."""
    out = []
    for account, amount, cc in lines:
        d = Decimal(amount)
        line: dict[str, Any] = {"account": account}
        line["debit" if d > 0 else "credit"] = str(abs(d))
        if cc:
            line["dimensions"] = {"cost_centre": cc}
        out.append(line)
    erp.post_voucher(date=day, memo="t", lines=out)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = f"sqlite:///{tmp_path_factory.mktemp('budgets') / 'b.sqlite'}"
    erp = Erp.open(url, actor="admin")
    erp.init("Budget Co", "EUR", dt.date(2025, 1, 1))
    erp.open_fiscal_year(year=2026)
    for code, name in (("HQ", "Head office"), ("SHOP", "Shop")):
        erp.add_dimension_value(dimension="cost_centre", code=code, name=name)
    # 2025-03: service revenue 800 (a year before)
    _voucher(erp, "2025-03-10", [("1120", "800", None), ("4200", "-800", None)])
    # 2026-01: sales 1000, rent 300 at HQ
    # 2026-02: sales 1200, rent 300 at HQ, 100 at SHOP
    # 2026-03: sales 900, rent 300 at HQ
    for day, sales in (("2026-01-15", "1000"), ("2026-02-15", "1200"), ("2026-03-15", "900")):
        _voucher(erp, day, [("1120", sales, None), ("4100", "-" + sales, None)])
        _voucher(erp, day, [("6200", "300", "HQ"), ("1120", "-300", None)])
    _voucher(erp, "2026-02-20", [("6200", "100", "SHOP"), ("1120", "-100", None)])
    erp.set_budget(
        lines=[
            {"account": "4100", "month": m, "amount": "1000.00"}
            for m in ("2026-01", "2026-02", "2026-03")
        ]
        + [
            {"account": "6200", "cost_centre": "HQ", "month": m, "amount": "300"}
            for m in ("2026-01", "2026-02", "2026-03")
        ]
        + [{"account": "6300", "month": "2026-02", "amount": "50"}]
    )
    # a revision: March sales budget raised to 1100 (the figure in force is the latest)
    erp.set_budget(lines=[{"account": "4100", "month": "2026-03", "amount": "1100"}])
    erp.set_budget(
        budget="stretch", lines=[{"account": "4100", "month": "2026-01", "amount": "2000"}]
    )
    yield erp, url
    erp.close()


def test_a_revised_figure_replaces_the_earlier_one_and_the_log_keeps_both(book: Any) -> None:
    erp, _ = book
    figures = erp.query(read_budget, "main")
    assert figures[("4100", None, "2026-03")] == Decimal("1100")
    assert figures[("6200", "HQ", "2026-02")] == Decimal("300")
    assert len(figures) == 7
    assert erp.query(read_budget, "nothing") == {}


def test_budget_variance_over_a_quarter_by_hand(book: Any) -> None:
    erp, _ = book
    rep = erp.query(budget_variance, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    rows = {r.account: r for r in rep.rows}
    assert set(rows) == {"4100", "6200", "6300"}
    sales, rent, utilities = rows["4100"], rows["6200"], rows["6300"]
    # sales: actual 1000 + 1200 + 900 = 3100, budget 1000 + 1000 + 1100 = 3100
    assert (sales.actual, sales.budget, sales.variance, sales.variance_pct) == (
        Decimal("3100.00"),
        Decimal("3100.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    # rent: actual 300 x 3 + 100 = 1000 against 900: 100 over, 11.11 %, unfavourable
    assert (rent.actual, rent.budget, rent.variance) == (
        Decimal("1000.00"),
        Decimal("900"),
        Decimal("100.00"),
    )
    assert rent.variance_pct == Decimal("11.11") and not rent.favourable
    # utilities: budgeted 50, nothing spent: favourable
    assert (utilities.actual, utilities.variance, utilities.favourable) == (
        Decimal(0),
        Decimal(-50),
        True,
    )
    assert (rep.profit_actual, rep.profit_budget) == (Decimal("2100.00"), Decimal("2150.00"))


def test_budget_variance_by_cost_centre(book: Any) -> None:
    erp, _ = book
    rep = erp.query(budget_variance, dt.date(2026, 2, 1), dt.date(2026, 2, 28), "main", True)
    rent = {r.cost_centre: (r.actual, r.budget) for r in rep.rows if r.account == "6200"}
    assert rent == {
        "HQ": (Decimal("300.00"), Decimal("300")),
        "SHOP": (Decimal("100.00"), Decimal(0)),
    }
    sales = [r for r in rep.rows if r.account == "4100"]
    assert [(r.cost_centre, r.actual, r.budget) for r in sales] == [
        (None, Decimal("1200.00"), Decimal("1000.00"))
    ]


def test_a_budget_variance_needs_whole_months_and_a_budget(book: Any) -> None:
    erp, _ = book
    with pytest.raises(ValidationError) as err:
        erp.query(budget_variance, dt.date(2026, 1, 2), dt.date(2026, 1, 31))
    assert err.value.field == "from"
    with pytest.raises(ValidationError) as err:
        erp.query(budget_variance, dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    assert err.value.field == "to"
    with pytest.raises(ValidationError, match="no budget 'nope'"):
        erp.query(budget_variance, dt.date(2026, 1, 1), dt.date(2026, 1, 31), "nope")


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ({"account": "1120", "month": "2026-01", "amount": "1"}, "lines.0.account", "asset"),
        ({"account": "6000", "month": "2026-01", "amount": "1"}, "lines.0.account", "group"),
        ({"account": "9999", "month": "2026-01", "amount": "1"}, "lines.0.account", "unknown"),
        (
            {"account": "6200", "cost_centre": "XX", "month": "2026-01", "amount": "1"},
            "lines.0.cost_centre",
            "unknown cost centre",
        ),
        ({"account": "6200", "month": "2026-01", "amount": "1.001"}, "lines.0.amount", "places"),
    ],
)
def test_a_bad_budget_line_is_refused_naming_it(
    book: Any, line: dict[str, str], field: str, reason: str
) -> None:
    erp, _ = book
    before = erp.query(read_budget, "main")
    with pytest.raises(ErpError) as err:
        erp.set_budget(lines=[line])
    assert field in str(err.value) and reason in str(err.value)
    assert erp.query(read_budget, "main") == before


def test_a_bad_month_or_a_repeated_line_is_refused(book: Any) -> None:
    erp, _ = book
    with pytest.raises(PydanticError, match="'2026-13' is not a month in the form YYYY-MM"):
        erp.set_budget(lines=[{"account": "6200", "month": "2026-13", "amount": "1"}])
    twice = {"account": "6200", "month": "2026-01", "amount": "1"}
    with pytest.raises(ValidationError, match="already in line 0"):
        erp.set_budget(lines=[twice, twice])


def _days(c: Column) -> tuple[dt.date, dt.date]:
    return c.date_from, c.date_to


def test_columns_by_month_and_quarter_and_their_comparisons() -> None:
    cols = split(dt.date(2026, 1, 15), dt.date(2026, 5, 10), "quarter")
    assert cols == [
        Column("2026-Q1", dt.date(2026, 1, 15), dt.date(2026, 3, 31)),
        Column("2026-Q2", dt.date(2026, 4, 1), dt.date(2026, 5, 10)),
    ]
    march = Column("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert _days(compared(march, "previous")) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    feb = Column("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert _days(compared(feb, "previous-year")) == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))
    days = Column("x", dt.date(2026, 3, 5), dt.date(2026, 3, 14))
    assert _days(compared(days, "previous")) == (dt.date(2026, 2, 23), dt.date(2026, 3, 4))
    with pytest.raises(ValidationError):
        split(dt.date(2026, 2, 1), dt.date(2026, 1, 1), "month")
    with pytest.raises(ValidationError):
        split(dt.date(2026, 1, 1), dt.date(2026, 2, 1), "week")


def test_income_statement_by_month_with_the_previous_year(book: Any) -> None:
    erp, _ = book
    m = erp.query(
        income_statements, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "month", "previous-year"
    )
    assert [c.label for c in m.columns] == ["2026-01", "2026-02", "2026-03"]
    rows = {(r.section, r.account or r.name): r for r in m.rows}
    sales = rows[("Income", "4100")]
    assert sales.amounts == (Decimal("1000.00"), Decimal("1200.00"), Decimal("900.00"))
    assert sales.compared == (Decimal(0), Decimal(0), Decimal(0))
    service = rows[("Income", "4200")]  # only a year before: shown with zeros now
    assert service.amounts == (0, 0, 0) and service.compared == (0, 0, Decimal("800.00"))
    assert service.changes_pct == (None, None, Decimal("-100.00"))
    net = rows[("Net profit", "Net profit")]
    assert net.amounts == (Decimal("700.00"), Decimal("800.00"), Decimal("600.00"))
    # every column is the single statement of its dates
    for i, c in enumerate(m.columns):
        single = erp.income_statement(c.date_from, c.date_to)
        assert net.amounts[i] == single.net_profit


def test_balance_sheet_by_quarter_against_the_previous_quarter(book: Any) -> None:
    erp, _ = book
    m = erp.query(balance_sheets, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "quarter", "previous")
    assert [(c.date_from, c.date_to) for c in m.compared_with or ()] == [
        (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    ]
    bank = next(r for r in m.rows if r.account == "1120")
    # 800 in 2025; 2026 Q1: + 3100 sales - 1000 rent
    assert (bank.amounts, bank.compared) == ((Decimal("2900.00"),), (Decimal("800.00"),))
    assert bank.changes == (Decimal("2100.00"),)
    assert bank.changes_pct == (Decimal("262.50"),)


def test_cli_budget_variance_and_statement_columns(book: Any) -> None:
    _, url = book
    run = CliRunner()
    env = {"ERP_DATABASE_URL": url}
    r = run.invoke(
        main,
        ["report", "budget-variance", "--period", "2026-02", "--format", "csv"],
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "account,name,type,actual,budget,variance,variance_pct,favourable",
        "4100,Sales revenue,income,1200.00,1000.00,200.00,20.00,true",
        "6200,Rent,expense,400.00,300,100.00,33.33,false",
        "6300,Utilities,expense,0,50,-50,-100.00,true",
    ]
    r = run.invoke(
        main,
        [
            "report",
            "income-statement",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-28",
            "--by",
            "month",
            "--compare",
            "budget",
            "--format",
            "json",
        ],
        env=env,
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    net = next(row for row in data["rows"] if row["name"] == "Net profit")
    # budget: January 1000 - 300 = 700; February 1000 - 300 - 50 = 650
    assert (net["2026-01"], net["2026-01 budget"]) == ("700.00", "700.00")
    assert (net["2026-02"], net["2026-02 budget"], net["2026-02 change"]) == (
        "800.00",
        "650.00",
        "150.00",
    )
    utilities = next(row for row in data["rows"] if row["account"] == "6300")
    assert utilities["2026-02 budget"] == "50" and utilities["2026-02"] == "0"
    r = run.invoke(
        main,
        [
            "report",
            "income-statement",
            "--from",
            "2026-01-10",
            "--to",
            "2026-02-28",
            "--compare",
            "budget",
        ],
        env=env,
    )
    assert r.exit_code == 2 and "month's first day" in r.output
    r = run.invoke(
        main, ["report", "balance-sheet", "--as-of", "2026-03-31", "--by", "month"], env=env
    )
    assert r.exit_code == 0, r.output  # from the fiscal year's first day
    assert "2026-01" in r.output and "2026-03" in r.output
    r = run.invoke(main, ["report", "balance-sheet", "--period", "2026-03"], env=env)
    assert r.exit_code == 0 and "Balance sheet as of 2026-03-31" in r.output
    r = run.invoke(main, ["report", "balance-sheet", "--from", "2026-01-01"], env=env)
    assert r.exit_code == 2 and "--from needs --by" in r.output
    r = run.invoke(
        main,
        [
            "report",
            "balance-sheet",
            "--from",
            "2026-01-01",
            "--as-of",
            "2026-03-31",
            "--by",
            "month",
            "--format",
            "csv",
        ],
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "section,account,name,2026-01,2026-02,2026-03"
    r = run.invoke(
        main, ["report", "income-statement", "--to", "2026-03-31", "--format", "csv"], env=env
    )
    assert r.exit_code == 0 and "Net profit" in r.output  # the plain statement is unchanged


def test_the_management_pack_holds_the_statements_kpis_budget_and_charts(
    book: Any, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    _, url = book
    out = tmp_path / "pack"
    r = CliRunner().invoke(
        main,
        ["report", "pack", "--from", "2026-01-01", "--to", "2026-03-31", "--out", str(out)],
        env={"ERP_DATABASE_URL": url},
    )
    assert r.exit_code == 0, r.output
    for name in (
        "index.html",
        "kpi.csv",
        "income-statement.csv",
        "balance-sheet.csv",
        "budget-variance.csv",
        "charts/revenue-margin.png",
        "charts/cash.png",
        "charts/receivables-aging.png",
    ):
        assert f"  {name}\n" in r.output
        assert (out / name).stat().st_size > 0
    assert "no stock at the end: no stock chart" in r.output
    income = (out / "income-statement.csv").read_text().splitlines()
    assert income[0] == "section,account,name,2026-01,2026-02,2026-03"
    assert "Net profit,,Net profit,700.00,800.00,600.00" in income
    variance = (out / "budget-variance.csv").read_text().splitlines()
    assert "6200,Rent,1000.00,900,100.00,11.11" in variance
    kpi = (out / "kpi.csv").read_text()
    assert "2026-02,revenue,1200.00,1000.00,money," in kpi
    page = (out / "index.html").read_text()
    assert "charts/cash.png" in page and "<td>Net profit</td>" in page
    pytest.importorskip("fpdf")
    assert (out / "pack.pdf").read_bytes()[:5] == b"%PDF-"
    # a file where the folder should be, and a folder whose parent is missing
    (tmp_path / "file").write_text("x")
    for bad in (tmp_path / "file", tmp_path / "no" / "pack"):
        r = CliRunner().invoke(
            main,
            ["report", "pack", "--period", "2026-01", "--out", str(bad)],
            env={"ERP_DATABASE_URL": url},
        )
        assert r.exit_code == 2, r.output


def test_kpis_by_month_beside_the_previous_month(book: Any) -> None:
    from erp_core.insight.reports import kpi_columns_of

    erp, url = book
    cols = kpi_columns_of(erp, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "month")
    assert [c.label for c in cols] == ["2026-01", "2026-02", "2026-03"]
    assert (cols[0].previous.date_from, cols[0].previous.date_to) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert [(c.current.revenue, c.previous.revenue) for c in cols] == [
        (Decimal("1000.00"), Decimal("0.00")),
        (Decimal("1200.00"), Decimal("1000.00")),
        (Decimal("900.00"), Decimal("1200.00")),
    ]
    # February: 1200 revenue, 400 rent (under 6000): operating profit 800, margin 66.67 %
    feb = cols[1].current
    assert feb.operating_profit == Decimal("800.00")
    assert feb.operating_margin_pct is not None
    assert feb.operating_margin_pct.value == Decimal("66.67")
    r = CliRunner().invoke(
        main,
        ["report", "kpi", "--period", "2026-Q1", "--by", "month", "--format", "csv"],
        env={"ERP_DATABASE_URL": url},
    )
    assert r.exit_code == 0, r.output
    assert "2026-02,revenue,1200.00,1000.00,200.00,money," in r.output
    assert "2026-02,operating margin %,66.67,70.00,-3.33,%," in r.output
