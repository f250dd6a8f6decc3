"""The insight area on a real book built through actions: procure-to-pay (one order paid in
advance, before its approval) and order-to-cash; OCEL export read back by pm4py with exact
counts; the process report, conformance and KPIs computed by hand; failure paths."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from erp_core.api import Erp
from erp_core.cli import cli as main
from erp_core.insight.reports import (
    conformance,
    export_ocel,
    kpis_of,
    load_log,
    process_report,
)
from erp_core.kernel.errors import ValidationError

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def at(erp: Erp, clock: Clock, hours: float, actor: str) -> Erp:
    clock.now = T0 + dt.timedelta(hours=hours)
    erp.actor = actor
    return erp


@pytest.fixture
def book(tmp_path: Path) -> Any:
    clock = Clock()
    url = f"sqlite:///{tmp_path / 'book.sqlite'}"
    erp = Erp.open(url, actor="admin", clock=clock)
    erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="1000", over_receipt_tolerance="0")
    erp.register_item(
        code="WIDGET", name="Widget", uom="pcs", valuation="fifo", expense_account="5100"
    )
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")
    erp.configure_sales(credit_approvers=["boss"])
    erp.register_customer(code="NORTH", name="Northwind", credit_limit="100000")
    line = {"item": "WIDGET", "price": "50", "warehouse": "MAIN"}
    # PO1: 500, no approval needed
    po1 = (
        at(erp, clock, 0, "buyer")
        .create_purchase_order(
            date="2026-01-05",
            supplier="ACME",
            expected_delivery="2026-01-08",
            lines=[dict(line, quantity="10")],
        )
        .documents[0]
    )
    # PO2: 5000, needs approval; paid 1000 in advance before the approval
    po2 = (
        at(erp, clock, 1, "buyer")
        .create_purchase_order(
            date="2026-01-05",
            supplier="ACME",
            expected_delivery="2026-01-08",
            lines=[dict(line, quantity="100")],
        )
        .documents[0]
    )
    advance = (
        at(erp, clock, 2, "accountant")
        .pay_supplier(supplier="ACME", date="2026-01-05", amount="1000")
        .documents[0]
    )
    at(erp, clock, 2.5, "buyer").receive_purchase_order(
        document=po1, date="2026-01-06", lines=[{"line": 1, "accepted": "10"}]
    )
    at(erp, clock, 4, "boss").approve_purchase_order(po2)
    at(erp, clock, 5, "clerk").receive_purchase_order(
        document=po2, date="2026-01-07", lines=[{"line": 1, "accepted": "100"}]
    )
    pi1 = (
        at(erp, clock, 6, "accountant")
        .post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A1",
            date="2026-01-08",
            lines=[{"order": po1, "line": 1, "quantity": "10", "price": "50", "tax_rate": "0"}],
        )
        .documents[0]
    )
    pi2 = (
        at(erp, clock, 8, "accountant")
        .post_supplier_invoice(
            supplier="ACME",
            supplier_reference="A2",
            date="2026-01-08",
            lines=[{"order": po2, "line": 1, "quantity": "100", "price": "50", "tax_rate": "0"}],
        )
        .documents[0]
    )
    at(erp, clock, 10, "accountant").allocate_supplier_payment(
        payment=advance, date="2026-01-09", allocations=[{"invoice": pi2, "amount": "1000"}]
    )
    at(erp, clock, 26, "treasurer").pay_supplier(
        supplier="ACME",
        date="2026-01-10",
        amount="500",
        allocations=[{"invoice": pi1, "amount": "500"}],
    )
    # SO1: 5 widgets at 100, paid 200
    so = (
        at(erp, clock, 30, "seller")
        .create_sales_order(
            date="2026-01-12",
            customer="NORTH",
            delivery_date="2026-01-14",
            lines=[
                {
                    "item": "WIDGET",
                    "quantity": "5",
                    "price": "100",
                    "tax_rate": "0",
                    "warehouse": "MAIN",
                }
            ],
        )
        .documents[0]
    )
    at(erp, clock, 31, "seller").confirm_sales_order(document=so)
    at(erp, clock, 33, "clerk").deliver_sales_order(
        document=so, date="2026-01-14", lines=[{"line": 1, "quantity": "5"}]
    )
    si = (
        at(erp, clock, 34, "accountant")
        .invoice_sales_order(document=so, date="2026-01-15")
        .documents[0]
    )
    at(erp, clock, 50, "accountant").receive_customer_payment(
        customer="NORTH",
        date="2026-01-20",
        amount="200",
        allocations=[{"invoice": si, "amount": "200"}],
    )
    yield erp, url, {"po1": po1, "po2": po2, "pi1": pi1, "pi2": pi2, "so": so, "si": si}
    erp.close()


# 21 business events on 19 objects (66 links, 24 between objects), plus the fiscal year that
# `init` opened: one "open fiscal year" event on one fiscal_year object (one link)
EVENTS, OBJECTS, E2O, O2O = 21 + 1, 19 + 1, 66 + 1, 24


def test_log_counts_and_links(book: Any) -> None:
    erp, _, docs = book
    log = load_log(erp)
    assert (len(log.events), len(log.objects), log.e2o_count, log.o2o_count) == (
        EVENTS,
        OBJECTS,
        E2O,
        O2O,
    )
    po2 = [e.type for e in log.events_of(docs["po2"])]
    assert po2 == [
        "create purchase order",
        "pay supplier",
        "approve purchase order",
        "receive goods",
        "post supplier invoice",
        "allocate supplier payment",
    ]
    assert (docs["po2"], "invoices") in log.object(docs["pi2"]).relationships
    assert (docs["so"], "invoices") in log.object(docs["si"]).relationships
    invoice = next(e for e in log.events if e.type == "post supplier invoice")
    assert dict(invoice.relationships)[docs["po1"]] == "order"
    # the effective log has the same content, on business dates
    eff = load_log(erp, "effective")
    assert (len(eff.events), eff.e2o_count, eff.o2o_count) == (EVENTS, E2O, O2O)
    assert eff.events[-1].time == dt.datetime(2026, 1, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_ocel_export_reads_back_in_pm4py(book: Any, tmp_path: Path, fmt: str) -> None:
    pm4py = pytest.importorskip("pm4py")
    erp, _, _ = book
    path = tmp_path / f"log.{fmt}"
    export_ocel(erp, path, fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = (pm4py.read_ocel2_json if fmt == "json" else pm4py.read_ocel2_sqlite)(str(path))
    assert len(ocel.events) == EVENTS
    assert len(ocel.objects) == OBJECTS
    assert len(ocel.relations) == E2O
    assert len(ocel.o2o) == O2O
    assert set(ocel.objects["ocel:type"]) >= {"purchase_order", "sales_order", "supplier_invoice"}


def test_ocel_export_window(book: Any, tmp_path: Path) -> None:
    erp, _, _ = book
    log = export_ocel(
        erp,
        tmp_path / "w.json",
        basis="effective",
        date_from=dt.date(2026, 1, 12),
        date_to=dt.date(2026, 1, 15),
    )
    assert [e.type for e in log.events] == [
        "create sales order",
        "confirm sales order",
        "deliver goods",
        "post sales invoice",
    ]
    data = json.loads((tmp_path / "w.json").read_text())
    assert len(data["events"]) == 4


def test_process_report_by_hand(book: Any) -> None:
    erp, _, docs = book
    rep = process_report(load_log(erp), "purchase_order")
    assert (rep.cases, rep.finished, rep.in_progress) == (2, 2, 0)
    # PO1: created at 0h, last step (payment allocated) at 26h; PO2: 1h to 10h
    assert dict(rep.cycle.per_object) == {
        docs["po1"]: dt.timedelta(hours=26),
        docs["po2"]: dt.timedelta(hours=9),
    }
    assert rep.cycle.stats is not None
    assert rep.cycle.stats.median == dt.timedelta(hours=17.5)
    top = rep.bottlenecks[0]
    # post invoice -> pay: PO1 6h -> 26h = 20h, once
    assert (top.source, top.target, top.count, top.score) == (
        "post supplier invoice",
        "pay supplier",
        1,
        dt.timedelta(hours=20),
    )
    waits = {(a.source, a.target): a.waits.mean for a in rep.arrows}
    assert waits[("create purchase order", "receive goods")] == dt.timedelta(hours=2.5)
    # PO1 2.5h -> 6h (3.5h), PO2 5h -> 8h (3h): mean 3.25h
    assert waits[("receive goods", "post supplier invoice")] == dt.timedelta(hours=3.25)
    assert rep.rework.rework_count == 0
    assert [v.count for v in rep.variants] == [1, 1]


def test_conformance_finds_the_advance_payment_and_same_actor(book: Any) -> None:
    erp, _, docs = book
    breaches = conformance(load_log(erp))
    found = sorted((b.rule, b.object_id) for b in breaches)
    assert found == [
        ("payment before approval", docs["po2"]),
        ("same actor booked and paid", docs["pi2"]),
    ]


def test_kpis_by_hand(book: Any) -> None:
    erp, _, _ = book
    rep = kpis_of(erp, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (rep.revenue, rep.cogs, rep.gross_margin) == (Decimal(500), Decimal(250), Decimal(250))
    assert (rep.receivables, rep.payables, rep.inventory) == (
        Decimal(300),
        Decimal(4000),
        Decimal(5250),
    )
    wc = rep.working_capital
    assert rep.gross_margin_pct.value == Decimal("50.00")
    assert wc.dso.value == Decimal("18.60")  # 300 / 500 x 31
    assert wc.dio.value == Decimal("651.00")  # 5250 / 250 x 31
    assert wc.dpo.value == Decimal("496.00")  # 4000 / 250 x 31
    assert wc.ccc.value == Decimal("173.60")


def test_failure_paths(book: Any, tmp_path: Path) -> None:
    erp, _, _ = book
    with pytest.raises(ValidationError) as err:
        process_report(load_log(erp), "purchase_ordr")
    assert err.value.field == "object-type"
    with pytest.raises(ValidationError) as err:
        load_log(erp, date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 1))
    assert err.value.field == "to"
    with pytest.raises(ValidationError):
        load_log(erp, "wallclock")
    with pytest.raises(ValidationError):
        export_ocel(erp, tmp_path / "x.xml", "xml")
    with pytest.raises(ValidationError):
        export_ocel(erp, tmp_path / "missing" / "x.json")
    assert not (tmp_path / "x.xml").exists()


def test_cli(book: Any, tmp_path: Path) -> None:
    _, url, _docs = book
    run = CliRunner()
    env = {"ERP_DATABASE_URL": url}
    out = tmp_path / "log.sqlite"
    r = run.invoke(main, ["ocel-export", str(out), "--format", "sqlite"], env=env)
    assert r.exit_code == 0, r.output
    assert f"{EVENTS} events, {OBJECTS} objects" in r.output
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM event").fetchone()[0] == EVENTS
    r = run.invoke(
        main, ["report", "process", "--object-type", "purchase_order", "--format", "json"], env=env
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["cases"] == 2
    r = run.invoke(main, ["report", "conformance", "--format", "csv"], env=env)
    assert r.exit_code == 0 and "payment before approval" in r.output
    r = run.invoke(
        main,
        ["report", "kpi", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv"],
        env=env,
    )
    assert r.exit_code == 0 and ",DSO,18.60," in r.output
    r = run.invoke(main, ["report", "process", "--object-type", "nope"], env=env)
    assert r.exit_code == 2 and "unknown object type 'nope'" in r.output
    r = run.invoke(main, ["report", "kpi", "--from", "2026-13-01", "--to", "2026-01-31"], env=env)
    assert r.exit_code != 0 and "not a date" in r.output
    pytest.importorskip("matplotlib")
    png = tmp_path / "p.png"
    r = run.invoke(
        main, ["report", "process", "--object-type", "sales_order", "--plot", str(png)], env=env
    )
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_inventory_turnover_and_operating_profit_by_hand(book: Any) -> None:
    erp, _, _ = book
    rep = kpis_of(erp, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    # nothing before January: average inventory (0 + 5250) / 2 = 2625; 250 / 2625 = 0.0952...
    assert rep.opening_inventory == Decimal(0)
    assert rep.inventory_turnover is not None
    assert rep.inventory_turnover.value == Decimal("0.10")
    # the only expense is the COGS (5100, under 5000): 500 - 250
    assert rep.operating_profit == Decimal(250)
    assert rep.operating_margin_pct is not None
    assert rep.operating_margin_pct.value == Decimal("50.00")
    names = [k.name for k in rep.figures()]
    assert names == [
        "revenue",
        "gross margin %",
        "operating profit",
        "operating margin %",
        "DSO",
        "DIO",
        "DPO",
        "CCC",
        "inventory turnover",
        "OTIF %",
        "supplier on-time %",
        "production yield %",
        "schedule adherence %",
        "payroll cost per head",
    ]
