"""A back-dated component receipt re-costs an issue to a work order: the chain carries on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from erp_core.projections.production import cost_sheet, work_orders
from production_helpers import all_checks_ok, balance, chair_factory, dump

from erp_core import Erp
from erp_core.kernel.errors import ErpError

D = Decimal
WO = "WO-2026-000001"


def five_chairs_issued(erp: Erp) -> None:
    chair_factory(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    # 12 @ 3.00 + 8 @ 3.50 = 64.00; 5 seats 100.00
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )


def cheap_legs_back_dated(erp: Erp) -> None:
    """10 legs @ 2.00 on 03-01, before everything: the 20 legs issued become
    10 @ 2.00 + 10 @ 3.00 = 50.00 instead of 64.00 (WIP 14.00 lower)."""
    erp.receive_stock(
        date="2026-03-01",
        account="1120",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "10", "unit_cost": "2.00"}],
    )


def test_recosting_before_completion_flows_into_the_finished_goods(erp: Erp) -> None:
    five_chairs_issued(erp)
    assert balance(erp, "1350") == D("164.00")
    cheap_legs_back_dated(erp)
    # inventory's CA- voucher moved the WIP account; the work order's WIP follows
    assert balance(erp, "1350") == D("150.00")
    (row,) = erp.query(work_orders)
    assert row.wip == D("150.00")
    all_checks_ok(erp)
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    legs = sheet.materials[0]
    assert (legs.issued_value, legs.adjustments, legs.net_value) == (
        D("64.00"),
        D("-14.00"),
        D("50.00"),
    )
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")
    # 150.00 + 48.00 = 198.00 into the chairs, 39.60 each; WIP exactly 0.00
    assert balance(erp, "1350") == D("0.00")
    (receipt,) = [r for r in erp.stock_ledger("CHAIR") if r.kind == "wo_receipt"]
    assert receipt.value == D("198.00")
    (row,) = erp.query(work_orders)
    assert (row.wip, row.received, row.unit_cost) == (D("0.00"), D("198.00"), D("39.6000"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def problems(erp: Erp) -> list[str]:
    return [r.message for r in erp.check() if not r.ok]


def test_recosting_after_completion_can_still_be_closed_to_variance(any_erp: Erp) -> None:
    erp = any_erp
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00
    cheap_legs_back_dated(erp)
    # the chairs keep 212.00 for now; the 14.00 stays on the completed order (credit WIP),
    # which erp check names until it is carried on (recost_work_order) or closed
    assert balance(erp, "1350") == D("-14.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.received) == ("completed", D("-14.00"), D("212.00"))
    (problem,) = problems(erp)
    assert f"{WO}: completed at actual cost with -14.00 left in WIP" in problem
    assert "recost_work_order" in problem
    with pytest.raises(ErpError, match="reason"):
        erp.close_work_order(work_order=WO, date="2026-03-20")
    # ... until the order is closed: a favourable 14.00 production variance
    erp.close_work_order(work_order=WO, date="2026-03-20", reason="legs re-costed")
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5500") == D("-14.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.variance) == ("closed", D("0.00"), D("-14.00"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_recosting_of_a_closed_order_is_closed_again_to_variance(erp: Erp) -> None:
    five_chairs_issued(erp)
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 164.00
    erp.close_work_order(work_order=WO, date="2026-03-09")
    with pytest.raises(ErpError, match="is closed: cannot close it"):
        erp.close_work_order(work_order=WO, date="2026-03-10", reason="again")
    cheap_legs_back_dated(erp)
    assert balance(erp, "1350") == D("-14.00")
    (problem,) = problems(erp)
    assert f"{WO}: closed with -14.00 left in WIP" in problem
    erp.close_work_order(work_order=WO, date="2026-03-20", reason="legs re-costed")
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5500") == D("-14.00")
    all_checks_ok(erp)
    with pytest.raises(ErpError, match="is closed"):
        erp.issue_to_work_order(
            work_order=WO,
            date="2026-03-21",
            lines=[{"item": "SEAT", "warehouse": "MAIN", "quantity": "1"}],
        )


def sell_three_chairs(erp: Erp) -> None:
    erp.configure_sales()
    erp.register_customer(
        code="C1",
        name="Cust One",
        credit_level="B",
        credit_limit="10000.00",
        payment_terms_days=30,
    )
    order = erp.create_sales_order(
        date="2026-03-10",
        customer="C1",
        delivery_date="2026-03-12",
        lines=[{"item": "CHAIR", "quantity": "3", "price": "90.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    erp.deliver_sales_order(document=order, date="2026-03-12", lines=[{"line": 1, "quantity": "3"}])


def test_chain_rm_wip_fg_cogs_after_completion(any_erp: Erp) -> None:
    """RM -> WIP -> FG -> COGS: a back-dated leg receipt after the chairs were made and three
    of them sold flows through explicit adjustments to the cost of goods sold."""
    erp = any_erp
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00, 42.40
    sell_three_chairs(erp)  # COGS 3 x 42.40 = 127.20
    assert balance(erp, "5100") == D("127.20")
    cheap_legs_back_dated(erp)  # the legs issued: 64.00 -> 50.00, WIP -14.00
    assert balance(erp, "1350") == D("-14.00")
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="before work order"):
        erp.recost_work_order(work_order=WO, date="2026-03-01")
    assert erp.store.last_position() == head
    documents = erp.recost_work_order(work_order=WO, date="2026-03-20").documents
    # the chairs' receipt 212.00 -> 198.00 (39.60 each): Dr inventory -14.00 / Cr WIP -14.00;
    # the three delivered 127.20 -> 118.80: Cr COGS 8.40 / Dr inventory 8.40
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5100") == D("118.80")
    lines = sorted(
        (line.document, str(line.date), line.account, line.base)
        for line in erp.general_ledger()
        if line.document in documents
    )
    # each adjustment on the date of what it corrects (both periods open)
    assert documents == ["CA-2026-000002", "CA-2026-000003"]
    assert lines == [
        ("CA-2026-000002", "2026-03-08", "1300", D("-14.00")),  # the chairs' receipt
        ("CA-2026-000002", "2026-03-08", "1350", D("14.00")),  # WIP back to 0.00
        ("CA-2026-000003", "2026-03-12", "1300", D("8.40")),  # the delivery of three
        ("CA-2026-000003", "2026-03-12", "5100", D("-8.40")),  # cost of goods sold
    ]
    chairs = erp.stock_ledger("CHAIR")
    assert sum((r.value for r in chairs), D(0)) == D("79.20")  # 2 left at 39.60
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.received, row.unit_cost) == (
        "completed",
        D("0.00"),
        D("198.00"),
        D("39.6000"),
    )
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    assert sheet.finished_goods == D("198.00")
    all_checks_ok(erp)
    with pytest.raises(ErpError, match="nothing to re-cost"):
        erp.recost_work_order(work_order=WO, date="2026-03-21")
    erp.close_work_order(work_order=WO, date="2026-03-21")  # nothing left: no reason needed
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_recost_is_refused_on_an_open_order(erp: Erp) -> None:
    five_chairs_issued(erp)
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="in progress: cannot carry re-costings"):
        erp.recost_work_order(work_order=WO, date="2026-03-20")
    with pytest.raises(ErpError, match="unknown work order"):
        erp.recost_work_order(work_order="WO-2026-000099", date="2026-03-20")
    assert erp.store.last_position() == head


def test_recosting_cascades_level_by_level_into_the_parent_order(erp: Erp) -> None:
    """Chairs made, two of them issued to a work order for benches, both completed; then the
    back-dated leg receipt: the chairs' order is re-costed, which re-costs the issue of two
    chairs to the benches' order, which is re-costed in turn."""
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 42.40 each
    erp.register_item(code="BENCH", name="Bench", uom="pcs")
    erp.define_bom(item="BENCH", components=[{"item": "CHAIR", "quantity": "2"}])
    bench = erp.create_work_order(
        date="2026-03-09", item="BENCH", quantity="1", warehouse="MAIN"
    ).documents[0]
    erp.release_work_order(work_order=bench, date="2026-03-09")
    erp.issue_to_work_order(
        work_order=bench,
        date="2026-03-09",
        lines=[{"item": "CHAIR", "warehouse": "MAIN", "quantity": "2"}],
    )  # 84.80
    erp.complete_work_order(work_order=bench, date="2026-03-10", quantity="1")
    cheap_legs_back_dated(erp)
    erp.recost_work_order(work_order=WO, date="2026-03-20")
    # the chairs are now 39.60: the two issued to the bench cost 79.20, 5.60 less, which the
    # bench's order (completed) now holds in WIP until it is re-costed too
    rows = {r.document: r for r in erp.query(work_orders)}
    assert (rows[WO].wip, rows[bench].wip) == (D("0.00"), D("-5.60"))
    (problem,) = problems(erp)
    assert f"{bench}: completed at actual cost with -5.60 left in WIP" in problem
    erp.recost_work_order(work_order=bench, date="2026-03-20")
    rows = {r.document: r for r in erp.query(work_orders)}
    assert (rows[bench].wip, rows[bench].received) == (D("0.00"), D("79.20"))
    (receipt,) = [r for r in erp.stock_ledger("BENCH") if r.kind == "wo_receipt"]
    assert sum((r.value for r in erp.stock_ledger("BENCH")), D(0)) == D("79.20")
    assert receipt.quantity == D(1)
    assert balance(erp, "1350") == D("0.00")
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live
