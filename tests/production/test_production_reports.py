"""Cost sheet, WIP as of a date, yield and schedule adherence, with figures computed by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from click.testing import CliRunner
from erp_core.projections.production import (
    cost_sheet,
    production_yield,
    schedule_adherence,
    wip_as_of,
)
from production_helpers import all_checks_ok, chair_factory, dump

from erp_core import Erp
from erp_core.cli import cli

D = Decimal


def chairs_made(erp: Erp) -> None:
    """WO-1: 6 chairs due 03-09, closed short; WO-2: 1 chair due 03-10, nothing done;
    WO-3: 1 chair due 03-20, made on 03-13."""
    chair_factory(erp)
    erp.register_work_centre(
        code="PAINT", name="Paint shop", labour_rate="20.00", overhead_rate="12.50"
    )
    wo = "WO-2026-000001"
    erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="6", warehouse="MAIN", due="2026-03-09"
    )
    erp.release_work_order(work_order=wo, date="2026-03-05")
    # 26 legs: 12 @ 3.00 + 14 @ 3.50 = 85.00; 6 seats @ 20.00 = 120.00
    erp.issue_to_work_order(
        work_order=wo,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "26", "reason": "spares"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "6"},
        ],
    )
    # 3 legs back at 85.00 x 3 / 26 = 9.81
    erp.return_from_work_order(
        work_order=wo,
        date="2026-03-07",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "3"}],
    )
    erp.report_progress(work_order=wo, date="2026-03-07", work_centre="ASSY", hours="1.25")
    erp.report_progress(
        work_order=wo,
        date="2026-03-08",
        work_centre="PAINT",
        hours="0.5",
        good_quantity="5",
        rejected_quantity="1",
        reason="cracked seat",
    )
    erp.complete_work_order(work_order=wo, date="2026-03-09", quantity="2")  # 83.81
    erp.complete_work_order(work_order=wo, date="2026-03-10", quantity="3")  # 125.72
    erp.close_work_order(work_order=wo, date="2026-03-11", reason="one chair scrapped")
    erp.create_work_order(
        date="2026-03-06", item="CHAIR", quantity="1", warehouse="MAIN", due="2026-03-10"
    )
    erp.create_work_order(
        date="2026-03-12", item="CHAIR", quantity="1", warehouse="MAIN", due="2026-03-20"
    )
    wo3 = "WO-2026-000003"
    erp.release_work_order(work_order=wo3, date="2026-03-12")
    # legs left: 6 @ 3.50 first (FIFO), then the 3 returned: 4 x 3.50 = 14.00; a seat 20.00
    erp.issue_to_work_order(
        work_order=wo3,
        date="2026-03-12",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "4"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "1"},
        ],
    )
    erp.complete_work_order(work_order=wo3, date="2026-03-13", quantity="1")


def test_cost_sheet_of_a_work_order_closed_short(any_erp: Erp) -> None:
    erp = any_erp
    chairs_made(erp)
    sheet = erp.query(cost_sheet, "WO-2026-000001")
    assert sheet is not None
    assert (sheet.planned_quantity, sheet.good_quantity, sheet.rejected_quantity) == (6, 5, 1)
    legs, seats = sheet.materials
    assert (legs.item, legs.issued_quantity, legs.issued_value) == ("LEG", 26, D("85.00"))
    assert (legs.returned_quantity, legs.returned_value) == (3, D("9.81"))
    assert (legs.net_quantity, legs.net_value, legs.adjustments) == (23, D("75.19"), 0)
    assert (seats.item, seats.net_quantity, seats.net_value) == ("SEAT", 6, D("120.00"))
    assert [(c.work_centre, c.hours, c.labour, c.overhead) for c in sheet.centres] == [
        ("ASSY", D("1.25"), D("40.00"), D("0.00")),
        ("PAINT", D("0.5"), D("10.00"), D("6.25")),
    ]
    assert [(o.item, o.kind, o.quantity, o.value) for o in sheet.outputs] == [
        ("CHAIR", "main", 5, D("209.53"))
    ]
    # value in 195.19 + 50.00 + 6.25 = 251.44 = 209.53 received + 41.91 variance
    assert (sheet.material_cost, sheet.labour, sheet.overhead) == (
        D("195.19"),
        D("50.00"),
        D("6.25"),
    )
    assert (sheet.value_in, sheet.finished_goods, sheet.variance, sheet.wip) == (
        D("251.44"),
        D("209.53"),
        D("41.91"),
        D("0.00"),
    )
    assert sheet.unit_cost == D("41.9060")  # 209.53 / 5
    assert erp.query(cost_sheet, "WO-2026-999999") is None


def test_wip_as_of_each_date(any_erp: Erp) -> None:
    erp = any_erp
    chairs_made(erp)

    def wip(day: str) -> list[tuple[str, Decimal]]:
        return [(r.document, r.wip) for r in erp.query(wip_as_of, dt.date.fromisoformat(day))]

    assert wip("2026-03-05") == []
    assert wip("2026-03-06") == [("WO-2026-000001", D("205.00"))]
    assert wip("2026-03-07") == [("WO-2026-000001", D("235.19"))]  # - 9.81 + 40.00
    assert wip("2026-03-08") == [("WO-2026-000001", D("251.44"))]  # + 10.00 + 6.25
    assert wip("2026-03-09") == [("WO-2026-000001", D("167.63"))]  # - 83.81
    assert wip("2026-03-10") == [("WO-2026-000001", D("41.91"))]  # - 125.72
    assert wip("2026-03-11") == []
    assert wip("2026-03-12") == [("WO-2026-000003", D("34.00"))]
    assert wip("2026-03-13") == []
    all_checks_ok(erp)


def test_yield_and_scrap_per_item_and_period(erp: Erp) -> None:
    chairs_made(erp)
    (march,) = erp.query(production_yield, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    # 6 good received (2 + 3 + 1), 1 rejected: 6/7 = 85.71 %, 1/7 = 14.29 %
    assert (march.item, march.work_orders, march.good_quantity, march.rejected_quantity) == (
        "CHAIR",
        2,
        6,
        1,
    )
    assert (march.yield_pct, march.scrap_pct) == (D("85.71"), D("14.29"))
    (early,) = erp.query(production_yield, None, dt.date(2026, 3, 9))
    assert (early.good_quantity, early.rejected_quantity) == (2, 1)
    assert (early.yield_pct, early.scrap_pct) == (D("66.67"), D("33.33"))
    assert erp.query(production_yield, dt.date(2026, 4, 1), None) == []


def test_schedule_adherence(erp: Erp) -> None:
    chairs_made(erp)
    report = erp.query(schedule_adherence, dt.date(2026, 3, 15))
    assert [(r.document, r.state, r.days_late) for r in report.rows] == [
        ("WO-2026-000001", "closed_short", None),
        ("WO-2026-000002", "overdue", 5),
        ("WO-2026-000003", "on_time", -7),
    ]
    assert (report.completed, report.on_time, report.on_time_pct, report.overdue) == (
        1,
        1,
        D("100.00"),
        1,
    )
    # on 03-12 the third order was not done yet (and not due): open
    earlier = erp.query(schedule_adherence, dt.date(2026, 3, 12))
    assert [(r.document, r.state) for r in earlier.rows] == [
        ("WO-2026-000001", "closed_short"),
        ("WO-2026-000002", "overdue"),
        ("WO-2026-000003", "open"),
    ]
    assert earlier.on_time_pct is None


def test_rebuild_equals_live(erp: Erp) -> None:
    chairs_made(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_reports_on_the_command_line(erp: Erp, sqlite_url: str) -> None:
    chairs_made(erp)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", sqlite_url, "--actor", "maker", *args])
        assert result.exit_code == 0, result.output
        return result.output

    sheet = json.loads(run("report", "cost-sheet", "WO-2026-000001", "--format", "json"))
    assert (sheet["value_in"], sheet["variance"], sheet["unit_cost"]) == (
        "251.44",
        "41.91",
        "41.9060",
    )
    table = run("report", "cost-sheet", "WO-2026-000001")
    assert "LEG" in table and "75.19" in table and "PAINT" in table
    wip = json.loads(run("report", "wip", "--as-of", "2026-03-08", "--format", "json"))
    assert [(r["document"], r["wip"]) for r in wip] == [("WO-2026-000001", "251.44")]
    rows = json.loads(
        run("report", "yield", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json")
    )
    assert [(r["item"], r["yield_pct"], r["scrap_pct"]) for r in rows] == [
        ("CHAIR", "85.71", "14.29")
    ]
    adherence = json.loads(
        run("report", "schedule-adherence", "--as-of", "2026-03-15", "--format", "json")
    )
    assert (adherence["on_time"], adherence["overdue"]) == (1, 1)
    assert "overdue" in run("report", "schedule-adherence", "--as-of", "2026-03-15")
