"""The KPI page: every KPI of `erp report kpi` (money figures, margins, working capital,
delivery, production, payroll), the period's amounts, and a server-drawn chart of the days
figures month by month."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from erp_core import Erp
from erp_core.cli import cli
from erp_core.insight.reports import kpis_of
from erp_core.kernel.money import fmt

PageReader = Any


def kpi_cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, "report", "kpi", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def kpis_in(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every KPI of one period of `erp report kpi --format json` (an object with a name, a
    value, a unit and a formula, at any depth), by name; the previous period's left out."""
    found: dict[str, dict[str, Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if {"name", "value", "unit", "formula"} <= value.keys():
                assert value["name"] not in found, value["name"]
                found[value["name"]] = value
            else:
                for child in value.values():
                    walk(child)

    walk({k: v for k, v in report.items() if k != "previous"})
    return found


def in_euros(text: str) -> str:
    """A JSON amount as the page prints it: on the cent, with thousands separators."""
    return f"{Decimal(text).quantize(Decimal('0.01')):,}"


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("2026-01-01", "2026-12-31"),  # the demo's year
        ("2026-06-01", "2026-06-30"),  # one month of it
        ("2025-01-01", "2025-12-31"),  # the year before: no revenue, most KPIs undefined
    ],
)
def test_web_kpi_page_and_api_equal_the_cli(
    demo_url: str,
    client: TestClient,
    page: Callable[[str], PageReader],
    date_from: str,
    date_to: str,
) -> None:
    expected = kpi_cli(demo_url, "--from", date_from, "--to", date_to)
    query = f"from={date_from}&to={date_to}"
    api = client.get(f"/api/kpi?{query}")
    assert api.status_code == 200 and api.text + "\n" == expected
    figures = json.loads(expected)
    assert figures["currency"] == "EUR"
    wanted = {
        # the two money figures the table shows beside the ratios
        "revenue": {"value": figures["revenue"], "unit": "money", "reason": None},
        "operating profit": {"value": figures["operating_profit"], "unit": "money", "reason": None},
        **kpis_in(figures),
    }
    # 14 rows: revenue, operating profit, gross and operating margin %, DSO, DIO, DPO, CCC,
    # inventory turnover, OTIF %, supplier on-time %, production yield %, schedule adherence %,
    # payroll cost per head
    assert len(wanted) == 14
    reader = page(f"/kpi?{query}")
    table = reader.tables["kpi"]
    assert [c.text for c in table.rows[0]] == ["KPI", "Value", "Unit", "Formula", "Note"]
    shown = {r[0].text: r for r in table.rows[1:]}
    assert len(shown) == len(table.rows) - 1  # each KPI once
    assert shown.keys() == wanted.keys()
    for name, kpi in wanted.items():
        _, value, unit, formula, note = shown[name]
        if kpi["value"] is None:
            assert (value.text, value.amount) == ("undefined", None), name
        else:
            assert (value.text, value.amount) == (kpi["value"], kpi["value"]), name
        assert unit.text == kpi["unit"], name
        if "formula" in kpi:
            assert formula.text == kpi["formula"], name
        assert note.text == (kpi["reason"] or ""), name
    # the period's amounts above the table, in euros as the page prints money
    html = client.get(f"/kpi?{query}").text
    paragraph = html[html.index('<p id="kpi-figures">') :]
    paragraph = " ".join(paragraph[: paragraph.index("</p>")].split())
    assert (
        f"{figures['date_from']} to {figures['date_to']} ({figures['days']} days): "
        f"revenue {in_euros(figures['revenue'])}, COGS {in_euros(figures['cogs'])}, "
        f"gross margin {in_euros(figures['gross_margin'])}; "
        f"closing receivables {in_euros(figures['receivables'])}, "
        f"payables {in_euros(figures['payables'])}, inventory {in_euros(figures['inventory'])}."
    ) in paragraph


