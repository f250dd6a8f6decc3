"""Standard costing: roll-up, finished goods at standard, each variance hand-computed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from erp_core.projections.production import cost_sheet, work_orders
from production_helpers import all_checks_ok, balance, chair_factory, dump

from erp_core import Erp
from erp_core.kernel.errors import ErpError

D = Decimal
WO = "WO-2026-000001"
VARIANCE_ACCOUNTS = {
    "5510": "Material price variance",
    "5520": "Material usage variance",
    "5530": "Labour rate variance",
    "5540": "Labour efficiency variance",
    "5550": "Overhead rate variance",
    "5560": "Overhead efficiency variance",
}


def standard_chairs(erp: Erp) -> None:
    """The chair factory with standards: legs 3.20, seats 19.00, ASSY 32.00 + 8.00 overhead/h.
    A chair's standard: 4 x 3.20 + 1 x 19.00 + 0.25 h x (32.00 + 8.00) = 41.80."""
    chair_factory(erp)
    for code, name in VARIANCE_ACCOUNTS.items():
        erp.open_account(code=code, name=name, type="expense", parent="5000")
    erp.configure_standard_costing()
    erp.change_work_centre_rates(
        code="ASSY", date="2026-03-01", labour_rate="32.00", overhead_rate="8.00"
    )
    erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="3.20")
    erp.set_standard_cost(item="SEAT", date="2026-03-01", unit_cost="19.00")
    erp.roll_up_standard_cost(item="CHAIR", date="2026-03-01")


def variance_balances(erp: Erp) -> dict[str, Decimal]:
    return {code: balance(erp, code) for code in (*VARIANCE_ACCOUNTS, "5500")}


def test_every_variance_hand_computed(erp: Erp) -> None:
    standard_chairs(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    # 22 legs (2 beyond the BOM, with a reason): FIFO 12 @ 3.00 + 10 @ 3.50 = 71.00;
    # 5 seats @ 20.00 = 100.00
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "22", "reason": "2 split"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )
    # the rates rise before the hours are reported: 1.5 h x 34.00 = 51.00, x 9.00 = 13.50
    erp.change_work_centre_rates(
        code="ASSY", date="2026-03-07", labour_rate="34.00", overhead_rate="9.00"
    )
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1.5")
    assert balance(erp, "1350") == D("235.50")  # 71.00 + 100.00 + 51.00 + 13.50
    # 5 chairs at standard: 5 x 41.80 = 209.00 (Dr inventory / Cr WIP); 26.50 stays in WIP
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")
    (receipt,) = [r for r in erp.stock_ledger("CHAIR") if r.kind == "wo_receipt"]
    assert receipt.value == D("209.00")
    assert balance(erp, "1350") == D("26.50")
    all_checks_ok(erp)  # a completed order at standard holds its variances until closed
    # close: no reason needed after the final receipt
    erp.close_work_order(work_order=WO, date="2026-03-09")
    assert balance(erp, "1350") == D("0.00")
    assert variance_balances(erp) == {
        # price: legs 71.00 - 22 x 3.20 = 0.60, seats 100.00 - 5 x 19.00 = 5.00
        "5510": D("5.60"),
        # usage: legs (22 - 20) x 3.20 = 6.40, seats (5 - 5) x 19.00 = 0
        "5520": D("6.40"),
        # labour rate 51.00 - 1.5 x 32.00 = 3.00; efficiency (1.5 - 1.25) x 32.00 = 8.00
        "5530": D("3.00"),
        "5540": D("8.00"),
        # overhead rate 13.50 - 1.5 x 8.00 = 1.50; efficiency (1.5 - 1.25) x 8.00 = 2.00
        "5550": D("1.50"),
        "5560": D("2.00"),
        "5500": D("0.00"),  # nothing else: the standard is exact to the cent
    }
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    assert sheet.basis == "standard" and sheet.standard_unit_cost == D("41.8")
    assert {(v.kind, v.code): v.amount for v in sheet.variances} == {
        ("material_price", "LEG"): D("0.60"),
        ("material_price", "SEAT"): D("5.00"),
        ("material_usage", "LEG"): D("6.40"),
        ("labour_rate", "ASSY"): D("3.00"),
        ("labour_efficiency", "ASSY"): D("8.00"),
        ("overhead_rate", "ASSY"): D("1.50"),
        ("overhead_efficiency", "ASSY"): D("2.00"),
    }
    # planned at standard: 20 legs 64.00, 5 seats 95.00, 1.25 h 40.00 + 10.00 = 209.00
    assert (sheet.planned_material, sheet.planned_labour, sheet.planned_overhead) == (
        D("159.00"),
        D("40.00"),
        D("10.00"),
    )
    assert sheet.planned_total == D("209.00")
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_the_close_voucher_line_by_line(erp: Erp) -> None:
    standard_chairs(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    # 20 legs: 12 @ 3.00 + 8 @ 3.50 = 64.00 (standard 64.00); 5 seats 100.00 (std 95.00)
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )
    # 1 h instead of 1.25: favourable efficiency (1 - 1.25) x 32 = -8.00 and x 8 = -2.00
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="1")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="5")
    (voucher,) = erp.close_work_order(work_order=WO, date="2026-03-09").documents
    lines = sorted(
        (line.account, line.base) for line in erp.general_ledger() if line.document == voucher
    )
    # WIP: 64 + 100 + 32 + 8 = 204.00 - 209.00 at standard = -5.00: price +5.00 (seats),
    # labour efficiency -8.00, overhead efficiency -2.00 (debit positive)
    assert lines == [
        ("1350", D("5.00")),
        ("5510", D("5.00")),
        ("5540", D("-8.00")),
        ("5560", D("-2.00")),
    ]


