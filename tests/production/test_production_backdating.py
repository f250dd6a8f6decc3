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


def test_a_cost_adjustment_of_an_issue_lands_on_its_work_order_in_the_ledger(erp: Erp) -> None:
    """The WIP account's sub-ledger by work order (the party of its lines) must keep agreeing
    with each order's WIP when inventory re-costs an issue: the CA- voucher's WIP line carries
    the work order, as the issue's own WIP line did (no line without a party)."""
    from erp_core.projections.schema import gl_lines
    from sqlalchemy import func, select

    five_chairs_issued(erp)
    cheap_legs_back_dated(erp)  # WIP 164.00 - 14.00 = 150.00, all of it WO's
    rows = erp.query(
        lambda conn: conn.execute(
            select(gl_lines.c.party, func.sum(gl_lines.c.base_minor))
            .where(gl_lines.c.account == "1350")
            .group_by(gl_lines.c.party)
        ).all()
    )
    assert {party: total for party, total in rows if total} == {WO: 15000}


def problems(erp: Erp) -> list[str]:
    return [r.message for r in erp.check() if not r.ok]


def test_recosting_after_completion_flows_into_the_finished_goods_by_itself(
    any_erp: Erp,
) -> None:
    erp = any_erp
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00
    # the back-dated receipt carries on in the same save: the issue -14.00 (CA on 03-06), the
    # chairs' receipt 212.00 -> 198.00 (CA on 03-08), WIP back to 0.00
    documents = erp.receive_stock(
        date="2026-03-01",
        account="1120",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "10", "unit_cost": "2.00"}],
    ).documents
    assert balance(erp, "1350") == D("0.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.received, row.unit_cost) == (
        "completed",
        D("0.00"),
        D("198.00"),
        D("39.6000"),
    )
    (receipt,) = [r for r in erp.stock_ledger("CHAIR") if r.kind == "wo_receipt"]
    assert receipt.value == D("212.00")  # as recorded; the adjustment is its own line
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("198.00")
    adjustments = sorted(
        (str(x.date), x.account, x.base)
        for x in erp.general_ledger()
        if x.document.startswith("CA-")
    )
    assert adjustments == [
        ("2026-03-06", "1300", D("14.00")),  # the legs issued cost 14.00 less
        ("2026-03-06", "1350", D("-14.00")),
        ("2026-03-08", "1300", D("-14.00")),  # so do the chairs received
        ("2026-03-08", "1350", D("14.00")),
    ]
    assert documents[1:] == ["CA-2026-000001"]  # the action's own; the follow-on is CA-…02
    assert problems(erp) == []
    all_checks_ok(erp)
    with pytest.raises(ErpError, match="nothing to re-cost"):
        erp.recost_work_order(work_order=WO, date="2026-03-20")
    erp.close_work_order(work_order=WO, date="2026-03-20")  # nothing left: no reason needed
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.variance) == ("closed", D("0.00"), D("0.00"))
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_a_closed_order_with_no_finished_goods_is_closed_again_to_variance(erp: Erp) -> None:
    five_chairs_issued(erp)  # 164.00 in WIP
    erp.close_work_order(work_order=WO, date="2026-03-09", reason="order dropped")
    assert balance(erp, "5500") == D("164.00")
    cheap_legs_back_dated(erp)
    # the legs issued cost 14.00 less: the order is closed again on its close date, the
    # variance falls to 150.00 and the WIP stays at 0.00
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5500") == D("150.00")
    variances = sorted(
        (x.document, str(x.date), x.account, x.base)
        for x in erp.general_ledger()
        if x.document.startswith("WV-")
    )
    assert variances == [
        ("WV-2026-000001", "2026-03-09", "1350", D("-164.00")),
        ("WV-2026-000001", "2026-03-09", "5500", D("164.00")),
        ("WV-2026-000002", "2026-03-09", "1350", D("14.00")),  # closed again
        ("WV-2026-000002", "2026-03-09", "5500", D("-14.00")),
    ]
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.variance) == ("closed", D("0.00"), D("150.00"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_recosting_of_a_closed_order_reaches_its_finished_goods(erp: Erp) -> None:
    five_chairs_issued(erp)
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 164.00
    erp.close_work_order(work_order=WO, date="2026-03-09")
    with pytest.raises(ErpError, match="is closed: cannot close it"):
        erp.close_work_order(work_order=WO, date="2026-03-10", reason="again")
    cheap_legs_back_dated(erp)
    # 164.00 - 14.00 = 150.00 for the five chairs, 30.00 each; no variance
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5500") == D("0.00")
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("150.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.received) == ("closed", D("0.00"), D("150.00"))
    all_checks_ok(erp)
    with pytest.raises(ErpError, match="is closed"):
        erp.issue_to_work_order(
            work_order=WO,
            date="2026-03-21",
            lines=[{"item": "SEAT", "warehouse": "MAIN", "quantity": "1"}],
        )


def sell(erp: Erp, item: str, quantity: str, price: str, date: str = "2026-03-12") -> None:
    """Order, confirm and deliver `quantity` of `item` to customer C1 (opened on first use)."""
    order = erp.create_sales_order(
        date=date,
        customer="C1",
        delivery_date=date,
        lines=[{"item": item, "quantity": quantity, "price": price, "warehouse": "MAIN"}],
    ).documents[0]
    erp.confirm_sales_order(document=order)
    erp.deliver_sales_order(document=order, date=date, lines=[{"line": 1, "quantity": quantity}])


def open_sales(erp: Erp) -> None:
    erp.configure_sales()
    erp.register_customer(
        code="C1",
        name="Cust One",
        credit_level="B",
        credit_limit="10000.00",
        payment_terms_days=30,
    )


def test_chain_rm_wip_fg_cogs_after_completion(any_erp: Erp) -> None:
    """RM -> WIP -> FG -> COGS: a back-dated leg receipt after the chairs were made and three
    of them sold flows on by itself, through explicit adjustments, to the cost of goods sold."""
    erp = any_erp
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00, 42.40
    open_sales(erp)
    sell(erp, "CHAIR", "3", "90.00")  # COGS 3 x 42.40 = 127.20
    assert balance(erp, "5100") == D("127.20")
    head = erp.store.last_position()
    cheap_legs_back_dated(erp)  # the legs issued: 64.00 -> 50.00, WIP -14.00
    # the chairs' receipt 212.00 -> 198.00 (39.60 each): Dr inventory -14.00 / Cr WIP -14.00;
    # the three delivered 127.20 -> 118.80: Cr COGS 8.40 / Dr inventory 8.40
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5100") == D("118.80")
    lines = sorted(
        (line.document, str(line.date), line.account, line.base)
        for line in erp.general_ledger()
        if line.document.startswith("CA-")
    )
    # each adjustment on the date of what it corrects (all periods open), one save
    assert lines == [
        ("CA-2026-000001", "2026-03-06", "1300", D("14.00")),  # the legs issued
        ("CA-2026-000001", "2026-03-06", "1350", D("-14.00")),
        ("CA-2026-000002", "2026-03-08", "1300", D("-14.00")),  # the chairs' receipt
        ("CA-2026-000002", "2026-03-08", "1350", D("14.00")),  # WIP back to 0.00
        ("CA-2026-000003", "2026-03-12", "1300", D("8.40")),  # the delivery of three
        ("CA-2026-000003", "2026-03-12", "5100", D("-8.40")),  # cost of goods sold
    ]
    stored = {type(r.event()).__name__ for r in erp.store.iter_log() if r.position > head}
    assert {"StockCostAdjusted", "WorkOrderIssuesRecosted", "FinishedGoodsRecosted"} <= stored
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


def test_chain_runs_through_both_levels_to_cogs_in_one_save(any_erp: Erp) -> None:
    """Chairs (sub-assembly) made and two of them issued to a work order for a bench (the
    product), both completed, the bench and two chairs sold; then the back-dated leg receipt.
    In the one save of that receipt: legs issued -14.00 -> chairs received -14.00 -> the two
    chairs issued to the bench and the two delivered -5.60 each -> the bench received -5.60 ->
    the bench delivered -5.60. Every figure by hand."""
    erp = any_erp
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00, 42.40
    erp.register_item(code="BENCH", name="Bench", uom="pcs")
    erp.define_bom(
        item="BENCH",
        components=[{"item": "CHAIR", "quantity": "2"}],
        operations=[{"work_centre": "ASSY", "hours": "0.5"}],
    )
    bench = erp.create_work_order(
        date="2026-03-09", item="BENCH", quantity="1", warehouse="MAIN"
    ).documents[0]
    erp.release_work_order(work_order=bench, date="2026-03-09")
    erp.issue_to_work_order(
        work_order=bench,
        date="2026-03-09",
        lines=[{"item": "CHAIR", "warehouse": "MAIN", "quantity": "2"}],
    )  # 2 x 42.40 = 84.80
    erp.report_progress(work_order=bench, date="2026-03-09", work_centre="ASSY", hours="0.5")
    erp.complete_work_order(work_order=bench, date="2026-03-10", quantity="1")  # 100.80
    open_sales(erp)
    sell(erp, "BENCH", "1", "250.00")  # COGS 100.80
    sell(erp, "CHAIR", "2", "90.00")  # COGS 84.80
    assert balance(erp, "5100") == D("185.60")
    # inventory: 12 legs @ 3.50 = 42.00, 5 seats 100.00, 1 chair 42.40
    assert balance(erp, "1300") == D("184.40")
    cheap_legs_back_dated(erp)
    # chairs: 212.00 - 14.00 = 198.00, 39.60 each; bench: 2 x 39.60 + 16.00 = 95.20
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5100") == D("174.40")  # 95.20 + 2 x 39.60
    rows = {r.document: r for r in erp.query(work_orders)}
    assert (rows[WO].wip, rows[WO].received, rows[WO].unit_cost) == (
        D("0.00"),
        D("198.00"),
        D("39.6000"),
    )
    assert (rows[bench].wip, rows[bench].received, rows[bench].unit_cost) == (
        D("0.00"),
        D("95.20"),
        D("95.2000"),
    )
    lines = sorted(
        (str(line.date), line.account, line.base, line.memo or "")
        for line in erp.general_ledger()
        if line.document.startswith("CA-")
    )
    assert [(d, a, b) for d, a, b, _ in lines] == [
        ("2026-03-06", "1300", D("14.00")),  # legs issued to the chairs
        ("2026-03-06", "1350", D("-14.00")),
        ("2026-03-08", "1300", D("-14.00")),  # chairs received
        ("2026-03-08", "1350", D("14.00")),
        ("2026-03-09", "1300", D("5.60")),  # chairs issued to the bench
        ("2026-03-09", "1350", D("-5.60")),
        ("2026-03-10", "1300", D("-5.60")),  # bench received
        ("2026-03-10", "1350", D("5.60")),
        ("2026-03-12", "1300", D("5.60")),  # bench delivered
        ("2026-03-12", "1300", D("5.60")),  # chairs delivered
        ("2026-03-12", "5100", D("-5.60")),
        ("2026-03-12", "5100", D("-5.60")),
    ]
    # what is left: 22 legs (2 @ 3.00 + 20 @ 3.50 = 76.00), 5 seats (100.00), 1 chair 39.60
    assert sum((r.value for r in erp.stock_ledger("LEG")), D(0)) == D("76.00")
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("39.60")
    assert sum((r.value for r in erp.stock_ledger("BENCH")), D(0)) == D("0.00")
    assert balance(erp, "1300") == D("215.60")
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_recost_work_order_still_carries_a_return_after_completion(erp: Erp) -> None:
    """The explicit action stays for corrections the back-dating rule does not cover: two
    legs returned after the chairs were received (at their issue cost, 64.00 / 20 = 3.20)
    leave -6.40 in WIP until `recost_work_order` carries it into the chairs."""
    five_chairs_issued(erp)
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")  # 212.00
    erp.return_from_work_order(
        work_order=WO,
        date="2026-03-09",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "2"}],
    )
    assert balance(erp, "1350") == D("-6.40")
    (problem,) = problems(erp)
    assert f"{WO}: completed at actual cost with -6.40 left in WIP" in problem
    documents = erp.recost_work_order(work_order=WO, date="2026-03-20").documents
    assert documents == ["CA-2026-000001"]
    assert balance(erp, "1350") == D("0.00")
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("205.60")
    (row,) = erp.query(work_orders)
    assert (row.wip, row.received, row.unit_cost) == (D("0.00"), D("205.60"), D("41.1200"))
    all_checks_ok(erp)


def test_recost_is_refused_on_an_open_order(erp: Erp) -> None:
    five_chairs_issued(erp)
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="in progress: cannot carry re-costings"):
        erp.recost_work_order(work_order=WO, date="2026-03-20")
    with pytest.raises(ErpError, match="unknown work order"):
        erp.recost_work_order(work_order="WO-2026-000099", date="2026-03-20")
    assert erp.store.last_position() == head


