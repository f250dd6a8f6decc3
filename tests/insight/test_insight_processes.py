"""Named processes on a real book with a controlled clock, every figure computed by hand:
purchase-to-pay (three orders), order-to-cash (two orders), production (one work order) and
hire-to-pay (two employees), through ``erp report process KIND`` and the library."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from erp_core.api import Erp
from erp_core.cli import cli as main
from erp_core.insight.reports import (
    PROCESS_KINDS,
    conformance,
    load_log,
    process_report_of,
)
from erp_core.kernel.errors import ValidationError

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # Monday 09:00 UTC
H = dt.timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


class Book:
    def __init__(self, erp: Erp, clock: Clock) -> None:
        self.erp, self.clock = erp, clock

    def at(self, hours: float, actor: str) -> Erp:
        self.clock.now = T0 + dt.timedelta(hours=hours)
        self.erp.actor = actor
        return self.erp


def _p2p(b: Book) -> dict[str, str]:
    """PO-A 500 (no approval), PO-B 2000 and PO-C 1500 (approved: over 1000); PO-C is received
    in two parts (a repeated step)."""
    line = {"item": "WIDGET", "price": "50", "warehouse": "MAIN"}

    def order(hours: float, qty: str) -> str:
        return (
            b.at(hours, "buyer")
            .create_purchase_order(
                date="2026-01-05",
                supplier="ACME",
                expected_delivery="2026-01-07",
                lines=[dict(line, quantity=qty)],
            )
            .documents[0]
        )

    def invoice(hours: float, po: str, qty: str, ref: str) -> str:
        return (
            b.at(hours, "accountant")
            .post_supplier_invoice(
                supplier="ACME",
                supplier_reference=ref,
                date="2026-01-08",
                lines=[{"order": po, "line": 1, "quantity": qty, "price": "50", "tax_rate": "0"}],
            )
            .documents[0]
        )

    def pay(hours: float, pi: str, amount: str) -> None:
        b.at(hours, "treasurer").pay_supplier(
            supplier="ACME",
            date="2026-01-09",
            amount=amount,
            allocations=[{"invoice": pi, "amount": amount}],
        )

    a = order(0, "10")  # created 0h
    bb = order(1, "40")  # created 1h
    c = order(2, "30")  # created 2h
    b.at(3, "boss").approve_purchase_order(c)  # C approved 3h
    b.at(5, "boss").approve_purchase_order(bb)  # B approved 5h
    b.at(24, "clerk").receive_purchase_order(
        document=a, date="2026-01-06", lines=[{"line": 1, "accepted": "10"}]
    )
    b.at(26, "clerk").receive_purchase_order(
        document=c, date="2026-01-06", lines=[{"line": 1, "accepted": "10"}]
    )
    pa = invoice(30, a, "10", "A")
    b.at(49, "clerk").receive_purchase_order(
        document=bb, date="2026-01-07", lines=[{"line": 1, "accepted": "40"}]
    )
    pb = invoice(50, bb, "40", "B")
    pay(72, pa, "500")
    b.at(74, "clerk").receive_purchase_order(
        document=c, date="2026-01-08", lines=[{"line": 1, "accepted": "20"}]
    )
    pc = invoice(75, c, "30", "C")
    pay(76, pc, "1500")
    pay(98, pb, "2000")
    return {"A": a, "B": bb, "C": c}


def _o2c(b: Book) -> dict[str, str]:
    """SO-1 delivered at once; SO-2 delivered in two parts (a repeated step)."""

    def order(hours: float, qty: str) -> str:
        return (
            b.at(hours, "seller")
            .create_sales_order(
                date="2026-01-09",
                customer="NORTH",
                delivery_date="2026-01-12",
                lines=[
                    {
                        "item": "WIDGET",
                        "quantity": qty,
                        "price": "100",
                        "tax_rate": "0",
                        "warehouse": "MAIN",
                    }
                ],
            )
            .documents[0]
        )

    def paid(hours: float, invoice: str, amount: str) -> None:
        b.at(hours, "cashier").receive_customer_payment(
            customer="NORTH",
            date="2026-01-20",
            amount=amount,
            allocations=[{"invoice": invoice, "amount": amount}],
        )

    s1 = order(100, "5")
    b.at(101, "manager").confirm_sales_order(document=s1)
    s2 = order(102, "10")
    b.at(104, "manager").confirm_sales_order(document=s2)
    b.at(110, "clerk").deliver_sales_order(
        document=s1, date="2026-01-10", lines=[{"line": 1, "quantity": "5"}]
    )
    i1 = b.at(112, "accountant").invoice_sales_order(document=s1, date="2026-01-10").documents[0]
    b.at(120, "clerk").deliver_sales_order(
        document=s2, date="2026-01-11", lines=[{"line": 1, "quantity": "4"}]
    )
    b.at(130, "clerk").deliver_sales_order(
        document=s2, date="2026-01-14", lines=[{"line": 1, "quantity": "6"}]
    )
    i2 = b.at(131, "accountant").invoice_sales_order(document=s2, date="2026-01-14").documents[0]
    paid(150, i1, "500")
    paid(200, i2, "1000")
    return {"S1": s1, "S2": s2}


def _people(b: Book) -> list[str]:
    """Two employees hired (January), one paid at the end of January, both in February."""
    e = b.at(0, "hr")
    for code, name, kind, parent in (
        ("2461", "Net salaries payable", "liability", "2000"),
        ("2462", "Payroll tax payable", "liability", "2000"),
    ):
        e.open_account(code=code, name=name, type=kind, parent=parent)
    e.configure_payroll(salaries_payable="2461", tax_payable="2462")
    e.define_salary_structure(
        code="STAFF",
        name="Staff",
        effective_from="2026-01-01",
        components=[{"code": "basic", "type": "earning", "formula": "base", "taxable": True}],
    )
    e.define_tax_table(
        effective_from="2026-01-01", basis="monthly", slabs=[{"lower": "0", "rate_percent": "0"}]
    )
    ann = b.at(200, "hr").hire_employee(name="Ann", joining_date="2026-01-01").documents[0]
    bob = b.at(206, "hr").hire_employee(name="Bob", joining_date="2026-01-01").documents[0]
    b.at(207, "hr").assign_salary(
        employee=ann, effective="2026-01-01", structure="STAFF", base_pay="3000.00"
    )
    b.at(207, "hr").assign_salary(
        employee=bob, effective="2026-01-01", structure="STAFF", base_pay="2000.00"
    )
    b.at(300, "payroll").run_payroll(month="2026-01")
    b.at(310, "payroll").pay_salaries(
        month="2026-01",
        date="2026-01-31",
        bank_account="1120",
        allocations=[{"invoice": f"2026-01/{ann}", "amount": "3000.00"}],
    )
    b.at(400, "payroll").run_payroll(month="2026-02")
    b.at(420, "payroll").pay_salaries(month="2026-01", date="2026-02-02", bank_account="1120")
    b.at(500, "payroll").pay_salaries(month="2026-02", date="2026-02-28", bank_account="1120")
    return [ann, bob]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("processes")
    clock = Clock()
    url = f"sqlite:///{tmp / 'book.sqlite'}"
    erp = Erp.open(url, actor="admin", clock=clock)
    erp.init("Process Co", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="1000", over_receipt_tolerance="0")
    erp.register_item(code="WIDGET", name="Widget", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")
    erp.register_customer(code="NORTH", name="Northwind", credit_limit="100000")
    b = Book(erp, clock)
    docs: dict[str, Any] = {**_p2p(b), **_o2c(b)}
    docs["employees"] = _people(b)
    yield erp, url, docs
    erp.close()


def test_purchase_to_pay_by_hand(book: Any) -> None:
    erp, _, d = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    assert (rep.kind, rep.object_type) == ("purchase-to-pay", "purchase_order")
    assert (rep.cases, rep.finished, rep.in_progress) == (3, 3, 0)
    # A: 0h -> paid 72h; B: 1h -> 98h; C: 2h -> 76h
    assert dict(rep.cycle.per_object) == {d["A"]: 72 * H, d["B"]: 97 * H, d["C"]: 74 * H}
    s = rep.cycle.stats
    assert s is not None
    assert (s.median, s.max, s.mean) == (74 * H, 97 * H, 81 * H)
    assert s.p90 == dt.timedelta(hours=92.4)  # 74 + 0.8 x (97 - 74)
    arrows = {(a.source, a.target): (a.count, a.waits.mean, a.waits.total) for a in rep.arrows}
    assert arrows == {
        ("create purchase order", "receive goods"): (1, 24 * H, 24 * H),  # A
        ("create purchase order", "approve purchase order"): (2, 2.5 * H, 5 * H),  # B 4, C 1
        ("approve purchase order", "receive goods"): (2, 33.5 * H, 67 * H),  # B 44, C 23
        ("receive goods", "receive goods"): (1, 48 * H, 48 * H),  # C 26 -> 74
        # A 24 -> 30, B 49 -> 50, C 74 -> 75
        ("receive goods", "post supplier invoice"): (3, dt.timedelta(hours=8 / 3), 8 * H),
        # A 30 -> 72, B 50 -> 98, C 75 -> 76
        ("post supplier invoice", "pay supplier"): (3, dt.timedelta(hours=91 / 3), 91 * H),
        ("pay supplier", "allocate supplier payment"): (3, 0 * H, 0 * H),
    }
    top = rep.bottlenecks[0]
    assert (top.source, top.target, top.score) == ("post supplier invoice", "pay supplier", 91 * H)
    assert [(b.source, b.target) for b in rep.bottlenecks[1:3]] == [
        ("approve purchase order", "receive goods"),
        ("receive goods", "receive goods"),
    ]
    assert rep.rework.rework_count == 1
    assert [(r.object_id, r.activity) for r in rep.rework.repeats] == [(d["C"], "receive goods")]
    tail = ("post supplier invoice", "pay supplier", "allocate supplier payment")
    assert sorted((v.activities, v.count) for v in rep.variants) == sorted(
        [
            (("create purchase order", "receive goods", *tail), 1),
            (("create purchase order", "approve purchase order", "receive goods", *tail), 1),
            (
                (
                    "create purchase order",
                    "approve purchase order",
                    "receive goods",
                    "receive goods",
                    *tail,
                ),
                1,
            ),
        ]
    )
    # each event of the orders' traces once per actor (a payment and its allocation: treasurer)
    assert [(w.actor, w.events) for w in rep.workload] == [
        ("treasurer", 6),
        ("clerk", 4),
        ("accountant", 3),
        ("buyer", 3),
        ("boss", 2),
    ]
    handovers = {(h.source, h.target): h.count for h in rep.handovers}
    assert handovers[("buyer", "boss")] == 2 and handovers[("accountant", "treasurer")] == 3
    # all three started and finished in the week of 5 January: none in progress at its ends
    monday = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    assert rep.work_in_progress == ((monday, 0), (monday + dt.timedelta(days=7), 0))
    assert [(w.period_start, w.started, w.completed) for w in rep.throughput] == [
        (monday.date(), 3, 3)
    ]
    # nobody both created and approved, booked and paid: no breach
    assert conformance(load_log(erp)) == ()


def test_order_to_cash_by_hand(book: Any) -> None:
    erp, _, d = book
    rep = process_report_of(load_log(erp), "order-to-cash")
    assert (rep.cases, rep.finished) == (2, 2)
    # S1: 100h -> paid 150h; S2: 102h -> paid 200h
    assert dict(rep.cycle.per_object) == {d["S1"]: 50 * H, d["S2"]: 98 * H}
    s = rep.cycle.stats
    assert s is not None
    assert (s.median, s.p90, s.max) == (74 * H, dt.timedelta(hours=93.2), 98 * H)
    arrows = {(a.source, a.target): (a.count, a.waits.mean) for a in rep.arrows}
    assert arrows == {
        ("create sales order", "confirm sales order"): (2, 1.5 * H),  # 1h, 2h
        ("confirm sales order", "deliver goods"): (2, 12.5 * H),  # 9h, 16h
        ("deliver goods", "deliver goods"): (1, 10 * H),  # S2 120 -> 130
        ("deliver goods", "post sales invoice"): (2, 1.5 * H),  # 2h, 1h
        ("post sales invoice", "receive customer payment"): (2, 53.5 * H),  # 38h, 69h
        ("receive customer payment", "allocate customer receipt"): (2, 0 * H),
    }
    top = rep.bottlenecks[0]
    assert (top.source, top.target, top.score) == (
        "post sales invoice",
        "receive customer payment",
        107 * H,
    )
    assert rep.rework.rework_count == 1
    assert sorted(v.count for v in rep.variants) == [1, 1]


def test_hire_to_pay_runs_from_hiring_to_the_first_salary_paid(book: Any) -> None:
    erp, _, d = book
    ann, bob = d["employees"]
    rep = process_report_of(load_log(erp), "hire-to-pay")
    assert (rep.kind, rep.object_type, rep.cases, rep.finished) == (
        "hire-to-pay",
        "employee",
        2,
        2,
    )
    # Ann hired 200h, paid 310h; Bob hired 206h, paid 420h (his January slip was paid late)
    assert dict(rep.cycle.per_object) == {
        f"employee:{ann}": 110 * H,
        f"employee:{bob}": 214 * H,
    }
    # assigning the salary (207h) is a change of the employee's record; the trace stops at
    # the first salary paid: Bob's February slip (400h) came before his first pay (420h), the
    # February payments after it are not in the traces
    change = ("hire employee", "change employee record", "issue payslip")
    assert sorted((v.activities, v.count) for v in rep.variants) == [
        ((*change, "issue payslip", "pay salary"), 1),
        ((*change, "pay salary"), 1),
    ]
    arrows = {(a.source, a.target): (a.count, a.waits.mean) for a in rep.arrows}
    assert arrows == {
        ("hire employee", "change employee record"): (2, 4 * H),  # 7h and 1h
        ("change employee record", "issue payslip"): (2, 93 * H),
        ("issue payslip", "issue payslip"): (1, 100 * H),
        ("issue payslip", "pay salary"): (2, 15 * H),  # Ann 300 -> 310, Bob 400 -> 420
    }
    assert rep.rework.rework_count == 1


def test_every_named_process_is_known_and_an_unknown_one_is_refused(book: Any) -> None:
    erp, _, _ = book
    assert list(PROCESS_KINDS) == ["purchase-to-pay", "order-to-cash", "production", "hire-to-pay"]
    with pytest.raises(ValidationError) as err:
        process_report_of(load_log(erp), "procure-to-pay")
    assert err.value.field == "kind" and "purchase-to-pay" in str(err.value)
    with pytest.raises(ValidationError, match="no work order in the book"):
        process_report_of(load_log(erp), "production")


def test_cli_process_kind_export_ocel_and_the_process_map(book: Any, tmp_path: Path) -> None:
    _, url, _ = book
    run = CliRunner()
    env = {"ERP_DATABASE_URL": url}
    r = run.invoke(main, ["report", "process", "purchase-to-pay", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert (data["kind"], data["cases"], data["rework"]["rework_count"]) == (
        "purchase-to-pay",
        3,
        1,
    )
    r = run.invoke(main, ["report", "process", "order-to-cash"], env=env)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("order-to-cash (sales_order) (recorded times): 2 cases, 2 finished")
    r = run.invoke(main, ["report", "process"], env=env)
    assert r.exit_code == 2 and "give KIND" in r.output
    r = run.invoke(
        main, ["report", "process", "order-to-cash", "--object-type", "sales_order"], env=env
    )
    assert r.exit_code == 2 and "one of them" in r.output
    r = run.invoke(main, ["report", "process", "quote-to-cash"], env=env)
    assert r.exit_code == 2 and "unknown process 'quote-to-cash'" in r.output
    out = tmp_path / "book.ocel.json"
    r = run.invoke(main, ["export", "ocel", str(out)], env=env)
    assert r.exit_code == 0, r.output
    events = json.loads(out.read_text())["events"]
    assert r.output.startswith(f"wrote {out}: {len(events)} events")
    assert {"hire employee", "issue payslip", "pay salary"} <= {e["type"] for e in events}
    r = run.invoke(main, ["export", "ocel", str(tmp_path / "x.json"), "--format", "xml"], env=env)
    assert r.exit_code == 2
    r = run.invoke(
        main, ["report", "process", "order-to-cash", "--plot", str(tmp_path / "m.pdf")], env=env
    )
    assert r.exit_code == 2 and "PNG or SVG" in r.output
    pytest.importorskip("matplotlib")
    for name in ("map.png", "map.svg"):
        r = run.invoke(
            main, ["report", "process", "purchase-to-pay", "--plot", str(tmp_path / name)], env=env
        )
        assert r.exit_code == 0, r.output
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "map.svg").read_text()
    assert "<svg" in svg and "post supplier invoice" in svg


def test_payroll_cost_per_head_and_supplier_on_time(book: Any) -> None:
    from erp_core.insight.reports import kpis_of

    erp, _, _ = book
    rep = kpis_of(erp, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    # January: two slips, 3000 + 2000 gross, no employer contributions; 2 heads
    assert rep.payroll_cost == Decimal("5000.00")
    assert rep.payroll_cost_per_head is not None
    assert rep.payroll_cost_per_head.value == Decimal("2500.00")
    # all three purchase orders were due on 7 January: A and B were received in full by then,
    # C only in part (10 of 30 by the 6th, the rest on the 8th)
    assert rep.supplier_on_time is not None
    assert rep.supplier_on_time.value == Decimal("66.67")
    # both sales orders were due on 12 January: S1 delivered on the 10th; S2 only 4 of 10 by
    # the 12th
    assert rep.otif is not None and rep.otif.value == Decimal("50.00")
    assert rep.production_yield is not None and rep.production_yield.value is None
    assert rep.production_yield.reason == "no production reported in the period"
