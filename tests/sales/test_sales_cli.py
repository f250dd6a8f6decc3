"""Order to cash through the `erp` command line: `erp do` sales actions, the sales reports in
table, JSON and CSV, the forecast chart, a credit refusal and `erp check`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from erp_core.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/sales.sqlite"


def erp(db: str, *args: str, actor: str = "clerk", input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--actor", actor, *args], input=input)


def ok(db: str, *args: str, actor: str = "clerk") -> str:
    result = erp(db, *args, actor=actor)
    assert result.exit_code == 0, result.output
    return result.output


def do(db: str, action: str, *fields: str, actor: str = "clerk") -> list[str]:
    """Run `erp do ACTION FIELD=VALUE ...`; return the documents it printed."""
    out = ok(db, "do", action, *fields, actor=actor).strip()
    assert out.startswith(f"{action}: "), out
    stored = out.removeprefix(f"{action}: ")
    return [] if stored == "done" else stored.split(", ")


def lines(*rows: dict[str, object]) -> str:
    return "lines=" + json.dumps(list(rows))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def books(db: str) -> str:
    """NUT: 500 at 0.40 (FIFO); K1 may owe 300.00 (14 days), K2 5000.00; dana approves."""
    ok(db, "init", "--company", "Acme Ltd", "--currency", "EUR", "--year-start", "2026-01-01")
    do(db, "register_item", "code=NUT", "name=Hex nut M8", "uom=pcs", "valuation=fifo")
    do(db, "register_warehouse", "code=MAIN", "name=Main store")
    (receipt,) = do(
        db,
        "receive_stock",
        "date=2026-01-05",
        "account=3100",
        lines({"item": "NUT", "warehouse": "MAIN", "quantity": "500", "unit_cost": "0.40"}),
    )
    assert receipt.startswith("GR-2026-")
    do(db, "configure_sales", 'credit_approvers=["dana"]')
    do(
        db,
        "register_customer",
        "code=K1",
        "name=Kappa One",
        "credit_level=B",
        "credit_limit=300.00",
        "payment_terms_days=14",
    )
    do(db, "register_customer", "code=K2", "name=Kappa Two", "credit_limit=5000.00")
    return db


def order_to_cash(db: str) -> None:
    """K1 orders 200 NUT at 1.25 + 20% tax = 300.00 (just at the limit); 150 are delivered
    (cost 60.00) and invoiced (187.50 + 37.50 = 225.00, due 2026-01-27); 100.00 is paid; 10
    come back (cost 4.00) and are credited (12.50 + 2.50 = 15.00): 110.00 is left open."""
    (so,) = do(
        db,
        "create_sales_order",
        "date=2026-01-10",
        "customer=K1",
        "delivery_date=2026-01-12",
        lines(
            {
                "item": "NUT",
                "quantity": "200",
                "price": "1.25",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ),
    )
    assert so == "SO-2026-000001"
    assert do(db, "confirm_sales_order", f"document={so}") == []
    assert do(
        db,
        "deliver_sales_order",
        f"document={so}",
        "date=2026-01-12",
        lines({"line": 1, "quantity": "150"}),
    ) == ["DN-2026-000001"]
    assert do(db, "invoice_sales_order", f"document={so}", "date=2026-01-13") == ["SI-2026-000001"]
    assert do(
        db,
        "receive_customer_payment",
        "customer=K1",
        "date=2026-01-20",
        "amount=100.00",
        'allocations=[{"invoice": "SI-2026-000001", "amount": "100.00"}]',
    ) == ["RC-2026-000001"]
    assert do(
        db,
        "return_sales_goods",
        f"document={so}",
        "date=2026-01-22",
        "reason=crushed threads",
        lines({"line": 1, "quantity": "10"}),
    ) == ["SR-2026-000001"]
    assert do(
        db,
        "post_credit_note",
        "invoice=SI-2026-000001",
        "date=2026-01-22",
        "reason=crushed threads",
        lines({"line": 1, "quantity": "10"}),
    ) == ["CN-2026-000001"]


def test_order_to_cash_through_erp_do_and_the_sales_reports(books: str) -> None:
    db = books
    order_to_cash(db)

    # receivables aging: the invoice is 32 days past its due date on 2026-02-28
    table = ok(db, "report", "receivables-aging", "--as-of", "2026-02-28")
    assert "Receivables aging as of 2026-02-28 (EUR)" in table
    assert "Kappa One" in table and "110.00" in table
    aging = json.loads(
        ok(db, "report", "receivables-aging", "--as-of", "2026-02-28", "--format", "json")
    )
    assert aging["total"] == "110.00"
    assert [(r["customer"], r["days_31_60"], r["balance"]) for r in aging["rows"]] == [
        ("K1", "110.00", "110.00")
    ]
    rows = csv_rows(
        ok(db, "report", "receivables-aging", "--as-of", "2026-01-25", "--format", "csv")
    )
    assert [(r["customer"], r["not_due"], r["days_1_30"], r["balance"]) for r in rows] == [
        ("K1", "110.00", "0.00", "110.00")
    ]

    # customer ledger: invoice, receipt, credit note with the running balance
    table = ok(db, "report", "customer-ledger", "K1")
    assert "Customer ledger K1" in table and "SI-2026-000001" in table
    ledger = json.loads(ok(db, "report", "customer-ledger", "K1", "--format", "json"))
    assert [(x["document"], x["kind"], x["amount"], x["balance"]) for x in ledger] == [
        ("SI-2026-000001", "sales_invoice", "225.00", "225.00"),
        ("RC-2026-000001", "customer_receipt", "-100.00", "125.00"),
        ("CN-2026-000001", "credit_note", "-15.00", "110.00"),
    ]
    rows = csv_rows(ok(db, "report", "customer-ledger", "K1", "--format", "csv"))
    assert [r["balance"] for r in rows] == ["225.00", "125.00", "110.00"]
    assert list(rows[0]) == ["date", "document", "kind", "memo", "amount", "balance"]

    # open sales orders: 50 still to deliver, nothing delivered and not invoiced
    table = ok(db, "report", "sales-orders")
    assert "Open sales orders" in table and "SO-2026-000001" in table
    (line,) = json.loads(ok(db, "report", "sales-orders", "--format", "json"))
    assert (line["status"], line["ordered"], line["delivered"], line["invoiced"]) == (
        "partly_delivered",
        "200",
        "150",
        "150",
    )
    assert (line["to_deliver"], line["delivered_not_invoiced"]) == ("50", "0")
    (row,) = csv_rows(ok(db, "report", "sales-orders", "--format", "csv"))
    assert (row["document"], row["customer"], row["item"], row["to_deliver"]) == (
        "SO-2026-000001",
        "K1",
        "NUT",
        "50",
    )

    # margin: revenue 187.50 - 12.50 = 175.00, cost 60.00 - 4.00 = 56.00, margin 119.00 (68.0%)
    period = ("--from", "2026-01-01", "--to", "2026-12-31")
    table = ok(db, "report", "margin", *period)
    assert "Gross margin by item, 2026-01-01 to 2026-12-31 (EUR)" in table
    assert "119.00" in table and "68.0" in table
    margin = json.loads(ok(db, "report", "margin", *period, "--format", "json"))
    assert (margin["by"], margin["total"]["revenue"], margin["total"]["cost"]) == (
        "item",
        "175.00",
        "56.00",
    )
    assert [(r["key"], r["margin"], r["margin_percent"]) for r in margin["rows"]] == [
        ("NUT", "119.00", "68.0")
    ]
    rows = csv_rows(ok(db, "report", "margin", "--by", "customer", *period, "--format", "csv"))
    assert [(r["key"], r["revenue"], r["cost"], r["margin"]) for r in rows] == [
        ("K1", "175.00", "56.00", "119.00"),
        ("total", "175.00", "56.00", "119.00"),
    ]

    # the reconciliation checks name receivables and cost of goods sold
    check = ok(db, "check")
    assert "ok    accounts receivable: OK (110.00)" in check
    assert "ok    cost of goods sold: OK (56.00)" in check
    assert "FAIL" not in check
    results = {r["name"]: r for r in json.loads(ok(db, "check", "--format", "json"))}
    assert results["accounts receivable"]["ok"] and results["cost of goods sold"]["ok"]
    assert results["accounts receivable"]["actual"] == "110.00"


def test_a_credit_refusal_is_one_clear_line_and_an_approver_lets_it_through(books: str) -> None:
    db = books
    order_to_cash(db)  # K1 owes 110.00 and has 50 NUT (62.50 + 12.50 tax) still on order
    (so,) = do(
        db,
        "create_sales_order",
        "date=2026-02-02",
        "customer=K1",
        "delivery_date=2026-02-09",
        lines({"item": "NUT", "quantity": "100", "price": "1.50", "warehouse": "MAIN"}),
    )
    refused = erp(db, "do", "confirm_sales_order", f"document={so}")
    assert refused.exit_code == 2
    assert refused.stdout == ""
    (message,) = refused.stderr.splitlines()
    assert message == (
        f"error: credit: {so} would take K1 over its credit limit: exposure 335.00 with this "
        "order (open receivables 110.00, open orders 75.00, this order 150.00), limit 300.00 "
        "(level B, in force on 2026-02-02); a credit approver must approve it first"
    )
    assert "Traceback" not in refused.output

    not_an_approver = erp(db, "do", "approve_sales_credit", f"document={so}", "reason=trust me")
    assert not_an_approver.exit_code == 2
    assert "error: actor: clerk may not approve credit (credit approvers: dana)" in (
        not_an_approver.stderr
    )
    do(db, "approve_sales_credit", f"document={so}", "reason=long-standing customer", actor="dana")
    assert do(db, "confirm_sales_order", f"document={so}") == []
    trail = json.loads(ok(db, "audit", "trail", f"so:{so}", "--format", "json"))
    assert [(e["event"], e["actor"]) for e in trail] == [
        ("SalesOrderCreated", "clerk"),
        ("SalesOrderCreditApproved", "dana"),
        ("SalesOrderConfirmed", "clerk"),
    ]
    # with it confirmed there is no room for 80 more (100.00): 335.00 + 100.00 > 300.00;
    # cancelling it gives the room back: 110.00 owed + 75.00 on order + 100.00 = 285.00
    (small,) = do(
        db,
        "create_sales_order",
        "date=2026-02-03",
        "customer=K1",
        "delivery_date=2026-02-10",
        lines({"item": "NUT", "quantity": "80", "price": "1.25", "warehouse": "MAIN"}),
    )
    again = erp(db, "do", "confirm_sales_order", f"document={small}")
    assert again.exit_code == 2 and "exposure 435.00 with this order" in again.stderr
    do(db, "cancel_sales_order", f"document={so}", "reason=customer withdrew")
    assert do(db, "confirm_sales_order", f"document={small}") == []
    check = ok(db, "check")
    assert "ok    accounts receivable: OK (110.00)" in check


def test_erp_do_keeps_values_as_text_and_refusals_name_the_field(books: str) -> None:
    db = books
    order_to_cash(db)
    over = erp(
        db,
        "do",
        "deliver_sales_order",
        "document=SO-2026-000001",
        "date=2026-01-30",
        lines({"line": 1, "quantity": "60"}),
    )
    assert over.exit_code == 2
    assert over.stderr.strip() == (
        "error: lines[0].quantity: over-delivery on SO-2026-000001 line 1 (NUT): ordered 200, "
        "delivered 150, now 60"
    )
    unknown = erp(db, "do", "confirm_sales_order", "document=SO-2026-000404")
    assert unknown.exit_code == 1 and "unknown sales order 'SO-2026-000404'" in unknown.stderr
    # plain values stay text (a code keeps its leading zeros), quoted JSON strings are text too
    do(db, "register_customer", "code=0042", "name=Zero Forty-Two", 'credit_limit="12.50"')
    trail = json.loads(ok(db, "audit", "trail", "customer:0042", "--format", "json"))
    assert (trail[0]["details"]["code"], trail[0]["details"]["credit_limit"]) == ("0042", "12.50")
    # a JSON structure where an amount belongs is refused, naming the field
    bad = erp(db, "do", "receive_customer_payment", "customer=K1", "date=2026-01-30", "amount=[1]")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: amount: ")


def test_forecast_report_and_png_chart(books: str, tmp_path: Path) -> None:
    db = books
    # K2 takes 30, 40, 50, 60 and 70 NUT from February to June
    for month, quantity in enumerate((30, 40, 50, 60, 70), start=2):
        day = f"2026-{month:02d}-03"
        (so,) = do(
            db,
            "create_sales_order",
            f"date={day}",
            "customer=K2",
            f"delivery_date={day}",
            lines(
                {
                    "item": "NUT",
                    "quantity": str(quantity),
                    "price": "1.10",
                    "warehouse": "MAIN",
                }
            ),
        )
        do(db, "confirm_sales_order", f"document={so}")
        do(
            db,
            "deliver_sales_order",
            f"document={so}",
            f"date={day}",
            lines({"line": 1, "quantity": str(quantity)}),
        )
    chart = tmp_path / "nut.png"
    table = ok(db, "report", "forecast", "NUT", "--months", "3", "--plot", str(chart))
    words = " ".join(table.split())  # the title wraps to the table's width
    assert "Demand forecast for NUT: Holt's linear exponential smoothing" in words
    assert "backtest MAPE over 1 held-out months: 0.0%" in words
    assert f"Chart written to {chart}." in words
    with open(chart, "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    assert chart.stat().st_size > 1000

    report = json.loads(ok(db, "report", "forecast", "NUT", "--months", "3", "--format", "json"))
    assert [(p["month"], p["quantity"]) for p in report["history"]] == [
        ("2026-02", "30"),
        ("2026-03", "40"),
        ("2026-04", "50"),
        ("2026-05", "60"),
        ("2026-06", "70"),
    ]
    # a straight line: the forecast continues it
    assert [(p["month"], p["quantity"]) for p in report["forecast"]] == [
        ("2026-07", "80.0"),
        ("2026-08", "90.0"),
        ("2026-09", "100.0"),
    ]
    rows = csv_rows(ok(db, "report", "forecast", "NUT", "--months", "2", "--format", "csv"))
    assert [r["kind"] for r in rows].count("history") == 5
    assert [(r["month"], r["kind"]) for r in rows if r["kind"] == "forecast"] == [
        ("2026-07", "forecast"),
        ("2026-08", "forecast"),
    ]

    unknown = erp(db, "report", "forecast", "BOLT")  # never registered (issue 10)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "error: unknown item 'BOLT'"