def chairs_at_standard(erp: Erp) -> None:
    """Five chairs at standard (41.80 each: 209.00); actual 64.00 + 100.00 + 1.5 h x (32.00 +
    8.00) = 224.00, so 15.00 stays in WIP until the close splits it into variances."""
    from test_production_standard import standard_chairs

    standard_chairs(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")
    assert balance(erp, "1350") == D("15.00")


def test_a_completed_order_at_standard_keeps_the_recosting_for_its_close(erp: Erp) -> None:
    chairs_at_standard(erp)
    cheap_legs_back_dated(erp)  # the legs cost 50.00, not 64.00
    # the chairs stay at standard (209.00); the order holds 15.00 - 14.00 = 1.00 until closed
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("209.00")
    assert balance(erp, "1350") == D("1.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip, row.received) == ("completed", D("1.00"), D("209.00"))
    all_checks_ok(erp)
    erp.close_work_order(work_order=WO, date="2026-03-09")
    # price: legs 50.00 - 20 x 3.20 = -14.00, seats 100.00 - 5 x 19.00 = 5.00;
    # efficiency: (1.5 - 1.25) h x 32.00 = 8.00 labour, x 8.00 = 2.00 overhead
    assert {code: balance(erp, code) for code in ("5510", "5520", "5540", "5560")} == {
        "5510": D("-9.00"),
        "5520": D("0.00"),
        "5540": D("8.00"),
        "5560": D("2.00"),
    }
    assert balance(erp, "1350") == D("0.00")
    all_checks_ok(erp)


def test_a_closed_order_at_standard_is_closed_again_to_its_price_variance(erp: Erp) -> None:
    chairs_at_standard(erp)
    erp.close_work_order(work_order=WO, date="2026-03-09")
    assert balance(erp, "5510") == D("5.00")  # seats 100.00 - 95.00; legs 64.00 = 20 x 3.20
    cheap_legs_back_dated(erp)
    # closed again by itself on its close date: the legs' price variance -14.00
    assert balance(erp, "5510") == D("-9.00")
    assert (balance(erp, "5540"), balance(erp, "5560")) == (D("8.00"), D("2.00"))
    assert balance(erp, "1350") == D("0.00")
    assert sum((r.value for r in erp.stock_ledger("CHAIR")), D(0)) == D("209.00")
    (voucher,) = {
        x.document
        for x in erp.general_ledger()
        if x.document.startswith("WV-") and x.document != "WV-2026-000001"
    }
    assert {str(x.date) for x in erp.general_ledger() if x.document == voucher} == {"2026-03-09"}
    (row,) = erp.query(work_orders)
    assert (row.status, row.wip) == ("closed", D("0.00"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live
