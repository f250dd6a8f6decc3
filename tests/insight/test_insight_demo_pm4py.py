"""The OCEL 2.0 export of the demo company, read back by pm4py (another tool proves the file
is valid): the counts pm4py reads equal what was written, and the documents in it equal the
documents of the book's read models."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from erp_core.api import Erp
from erp_core.insight.reports import export_ocel

pm4py = pytest.importorskip("pm4py")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from erp_core.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    erp = Erp.open(f"sqlite:///{path}", actor="demo")
    build_demo(erp)
    yield erp
    erp.close()


def _count(erp: Erp, table: Any) -> int:
    return int(
        erp.query(lambda conn: conn.execute(select(func.count()).select_from(table)).scalar())
    )


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_pm4py_reads_the_demo_export_with_the_counts_written(
    demo: Any, tmp_path: Path, fmt: str
) -> None:
    from erp_core.projections.schema import purchase_orders, sales_invoices, sales_orders

    path = tmp_path / f"demo.{fmt}"
    log = export_ocel(demo, path, fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = (pm4py.read_ocel2_json if fmt == "json" else pm4py.read_ocel2_sqlite)(str(path))
    assert len(ocel.events) == len(log.events) > 0
    assert len(ocel.objects) == len(log.objects) > 0
    assert len(ocel.relations) == log.e2o_count
    assert len(ocel.o2o) == log.o2o_count
    assert set(ocel.events["ocel:activity"]) == set(log.event_types)
    # every document of the read models is an object of its type in the file
    types = ocel.objects["ocel:type"].value_counts().to_dict()
    assert types["purchase_order"] == _count(demo, purchase_orders)
    assert types["sales_order"] == _count(demo, sales_orders)
    assert types["sales_invoice"] == _count(demo, sales_invoices)
    # one "create purchase order" event per order
    activities = ocel.events["ocel:activity"].value_counts().to_dict()
    assert activities["create purchase order"] == _count(demo, purchase_orders)


def _rows(erp: Erp, table: Any, *where: Any) -> int:
    query = select(func.count()).select_from(table)
    for condition in where:
        query = query.where(condition)
    return int(erp.query(lambda conn: conn.execute(query).scalar()))


def test_the_demo_export_holds_every_area_with_counts_from_the_read_models_and_the_story(
    demo: Any, tmp_path: Path
) -> None:
    """Production, people, payroll and the closing calendar are in the export: object and event
    counts from the read models of those areas, or from the demo's story (demo.py)."""
    from erp_core.projections.hr import hr_employees
    from erp_core.projections.payroll import payroll_liabilities, payroll_slips
    from erp_core.projections.production import production_work_orders
    from erp_core.projections.schema import fiscal_periods

    path = tmp_path / "demo.json"
    export_ocel(demo, path, "json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = pm4py.read_ocel2_json(str(path))
    types = ocel.objects["ocel:type"].value_counts().to_dict()
    activities = ocel.events["ocel:activity"].value_counts().to_dict()
    # read models
    assert types["work_order"] == _rows(demo, production_work_orders) > 0
    assert types["employee"] == _rows(demo, hr_employees) > 0
    assert types["payslip"] == _rows(demo, payroll_slips) > 0
    # the liabilities table holds each run's accrual (no authority) and each remittance
    remitted = _rows(demo, payroll_liabilities, payroll_liabilities.c.authority != "")
    assert activities["remit payroll liabilities"] == remitted > 0
    years = demo.query(
        lambda conn: conn.execute(select(fiscal_periods.c.fiscal_year).distinct()).all()
    )
    assert activities["open fiscal year"] == types["fiscal_year"] == len(years) == 2
    # the story: January to November closed month by month, then the year, whose close also
    # closes December; payroll from February, its tax and pensions remitted each month in
    # two lines (accounts 2462, 2463)
    closed = _rows(demo, fiscal_periods, fiscal_periods.c.status != "open")
    assert activities["close period"] == types["period"] == closed == 11 + 1
    assert activities["close fiscal year"] == 1
    assert activities["remit payroll liabilities"] == 11 * 2
    # two leave requests, both approved; two employees reviewed: goals, self and manager
    # ratings, a final score each, one cycle opened and closed
    assert (activities["request leave"], activities["approve leave"]) == (2, 2)
    assert types["leave_request"] == 2
    assert (types["appraisal"], types["appraisal_cycle"]) == (2, 1)
    assert activities["set appraisal goals"] == activities["finalise appraisal"] == 2
    assert activities["rate appraisal"] == 4
    assert activities["open appraisal cycle"] == activities["close appraisal cycle"] == 1
    assert activities["record attendance"] == 1
    # production set-up: one work centre, a BOM for each of the two made items
    assert activities["register work centre"] == types["work_centre"] == 1
    assert activities["define bill of materials"] == types["bill_of_materials"] == 2


def test_a_window_of_the_demo_reads_back_too(demo: Any, tmp_path: Path) -> None:
    path = tmp_path / "q1.json"
    log = export_ocel(
        demo,
        path,
        "json",
        basis="effective",
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 3, 31),
    )
    ocel = pm4py.read_ocel2_json(str(path))
    assert 0 < len(ocel.events) == len(log.events)
    assert ocel.events["ocel:timestamp"].max().date() <= dt.date(2026, 3, 31)