def test_partial_receipts_and_a_short_close_at_standard(erp: Erp) -> None:
    standard_chairs(erp)
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},  # 64.00
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},  # 100.00
        ],
    )
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="0.75")
    erp.complete_work_order(work_order=WO, date="2026-03-08", quantity="2")  # 83.60
    erp.complete_work_order(work_order=WO, date="2026-03-09", quantity="1")  # 41.80
    # WIP 64 + 100 + 24 + 6 - 125.40 = 68.60; a short close needs a reason
    assert balance(erp, "1350") == D("68.60")
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="reason"):
        erp.close_work_order(work_order=WO, date="2026-03-10")
    assert erp.store.last_position() == head
    erp.close_work_order(work_order=WO, date="2026-03-10", reason="two chairs never made")
    # Q = 3: legs usage (20 - 12) x 3.20 = 25.60, seats usage (5 - 3) x 19 = 38.00,
    # seat price 5.00; hours 0.75 = standard for 3: no labour or overhead variance
    assert variance_balances(erp) == {
        "5510": D("5.00"),
        "5520": D("63.60"),
        "5530": D("0.00"),
        "5540": D("0.00"),
        "5550": D("0.00"),
        "5560": D("0.00"),
        "5500": D("0.00"),
    }
    assert balance(erp, "1350") == D("0.00")
    (row,) = erp.query(work_orders)
    assert (row.status, row.received, row.variance) == ("closed", D("125.40"), D("68.60"))
    all_checks_ok(erp)


def test_rounding_of_the_standard_goes_to_the_production_variance(erp: Erp) -> None:
    chair_factory(erp)
    for code, name in VARIANCE_ACCOUNTS.items():
        erp.open_account(code=code, name=name, type="expense", parent="5000")
    erp.configure_standard_costing()
    erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="3.333333")
    erp.set_standard_cost(item="SEAT", date="2026-03-01", unit_cost="20.00")
    erp.roll_up_standard_cost(item="CHAIR", date="2026-03-01")
    # 4 x 3.333333 + 20.00 + 0.25 x 32.00 = 41.333332
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="3", warehouse="MAIN")
    erp.release_work_order(work_order=WO, date="2026-03-05")
    erp.issue_to_work_order(
        work_order=WO,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "12"},  # 12 @ 3.00 = 36.00
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "3"},  # 60.00
        ],
    )
    erp.report_progress(work_order=WO, date="2026-03-07", work_centre="ASSY", hours="0.75")
    # three receipts of one chair, each at 41.333332 -> 41.33: 123.99 in all
    for day in ("08", "09", "10"):
        erp.complete_work_order(work_order=WO, date=f"2026-03-{day}", quantity="1")
    # WIP 36 + 60 + 24 - 123.99 = -3.99
    assert balance(erp, "1350") == D("-3.99")
    erp.close_work_order(work_order=WO, date="2026-03-11")
    # legs price 36.00 - 12 x 3.333333 = -3.999996 -> -4.00; no other variance; the 0.01 the
    # receipts' rounding left goes to the production variance account
    assert balance(erp, "5510") == D("-4.00")
    assert balance(erp, "5500") == D("0.01")
    assert balance(erp, "1350") == D("0.00")
    all_checks_ok(erp)


