"""The production process and its KPIs on a clocked book, by hand: two work orders, one with a
rejected unit, one completed after its due date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from erp_core.api import Erp
from erp_core.insight.reports import kpis_of, load_log, process_report_of

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    now = [T0]
    url = f"sqlite:///{tmp_path_factory.mktemp('production') / 'p.sqlite'}"
    erp = Erp.open(url, actor="admin", clock=lambda: now[0])

    def at(hours: float) -> Erp:
        now[0] = T0 + dt.timedelta(hours=hours)
        return erp

    erp.init("Works Co", "EUR", dt.date(2026, 1, 1))
    erp.open_account(code="1350", name="Work in progress", type="asset", parent="1100")
    erp.open_account(code="5410", name="Applied labour", type="expense", parent="5000")
    erp.open_account(code="5420", name="Applied overhead", type="expense", parent="5000")
    erp.open_account(code="5500", name="Production variance", type="expense", parent="5000")
    erp.register_item(code="LEG", name="Leg", uom="pcs")
    erp.register_item(code="CHAIR", name="Chair", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.receive_stock(
        date="2026-01-02",
        account="1120",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "40", "unit_cost": "3.00"}],
    )
    erp.configure_production(wip_account="1350", variance_account="5500")
    erp.register_work_centre(
        code="ASSY",
        name="Assembly",
        labour_rate="30.00",
        overhead_rate="10.00",
        labour_account="5410",
        overhead_account="5420",
    )
    erp.define_bom(
        item="CHAIR",
        components=[{"item": "LEG", "quantity": "4"}],
        operations=[{"work_centre": "ASSY", "hours": "0.25", "name": "assemble"}],
    )
    w1 = (
        at(0)
        .create_work_order(
            date="2026-01-05", item="CHAIR", quantity="5", warehouse="MAIN", due="2026-01-20"
        )
        .documents[0]
    )
    w2 = (
        at(1)
        .create_work_order(
            date="2026-01-05", item="CHAIR", quantity="2", warehouse="MAIN", due="2026-01-10"
        )
        .documents[0]
    )
    at(2).release_work_order(work_order=w1, date="2026-01-05")
    at(3).release_work_order(work_order=w2, date="2026-01-05")
    at(5).issue_to_work_order(
        work_order=w1,
        date="2026-01-06",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "20"}],
    )
    at(6).issue_to_work_order(
        work_order=w2,
        date="2026-01-06",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "8"}],
    )
    at(20).report_progress(
        work_order=w1,
        date="2026-01-14",
        work_centre="ASSY",
        hours="1",
        good_quantity="4",
        rejected_quantity="1",
        reason="cracked seat",
    )
    at(24).complete_work_order(work_order=w1, date="2026-01-15", quantity="4", final=True)
    at(30).close_work_order(work_order=w1, date="2026-01-16")
    at(48).complete_work_order(work_order=w2, date="2026-01-12", quantity="2")
    at(50).close_work_order(work_order=w2, date="2026-01-16")
    yield erp, {"W1": w1, "W2": w2}
    erp.close()


def test_production_process_by_hand(book: Any) -> None:
    erp, d = book
    rep = process_report_of(load_log(erp), "production")
    assert (rep.kind, rep.object_type, rep.cases, rep.finished) == (
        "production",
        "work_order",
        2,
        2,
    )
    assert dict(rep.cycle.per_object) == {d["W1"]: 30 * H, d["W2"]: 49 * H}
    waits = {(a.source, a.target): (a.count, a.waits.mean) for a in rep.arrows}
    assert waits[("create work order", "release work order")] == (2, 2 * H)
    assert waits[("release work order", "issue material to work order")] == (2, 3 * H)
    # W2 waited 42h from its issue to its receipt: the bottleneck
    top = rep.bottlenecks[0]
    assert (top.source, top.target, top.score) == (
        "issue material to work order",
        "receive finished goods",
        42 * H,
    )


def test_production_yield_and_schedule_adherence_by_hand(book: Any) -> None:
    erp, _ = book
    rep = kpis_of(erp, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert rep.production_yield is not None and rep.schedule_adherence is not None
    # 4 + 2 good, 1 rejected: 6 / 7
    assert rep.production_yield.value == Decimal("85.71")
    # W1 due the 20th, completed the 15th; W2 due the 10th, completed the 12th
    assert rep.schedule_adherence.value == Decimal("50.00")
    previous = kpis_of(erp, dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert previous.schedule_adherence is not None
    assert previous.schedule_adherence.reason == "no work orders due in the period"