@pytest.mark.parametrize(
    ("date_from", "date_to"), [("2026-01-01", "2026-12-31"), ("2026-06-01", "2026-06-30")]
)
def test_web_kpi_ratios_follow_from_the_period_amounts(
    demo_url: str, page: Callable[[str], PageReader], date_from: str, date_to: str
) -> None:
    """The page's ratios recomputed here from the period's amounts (revenue, COGS and the
    closing balances the CLI reports), rounded half up to the hundredth."""
    figures = json.loads(kpi_cli(demo_url, "--from", date_from, "--to", date_to))
    revenue, cogs = Decimal(figures["revenue"]), Decimal(figures["cogs"])
    receivables = Decimal(figures["receivables"])
    payables, inventory = Decimal(figures["payables"]), Decimal(figures["inventory"])
    days = (dt.date.fromisoformat(date_to) - dt.date.fromisoformat(date_from)).days + 1
    assert figures["days"] == days and revenue > 0 and cogs > 0  # every ratio is defined

    def hundredths(value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    table = page(f"/kpi?from={date_from}&to={date_to}").tables["kpi"]
    shown = {r[0].text: Decimal(r[1].amount or "NaN") for r in table.rows[1:]}
    assert shown["revenue"] == revenue
    assert shown["gross margin %"] == hundredths((revenue - cogs) / revenue * 100)
    assert shown["DSO"] == hundredths(receivables / revenue * days)
    assert shown["DIO"] == hundredths(inventory / cogs * days)
    assert shown["DPO"] == hundredths(payables / cogs * days)
    # the cycle adds up the rounded figures, as the page shows them
    assert shown["CCC"] == shown["DSO"] + shown["DIO"] - shown["DPO"]


def test_web_kpi_chart_draws_each_month(demo: Erp, client: TestClient) -> None:
    import re

    html = client.get("/kpi?from=2026-01-01&to=2026-12-31").text
    chart = html[html.index('<svg id="kpi-chart"') :]
    chart = chart[: chart.index("</svg>")]
    series = re.findall(r"<g class=\"series\"><title>(\w+)</title>", chart)
    assert series == ["DSO", "DIO", "DPO", "CCC"]
    # each dot's hover text is that month's figure, as the library computes it alone
    june = kpis_of(demo, dt.date(2026, 6, 1), dt.date(2026, 6, 30)).working_capital.dso.value
    assert june is not None
    assert f"DSO: {float(june):,.2f}" in chart
    assert chart.count("<text") >= 12 + 4  # the months along the axis, the legend


def test_web_kpi_refuses_a_reversed_period(client: TestClient) -> None:
    response = client.get("/kpi?from=2026-12-31&to=2026-01-01")
    assert response.status_code == 400
    assert client.get("/api/kpi?from=2026-12-31&to=2026-01-01").status_code == 400


def test_web_kpi_months_are_each_months_kpi_report(demo: Erp) -> None:
    """The chart's cheaper series (no operational figures) gives, month by month, exactly the
    working capital of the full KPI report of that month."""
    import datetime as dt

    from erp_core.insight.reports import _cogs_account, working_capital_by_period

    months = [
        (dt.date(2026, m, 1), dt.date(2026 + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1))
        for m in range(1, 13)
    ]
    with demo.reader.connect() as conn:
        series = working_capital_by_period(conn, months, _cogs_account(demo))
    assert series == [kpis_of(demo, a, b).working_capital for a, b in months]
    assert any(w.dso.value for w in series)  # not a year of empty months


def test_web_kpi_page_follows_a_new_event(tmp_path: Path) -> None:
    """The page is computed once per log head: an event after it shows at once."""
    from erp_core.demo import build_demo
    from erp_core.web.app import create_app

    books = Erp.open(f"sqlite:///{tmp_path}/b.sqlite", actor="tester")
    build_demo(books)
    client = TestClient(create_app(books, allowed_hosts=["testserver"]))
    path = "/api/kpi?from=2027-01-01&to=2027-03-31"
    before = client.get("/kpi?from=2027-01-01&to=2027-03-31").text
    assert client.get("/kpi?from=2027-01-01&to=2027-03-31").text == before  # the same head
    revenue = client.get(path).json()["revenue"]
    books.post_voucher(
        "2027-01-15",
        [
            {"account": "1120", "debit": "1000.00"},
            {"account": "4100", "credit": "1000.00"},
        ],
        memo="late sale",
    )
    after = client.get("/kpi?from=2027-01-01&to=2027-03-31").text
    now = Decimal(client.get(path).json()["revenue"])
    assert now == Decimal(revenue) + Decimal("1000.00")
    assert f"revenue {fmt(now, 'EUR')}" in after and f"revenue {fmt(now, 'EUR')}" not in before
    books.close()
