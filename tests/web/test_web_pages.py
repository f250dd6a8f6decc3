"""Every page of the console over the demo company: the same figures as the CLI's JSON, and
every drill-down link (figure -> general ledger -> document -> its events) resolves."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from erp_core import Erp
from erp_core.audit import verify as audit
from erp_core.cli import cli

PageReader = Any  # tests/web/conftest.py: the tables and links of a page

PAGES = [
    "/",
    "/trial-balance",
    "/trial-balance?as_of=2026-12-31",
    "/balance-sheet?as_of=2026-12-31",
    "/income-statement?from=2026-01-01&to=2026-12-31",
    "/cash-flow?from=2026-01-01&to=2026-12-31",
    "/cash-flow?from=2026-01-01&to=2026-12-31&method=direct",
    "/accounts/1120",
    "/accounts/1120?from=2026-03-01&to=2026-03-31",
    "/receivables?as_of=2026-12-31",
    "/payables?as_of=2026-12-31",
    "/stock?as_of=2026-12-31",
    "/stock?as_of=2026-12-31&by_batch=1",
    "/stock/ledger",
    "/work-orders",
    "/assets?as_of=2026-12-31",
    "/process",
    "/process?object_type=sales_order&time=effective",
    "/audit",
]


def cli_json(url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def amounts_by_link(table: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in table.rows:
        for cell in row:
            if cell.href and cell.amount is not None:
                found.setdefault(cell.href.split("?")[0], []).append(cell.amount)
    return found


@pytest.mark.parametrize("path", PAGES)
def test_web_every_page_renders(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "Traceback" not in response.text


def test_web_trial_balance_equals_the_cli(demo_url: str, page: Callable[[str], PageReader]) -> None:
    expected = cli_json(demo_url, "report", "trial-balance", "--as-of", "2026-12-31")
    table = page("/trial-balance?as_of=2026-12-31").tables["trial-balance"]
    body = [r for r, cls in zip(table.rows[1:], table.classes[1:], strict=True) if cls != "total"]
    seen = [
        {
            "account": r[0].text,
            "name": r[1].text,
            "debit": r[3].amount or "0.00",
            "credit": r[4].amount or "0.00",
        }
        for r in body
    ]
    assert seen == [
        {k: row[k] for k in ("account", "name", "debit", "credit")} for row in expected["rows"]
    ]
    total = table.rows[-1]
    assert Decimal(total[3].amount or "") == sum(Decimal(r["debit"]) for r in expected["rows"])
    assert total[3].amount == total[4].amount
    # every account and every figure links to the account's general ledger
    for row in body:
        assert row[0].href and row[0].href.startswith(f"/accounts/{row[0].text}")


def statement_amounts(report: dict[str, Any], sections: tuple[str, ...]) -> list[str]:
    wanted: list[str] = []
    for name in sections:
        wanted += [line["amount"] for line in report[name]["lines"]] + [report[name]["total"]]
    return wanted


def test_web_statements_equal_the_cli(demo_url: str, page: Callable[[str], PageReader]) -> None:
    sheet = cli_json(demo_url, "report", "balance-sheet", "--as-of", "2026-12-31")
    table = page("/balance-sheet?as_of=2026-12-31").tables["balance-sheet"]
    shown = [r[1].amount for r in table.rows[1:] if r[1].amount is not None]
    assert shown == [
        *statement_amounts(sheet, ("assets", "liabilities", "equity")),
        sheet["current_earnings"],
        sheet["total_liabilities_and_equity"],
    ]
    linked = amounts_by_link(table)
    for name in ("assets", "liabilities", "equity"):
        for line in sheet[name]["lines"]:
            if not line["is_group"]:
                assert linked[f"/accounts/{line['account']}"] == [line["amount"]], line
    income = cli_json(
        demo_url, "report", "income-statement", "--from", "2026-01-01", "--to", "2026-12-31"
    )
    table = page("/income-statement?from=2026-01-01&to=2026-12-31").tables["income-statement"]
    shown = [r[1].amount for r in table.rows[1:] if r[1].amount is not None]
    assert shown == [*statement_amounts(income, ("income", "expenses")), income["net_profit"]]
    assert table.rows[-1][0].text == "Net profit"


def test_web_balance_sheet_totals_equal_the_library(
    demo: Erp, page: Callable[[str], PageReader]
) -> None:
    import datetime as dt

    bs = demo.balance_sheet(dt.date(2026, 12, 31))
    table = page("/balance-sheet?as_of=2026-12-31").tables["balance-sheet"]
    shown = {r[0].text: r[1].amount for r in table.rows if len(r) == 2}
    assert shown["Total assets"] == str(bs.assets.total)
    assert shown["Total liabilities and equity"] == str(bs.total_liabilities_and_equity)


@pytest.mark.parametrize("method", ["indirect", "direct"])
def test_web_cash_flow_equals_the_cli(
    demo_url: str, page: Callable[[str], PageReader], method: str
) -> None:
    expected = cli_json(
        demo_url,
        "report",
        "cash-flow",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--method",
        method,
    )
    table = page(f"/cash-flow?from=2026-01-01&to=2026-12-31&method={method}").tables["cash-flow"]
    shown = [r[1].amount for r in table.rows[1:] if len(r) > 1 and r[1].amount is not None]
    wanted: list[str] = []
    for section in expected["sections"]:
        wanted += [line["amount"] for line in section["lines"]] + [section["total"]]
    wanted += [expected["net_change"], expected["opening_cash"], expected["closing_cash"]]
    assert shown == wanted


def test_web_aging_equals_the_cli_and_drills_to_the_party(
    demo_url: str, client: TestClient, page: Callable[[str], PageReader]
) -> None:
    for path, report, party in (
        ("/receivables", "receivables-aging", "customer"),
        ("/payables", "payables-aging", "supplier"),
    ):
        expected = cli_json(demo_url, "report", report, "--as-of", "2026-12-31")
        table = page(f"{path}?as_of=2026-12-31").tables["aging"]
        body = table.rows[1:-1]
        rows = expected["rows"] if isinstance(expected, dict) else expected
        assert [(r[0].text, r[-1].amount) for r in body] == [
            (row[party], row["balance"]) for row in rows
        ]
        for r in body:
            lines = page(r[0].href or "").tables["party-ledger"].rows[1:]
            # the party's ledger ends on what the aging says is owed
            assert lines[-1][5].amount == r[-1].amount, r[0].text


def test_web_general_ledger_sums_to_the_trial_balance(
    demo: Erp, page: Callable[[str], PageReader]
) -> None:
    balances: dict[str, Decimal] = {}
    for row in demo.trial_balance().rows:  # an account has a row per currency
        balances[row.account] = balances.get(row.account, Decimal(0)) + row.debit - row.credit
    for account, balance in list(balances.items())[:15]:
        table = page(f"/accounts/{account}").tables["general-ledger"]
        assert Decimal(table.rows[-1][6].amount or "") == balance, account


def test_web_drill_down_from_a_figure_to_the_events(
    demo: Erp, client: TestClient, page: Callable[[str], PageReader]
) -> None:
    tb = page("/trial-balance?as_of=2026-12-31")
    accounts = {c.href for r in tb.tables["trial-balance"].rows for c in r if c.href}
    assert len(accounts) > 10
    documents: set[str] = set()
    for href in sorted(accounts):
        ledger = page(href)
        rows = ledger.tables["general-ledger"].rows[1:-1]
        for r in rows:
            assert r[1].href == f"/documents/{r[1].text}", r[1]
            documents.add(r[1].href)
    assert len(documents) > 50
    with demo.reader.engine.connect() as conn:
        positions: list[int] = []
        trails: dict[str, list[tuple[int, str]]] = {}
        for href in sorted(documents)[::7]:
            trail = page(href).tables["trail"]
            head = [c.text for c in trail.rows[0]]
            pos, chain = head.index("Position"), head.index("Chain hash")
            got = [
                (int(r[pos].text), r[chain].text.strip())
                for r in trail.rows[1:]
                if len(r) == len(head)
            ]
            assert got
            trails[href] = got
            positions += [p for p, _ in got]
        # the hashes shown are the chain's, recomputed here from the raw events
        report = audit.verify_chain(audit.raw_events(conn), audit.chain_records(conn), positions)
    assert report.ok
    for got in trails.values():
        for position, shown in got:
            assert re.fullmatch(r"[0-9a-f]{64}", shown)
            assert report.checkpoints[position] == shown


def test_web_trail_verifies_the_chain_on_request(
    client: TestClient, page: Callable[[str], PageReader]
) -> None:
    response = client.get("/documents/JV-2026-000001?verify=1")
    assert response.status_code == 200
    assert 'id="verified"' in response.text
    assert "Chain verified up to position" in response.text


def test_web_stock_drills_to_the_bin_ledger(
    demo_url: str, page: Callable[[str], PageReader]
) -> None:
    expected = cli_json(demo_url, "report", "stock-balance", "--as-of", "2026-12-31")
    table = page("/stock?as_of=2026-12-31").tables["stock-balance"]
    body = table.rows[1:-1]
    assert [(r[0].text, r[1].text, r[4].amount) for r in body] == [
        (row["item"], row["warehouse"], row["value"]) for row in expected["rows"]
    ]
    first = body[0]
    ledger = page(first[0].href or "").tables["stock-ledger"].rows[1:]
    assert ledger[-1][-1].amount == first[4].amount  # the running value ends on the balance
    assert all(r[2].href == f"/documents/{r[2].text}" for r in ledger)


def test_web_work_orders_and_assets_equal_the_cli(
    demo_url: str, page: Callable[[str], PageReader]
) -> None:
    orders = cli_json(demo_url, "report", "work-orders")
    table = page("/work-orders").tables["work-orders"]
    shown = [r[0].text for r in table.rows[1:] if r[0].text != "Nothing to show."]
    assert shown == [o["document"] for o in orders]
    register = cli_json(demo_url, "report", "asset-register", "--as-of", "2026-12-31")
    table = page("/assets?as_of=2026-12-31").tables["asset-register"]
    assert table.rows[-1][-1].amount == register["book_value"]


def test_web_process_map_is_drawn(client: TestClient) -> None:
    response = client.get("/process?object_type=purchase_order")
    assert response.status_code == 200
    assert '<svg id="process-map"' in response.text
    assert response.text.count('class="edge"') >= 3
    assert "create purchase order" in response.text.lower()


def test_web_audit_status_shows_the_verified_head(demo: Erp, client: TestClient) -> None:
    report = demo.verify()
    response = client.get("/audit")
    assert f"{report.events} events up to position {report.head_position}" in response.text
    assert report.head_hash in response.text
    for status in demo.projection_status():
        assert f"<td>{status.name}</td>" in response.text
