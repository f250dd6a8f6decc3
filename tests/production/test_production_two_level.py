"""A costed two-level story, hand-computed end to end: the plan buys the table through
procurement's purchase plan, the chairs are made in-house, then the dining set from them;
every voucher is checked line by line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from erp_core.projections.production import cost_sheet, production_plan, work_orders
from production_helpers import all_checks_ok, balance, chair_factory, dump

from erp_core import Erp
from erp_core.kernel.errors import ErpError

D = Decimal


def voucher(erp: Erp, document: str) -> list[tuple[str, Decimal]]:
    """(account, debit-positive amount) of every line of `document`, in line order."""
    return [(x.account, x.base) for x in erp.general_ledger() if x.document == document]


def test_two_level_dining_set_bought_table_made_chairs(erp: Erp) -> None:
    # Legs 12 @ 3.00 + 20 @ 3.50 (FIFO), seats 10 @ 20.00; chair = 4 legs + 1 seat + 0.25 h
    # at ASSY (32.00/h). A dining set = 2 chairs + 1 table + 0.5 h at ASSY; the table is bought.
    chair_factory(erp)
    erp.register_item(code="TABLE", name="Table", uom="pcs")
    erp.register_item(code="SET", name="Dining set", uom="pcs")
    erp.define_bom(
        item="SET",
        components=[{"item": "CHAIR", "quantity": "2"}, {"item": "TABLE", "quantity": "1"}],
        operations=[{"work_centre": "ASSY", "hours": "0.5"}],
    )
    # 1. Plan one set: SET net 1 (make), CHAIR 2 (make), TABLE 1 (buy); legs 8 and seats 2
    #    are covered by stock.
    (plan,) = erp.create_production_plan(
        date="2026-03-04",
        start="2026-03-01",
        end="2026-03-31",
        demand=[{"item": "SET", "quantity": "1", "wanted": "2026-03-20"}],
    ).documents
    report = erp.query(production_plan, plan)
    assert report is not None
    rows = {r.item: (r.kind, r.gross, r.on_hand, r.net, r.planned) for r in report.rows}
    assert rows == {
        "SET": ("made", D(1), D(0), D(1), D(1)),
        "CHAIR": ("made", D(2), D(0), D(2), D(2)),
        "TABLE": ("bought", D(1), D(0), D(1), D(1)),
        "LEG": ("bought", D(8), D(32), D(0), D(0)),
        "SEAT": ("bought", D(2), D(10), D(0), D(0)),
    }
    # 2. The purchase is handed to procurement as a purchase plan, ordered and received.
    (purchase_plan,) = erp.create_purchase_plan_from_production_plan(
        plan=plan, date="2026-03-04"
    ).documents
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="no planned purchase left"):
        erp.create_purchase_plan_from_production_plan(plan=plan, date="2026-03-04")
    buy_line = next(o.line for o in report.orders if o.kind == "buy")
    with pytest.raises(ErpError, match=f"already in purchase plan {purchase_plan}"):
        erp.create_purchase_plan_from_production_plan(
            plan=plan, date="2026-03-04", lines=[buy_line]
        )
    assert erp.store.last_position() == head
    erp.configure_procurement(approval_threshold="1000000.00")
    erp.register_supplier(code="WOODCO", name="Wood Co")
    (po,) = erp.order_purchase_plan(
        plan=purchase_plan,
        date="2026-03-04",
        expected_delivery="2026-03-06",
        lines=[{"line": 1, "supplier": "WOODCO", "price": "100.00", "warehouse": "MAIN"}],
    ).documents
    erp.receive_purchase_order(document=po, date="2026-03-06", lines=[{"line": 1, "accepted": "1"}])
    # 3. Work orders for the made items, as planned.
    made = erp.create_work_orders_from_plan(plan=plan, date="2026-03-05", warehouse="MAIN")
    orders = {r.item: r.document for r in erp.query(work_orders)}
    assert sorted(orders.values()) == sorted(made.documents)
    chair_wo, set_wo = orders["CHAIR"], orders["SET"]
    for wo in (chair_wo, set_wo):
        erp.release_work_order(work_order=wo, date="2026-03-05")
    # 4. The chairs: 8 legs FIFO 8 x 3.00 = 24.00, 2 seats 40.00, 0.5 h x 32.00 = 16.00
    (wi1,) = erp.issue_to_work_order(
        work_order=chair_wo,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "8"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "2"},
        ],
    ).documents
    assert voucher(erp, wi1) == [
        ("1350", D("24.00")),
        ("1300", D("-24.00")),
        ("1350", D("40.00")),
        ("1300", D("-40.00")),
    ]
    (wh1,) = erp.report_progress(
        work_order=chair_wo, date="2026-03-07", work_centre="ASSY", hours="0.5"
    ).documents
    assert voucher(erp, wh1) == [("1350", D("16.00")), ("5410", D("-16.00"))]
    (wf1,) = erp.complete_work_order(work_order=chair_wo, date="2026-03-08", quantity="2").documents
    # 80.00 into 2 chairs, 40.00 each
    assert voucher(erp, wf1) == [("1300", D("80.00")), ("1350", D("-80.00"))]
    # 5. The set: 2 chairs at 40.00 = 80.00, the table 100.00, 0.5 h = 16.00: 196.00
    (wi2,) = erp.issue_to_work_order(
        work_order=set_wo,
        date="2026-03-09",
        lines=[
            {"item": "CHAIR", "warehouse": "MAIN", "quantity": "2"},
            {"item": "TABLE", "warehouse": "MAIN", "quantity": "1"},
        ],
    ).documents
    assert voucher(erp, wi2) == [
        ("1350", D("80.00")),
        ("1300", D("-80.00")),
        ("1350", D("100.00")),
        ("1300", D("-100.00")),
    ]
    (wh2,) = erp.report_progress(
        work_order=set_wo, date="2026-03-10", work_centre="ASSY", hours="0.5"
    ).documents
    assert voucher(erp, wh2) == [("1350", D("16.00")), ("5410", D("-16.00"))]
    (wf2,) = erp.complete_work_order(work_order=set_wo, date="2026-03-11", quantity="1").documents
    assert voucher(erp, wf2) == [("1300", D("196.00")), ("1350", D("-196.00"))]
    for wo in (chair_wo, set_wo):
        assert erp.close_work_order(work_order=wo, date="2026-03-12").documents == []
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5410") == D("-32.00")
    sheet = erp.query(cost_sheet, set_wo)
    assert sheet is not None
    assert (sheet.value_in, sheet.finished_goods, sheet.unit_cost) == (
        D("196.00"),
        D("196.00"),
        D("196.0000"),
    )
    # planned from the BOM at the costs when the order was made: chairs had no stock then
    # (0.00), the table neither; 0.5 h x 32.00 = 16.00
    assert [(m.item, m.planned_quantity, m.net_quantity) for m in sheet.materials] == [
        ("CHAIR", D(2), D(2)),
        ("TABLE", D(1), D(1)),
    ]
    assert (sheet.planned_labour, sheet.centres[0].planned_hours) == (D("16.00"), D("0.5"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_bad_purchase_plan_handovers_are_refused_and_store_nothing(erp: Erp) -> None:
    chair_factory(erp)
    (plan,) = erp.create_production_plan(
        date="2026-03-10",
        start="2026-03-01",
        end="2026-03-31",
        demand=[{"item": "CHAIR", "quantity": "10", "wanted": "2026-03-25"}],
    ).documents
    report = erp.query(production_plan, plan)
    assert report is not None
    make = next(o.line for o in report.orders if o.kind == "make")
    buy = next(o.line for o in report.orders if o.kind == "buy")
    head = erp.store.last_position()
    for kwargs, message in (
        ({"plan": "PP-2026-000099"}, "unknown production plan"),
        ({"plan": plan, "lines": [make]}, f"line {make} of plan {plan} is not a planned purchase"),
        ({"plan": plan, "lines": [buy, buy]}, "given twice"),
        ({"plan": plan, "lines": [99]}, "is not a planned purchase"),
    ):
        with pytest.raises(ErpError, match=message):
            erp.create_purchase_plan_from_production_plan(date="2026-03-10", **kwargs)
    with pytest.raises(ErpError, match="before plan"):
        erp.create_purchase_plan_from_production_plan(plan=plan, date="2026-03-09")
    with pytest.raises(ErpError, match="must not be negative"):
        erp.change_work_centre_rates(code="ASSY", date="2026-03-10", labour_rate="-1")
    assert erp.store.last_position() == head
