"""The KPI page: the figures of `erp report kpi` (gross margin, DSO, DIO, DPO, cash-conversion
cycle) and a server-drawn chart of them month by month."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def test_web_kpi_page_and_api_equal_the_cli(
    demo_url: str, client: TestClient, page: Callable[[str], PageReader]
) -> None:
    expected = kpi_cli(demo_url, "--from", "2026-01-01", "--to", "2026-12-31")
    api = client.get("/api/kpi?from=2026-01-01&to=2026-12-31")
    assert api.status_code == 200 and api.text + "\n" == expected
    figures = json.loads(expected)
    wc = figures["working_capital"]
    table = page("/kpi?from=2026-01-01&to=2026-12-31").tables["kpi"]
    shown = {r[0].text: r[1].amount for r in table.rows[1:]}
    expected_rows = {
        figures["gross_margin_pct"]["name"]: figures["gross_margin_pct"]["value"],
        **{wc[k]["name"]: wc[k]["value"] for k in ("dso", "dio", "dpo", "ccc")},
    }
    assert expected_rows.items() <= shown.items()


def test_web_kpi_chart_draws_each_month(demo: Erp, client: TestClient) -> None:
    import datetime as dt
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