def test_bad_standard_costing_input_is_refused_and_nothing_stored(erp: Erp) -> None:
    chair_factory(erp)
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="5510"):
        erp.configure_standard_costing()  # the accounts do not exist yet
    with pytest.raises(ErpError, match="not configured"):
        erp.roll_up_standard_cost(item="CHAIR", date="2026-03-01")
    assert erp.store.last_position() == head
    for code, name in VARIANCE_ACCOUNTS.items():
        erp.open_account(code=code, name=name, type="expense", parent="5000")
    erp.configure_standard_costing()
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="roll its standard up"):
        erp.set_standard_cost(item="CHAIR", date="2026-03-01", unit_cost="40")
    with pytest.raises(ErpError, match="must not be negative"):
        erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="-1")
    with pytest.raises(ErpError, match="at most 6 decimal places"):
        erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="1.0000001")
    with pytest.raises(ErpError, match="NOPE"):
        erp.set_standard_cost(item="NOPE", date="2026-03-01", unit_cost="1")
    with pytest.raises(ErpError, match="component LEG of CHAIR has no standard cost"):
        erp.roll_up_standard_cost(item="CHAIR", date="2026-03-01")
    with pytest.raises(ErpError, match="no bill of materials"):
        erp.roll_up_standard_cost(item="LEG", date="2026-03-01")
    with pytest.raises(ErpError, match="unknown work centre"):
        erp.change_work_centre_rates(code="NOPE", date="2026-03-01", labour_rate="1")
    assert erp.store.last_position() == head
    erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="3")
    erp.set_standard_cost(item="SEAT", date="2026-03-01", unit_cost="20")
    erp.roll_up_standard_cost(item="CHAIR", date="2026-03-01")
    # a new BOM version after the roll-up: a work order on it is refused until rolled up again
    erp.define_bom(
        item="CHAIR",
        components=[{"item": "LEG", "quantity": "3"}, {"item": "SEAT", "quantity": "1"}],
    )
    head = erp.store.last_position()
    with pytest.raises(ErpError, match="rolled up from BOM version 1, not 2"):
        erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="1", warehouse="MAIN")
    assert erp.store.last_position() == head
    erp.roll_up_standard_cost(item="CHAIR", date="2026-03-02")
    erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="1", warehouse="MAIN")


def test_two_level_roll_up_rolls_the_sub_assembly_first(erp: Erp) -> None:
    chair_factory(erp)
    for code, name in VARIANCE_ACCOUNTS.items():
        erp.open_account(code=code, name=name, type="expense", parent="5000")
    erp.configure_standard_costing()
    erp.register_item(code="SET", name="Dining set", uom="pcs")
    erp.register_item(code="TABLE", name="Table", uom="pcs")
    erp.define_bom(
        item="SET",
        components=[{"item": "CHAIR", "quantity": "4"}, {"item": "TABLE", "quantity": "1"}],
        operations=[{"work_centre": "ASSY", "hours": "0.5"}],
    )
    erp.set_standard_cost(item="LEG", date="2026-03-01", unit_cost="3.00")
    erp.set_standard_cost(item="SEAT", date="2026-03-01", unit_cost="20.00")
    erp.set_standard_cost(item="TABLE", date="2026-03-01", unit_cost="100.00")
    erp.roll_up_standard_cost(item="SET", date="2026-03-01")
    # CHAIR 4 x 3 + 20 + 0.25 x 32 = 40.00; SET 4 x 40 + 100 + 0.5 x 32 = 276.00
    got = {}
    for item in ("CHAIR", "SET"):
        (wo,) = erp.create_work_order(
            date="2026-03-05", item=item, quantity="1", warehouse="MAIN"
        ).documents
        sheet = erp.query(cost_sheet, wo)
        assert sheet is not None
        got[item] = sheet.standard_unit_cost
    assert got == {"CHAIR": D("40"), "SET": D("276")}
