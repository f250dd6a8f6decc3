"""Work orders end to end, with figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from erp_core.projections.production import wip_check, work_orders
from production_helpers import all_checks_ok, balance, chair_factory, dump, head

from erp_core import Erp
from erp_core.kernel.errors import ErpError, ValidationError

D = Decimal


def test_five_chairs_at_actual_cost(any_erp: Erp) -> None:
    """The issue's example: 164.00 of material, 1.5 h at 32.00, 5 chairs at 42.40 (on SQLite
    and PostgreSQL: the contract scenario)."""
    erp = any_erp
    chair_factory(erp)
    wo = erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    number = wo.documents[0]
    assert number == "WO-2026-000001"
    erp.release_work_order(work_order=number, date="2026-03-05")
    # 20 legs: 12 @ 3.00 + 8 @ 3.50 = 36.00 + 28.00 = 64.00; 5 seats @ 20.00 = 100.00
    issued = erp.issue_to_work_order(
        work_order=number,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )
    assert issued.documents == ["WI-2026-000001"]
    assert balance(erp, "1350") == D("164.00")
    # 1.5 h at 32.00 = 48.00
    erp.report_progress(work_order=number, date="2026-03-07", work_centre="ASSY", hours="1.5")
    assert balance(erp, "1350") == D("212.00")
    assert balance(erp, "5410") == D("-48.00")
    erp.complete_work_order(work_order=number, date="2026-03-08", quantity="5")
    assert balance(erp, "1350") == D("0.00")
    rows = [r for r in erp.stock_ledger("CHAIR") if r.kind == "wo_receipt"]
    assert [(r.quantity, r.value) for r in rows] == [(D("5"), D("212.00"))]
    (row,) = erp.query(work_orders)
    assert (row.status, row.good_quantity, row.unit_cost) == ("completed", D(5), D("42.4000"))
    all_checks_ok(erp)


def test_issue_return_hours_two_receipts_and_close_to_variance(erp: Erp) -> None:
    chair_factory(erp)
    erp.register_work_centre(
        code="PAINT", name="Paint shop", labour_rate="20.00", overhead_rate="12.50"
    )
    number = erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="6", warehouse="MAIN"
    ).documents[0]
    erp.release_work_order(work_order=number, date="2026-03-05")
    # 26 legs (2 more than the BOM's 24, with a reason): 12 @ 3.00 + 14 @ 3.50 = 36.00 + 49.00
    # = 85.00; 6 seats @ 20.00 = 120.00; WIP 205.00
    erp.issue_to_work_order(
        work_order=number,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "26", "reason": "spares"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "6"},
        ],
    )
    assert balance(erp, "1350") == D("205.00")
    # 3 legs back at their issue cost: 85.00 x 3 / 26 = 9.8077 -> 9.81; WIP 195.19
    erp.return_from_work_order(
        work_order=number,
        date="2026-03-07",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "3"}],
    )
    assert balance(erp, "1350") == D("195.19")
    # 1.25 h assembly at 32.00 = 40.00; 0.5 h paint: 10.00 labour + 6.25 overhead; WIP 251.44
    erp.report_progress(work_order=number, date="2026-03-07", work_centre="ASSY", hours="1.25")
    erp.report_progress(
        work_order=number,
        date="2026-03-08",
        work_centre="PAINT",
        hours="0.5",
        good_quantity="5",
        rejected_quantity="1",
        reason="cracked seat",
    )
    assert balance(erp, "1350") == D("251.44")
    assert balance(erp, "5420") == D("-6.25")
    # 2 of the 6 expected: 251.44 x 2 / 6 = 83.8133 -> 83.81; WIP 167.63
    erp.complete_work_order(work_order=number, date="2026-03-09", quantity="2")
    assert balance(erp, "1350") == D("167.63")
    # 3 of the 4 still expected: 167.63 x 3 / 4 = 125.7225 -> 125.72; WIP 41.91
    erp.complete_work_order(work_order=number, date="2026-03-10", quantity="3")
    assert balance(erp, "1350") == D("41.91")
    all_checks_ok(erp)
    # the sixth chair will not come: 41.91 to the production variance
    closed = erp.close_work_order(work_order=number, date="2026-03-11", reason="one chair scrapped")
    assert closed.documents == ["WV-2026-000001"]
    assert balance(erp, "1350") == D("0.00")
    assert balance(erp, "5500") == D("41.91")
    # stock: legs 6 @ 3.50 + 3 returned at 9.81 = 30.81; seats 4 @ 20.00 = 80.00;
    # chairs 5 at 83.81 + 125.72 = 209.53; inventory 306.00 - 205.00 + 9.81 + 209.53 = 320.34
    stock = {(r.item, r.warehouse): r for r in erp.stock_balance(dt.date(2026, 12, 31)).rows}
    assert (stock[("LEG", "MAIN")].quantity, stock[("LEG", "MAIN")].value) == (D(9), D("30.81"))
    assert stock[("SEAT", "MAIN")].value == D("80.00")
    assert (stock[("CHAIR", "MAIN")].quantity, stock[("CHAIR", "MAIN")].value) == (
        D(5),
        D("209.53"),
    )
    assert balance(erp, "1300") == D("320.34")
    (row,) = erp.query(work_orders)
    assert row.status == "closed"
    assert (row.materials, row.returned, row.labour, row.overhead) == (
        D("205.00"),
        D("9.81"),
        D("50.00"),
        D("6.25"),
    )
    assert (row.received, row.variance, row.wip) == (D("209.53"), D("41.91"), D("0.00"))
    # value in = value out
    assert row.materials - row.returned + row.labour + row.overhead == row.received + row.variance
    assert (row.hours, row.rejected_quantity) == (D("1.75"), D(1))
    all_checks_ok(erp)
    # a rebuilt projection equals the live one
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_a_by_product_takes_its_cost_share_and_process_loss_raises_unit_cost(erp: Erp) -> None:
    chair_factory(erp)
    erp.register_item(code="CHIPS", name="Wood chips", uom="kg")
    # v2 of the chair: 10 % process loss, wood chips take 10 % of the joint cost
    erp.define_bom(
        item="CHAIR",
        components=[{"item": "SEAT", "quantity": "1"}],
        outputs=[{"item": "CHIPS", "quantity": "0.5", "cost_share_pct": "10"}],
        process_loss_pct="10",
    )
    number = erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="4", warehouse="MAIN"
    ).documents[0]
    (row,) = erp.query(work_orders)
    assert row.bom_version == 2
    erp.release_work_order(work_order=number, date="2026-03-05")
    # 5 seats started for 4 good (4 / 0.9 = 4.44 -> 5 with a reason): 100.00
    erp.issue_to_work_order(
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "SEAT", "warehouse": "MAIN", "quantity": "5", "reason": "loss"}],
    )
    erp.complete_work_order(
        work_order=number,
        date="2026-03-07",
        quantity="4",
        outputs=[{"item": "CHIPS", "quantity": "2"}],
    )
    # chips 10 % of 100.00 = 10.00; 4 chairs take 90.00 = 22.50 each (5 seats' cost in 4)
    values = {r.item: r.value for r in erp.stock_ledger() if r.kind == "wo_receipt"}
    assert values == {"CHAIR": D("90.00"), "CHIPS": D("10.00")}
    assert balance(erp, "1350") == D("0.00")
    all_checks_ok(erp)


def test_a_work_order_keeps_the_bom_version_it_was_created_with(erp: Erp) -> None:
    chair_factory(erp)
    number = erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="1", warehouse="MAIN"
    ).documents[0]
    erp.define_bom(item="CHAIR", components=[{"item": "SEAT", "quantity": "1"}])
    erp.release_work_order(work_order=number, date="2026-03-05")
    # version 1 still needs legs: 4 legs are within the BOM, no reason needed
    erp.issue_to_work_order(
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "4"}],
    )
    (row,) = erp.query(work_orders)
    assert row.bom_version == 1


# --- refusals: a clear error and nothing stored ----------------------------------------------


@pytest.fixture
def released(erp: Erp) -> tuple[Erp, str]:
    chair_factory(erp)
    number = erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="2", warehouse="MAIN"
    ).documents[0]
    erp.release_work_order(work_order=number, date="2026-03-05")
    return erp, number


def refused(erp: Erp, match: str, action: str, **fields: object) -> None:
    before, position = dump(erp), head(erp)
    with pytest.raises(ErpError, match=match):
        getattr(erp, action)(**fields)
    assert head(erp) == position
    assert dump(erp) == before


def test_a_cyclic_bom_is_refused_naming_the_cycle(erp: Erp) -> None:
    chair_factory(erp)
    refused(
        erp,
        "cycle LEG -> CHAIR -> LEG",
        "define_bom",
        item="LEG",
        components=[{"item": "CHAIR", "quantity": "1"}],
    )
    erp.register_item(code="FRAME", name="Frame", uom="pcs")
    erp.define_bom(item="FRAME", components=[{"item": "LEG", "quantity": "4"}])
    erp.define_bom(item="CHAIR", components=[{"item": "FRAME", "quantity": "1"}])
    refused(
        erp,
        "cycle LEG -> CHAIR -> FRAME -> LEG",
        "define_bom",
        item="LEG",
        components=[{"item": "CHAIR", "quantity": "1"}],
    )


def test_bad_master_data_is_refused(erp: Erp) -> None:
    chair_factory(erp)
    refused(
        erp,
        "unknown item 'NOPE'",
        "define_bom",
        item="CHAIR",
        components=[{"item": "NOPE", "quantity": "1"}],
    )
    refused(
        erp,
        "unknown work centre",
        "define_bom",
        item="CHAIR",
        components=[{"item": "LEG", "quantity": "1"}],
        operations=[{"work_centre": "NOPE", "hours": "1"}],
    )
    refused(erp, "already exists", "register_work_centre", code="ASSY", name="x", labour_rate="1")
    refused(
        erp, "must not be negative", "register_work_centre", code="X", name="x", labour_rate="-1"
    )
    refused(erp, "unknown account|no account", "configure_production", wip_account="9999")
    refused(
        erp,
        "has no bill of materials",
        "create_work_order",
        date="2026-03-05",
        item="LEG",
        quantity="1",
        warehouse="MAIN",
    )


def test_production_must_be_configured_first(erp: Erp) -> None:
    with pytest.raises(ValidationError, match="production is not configured"):
        erp.register_work_centre(code="ASSY", name="Assembly", labour_rate="1")


def test_work_order_refusals(released: tuple[Erp, str]) -> None:
    erp, number = released
    legs = {"item": "LEG", "warehouse": "MAIN"}
    refused(
        erp,
        "insufficient stock of SEAT",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "SEAT", "warehouse": "MAIN", "quantity": "11", "reason": "x"}],
    )
    refused(
        erp,
        "an extra issue needs a reason",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{**legs, "quantity": "9"}],
    )
    refused(
        erp,
        "cannot consume its own output",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "CHAIR", "warehouse": "MAIN", "quantity": "1"}],
    )
    erp.register_item(code="GLUE", name="Glue", uom="ml")
    refused(
        erp,
        "not in the bill of materials",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "GLUE", "warehouse": "MAIN", "quantity": "1"}],
    )
    refused(
        erp,
        "before work order",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-04",
        lines=[{**legs, "quantity": "1"}],
    )
    refused(
        erp,
        "no LEG is issued",
        "return_from_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{**legs, "quantity": "1"}],
    )
    erp.issue_to_work_order(work_order=number, date="2026-03-06", lines=[{**legs, "quantity": "8"}])
    refused(
        erp,
        "only 8 is issued",
        "return_from_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{**legs, "quantity": "9"}],
    )
    refused(
        erp,
        "over-production",
        "complete_work_order",
        work_order=number,
        date="2026-03-07",
        quantity="3",
    )
    refused(erp, "give the reason", "close_work_order", work_order=number, date="2026-03-07")
    refused(
        erp,
        "has material",
        "cancel_work_order",
        work_order=number,
        date="2026-03-07",
        reason="changed my mind",
    )
    refused(
        erp,
        "unknown work order",
        "release_work_order",
        work_order="WO-2026-000099",
        date="2026-03-07",
    )
    refused(
        erp,
        "is in progress: cannot release",
        "release_work_order",
        work_order=number,
        date="2026-03-07",
    )
    erp.close_work_order(work_order=number, date="2026-03-07", reason="order withdrawn")
    for action, fields in (
        ("issue_to_work_order", {"lines": [{**legs, "quantity": "1"}]}),
        ("return_from_work_order", {"lines": [{**legs, "quantity": "1"}]}),
        ("report_progress", {"work_centre": "ASSY", "hours": "1"}),
        ("complete_work_order", {"quantity": "1"}),
        ("close_work_order", {"reason": "again"}),
    ):
        refused(erp, "is closed", action, work_order=number, date="2026-03-08", **fields)
    assert balance(erp, "1350") == D(0)
    all_checks_ok(erp)


def test_a_draft_must_be_released_and_can_be_cancelled(erp: Erp) -> None:
    chair_factory(erp)
    number = erp.create_work_order(
        date="2026-03-05", item="CHAIR", quantity="2", warehouse="MAIN"
    ).documents[0]
    refused(
        erp,
        "is draft: cannot issue",
        "issue_to_work_order",
        work_order=number,
        date="2026-03-06",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "1"}],
    )
    erp.cancel_work_order(work_order=number, date="2026-03-06", reason="not needed")
    (row,) = erp.query(work_orders)
    assert row.status == "cancelled"
    assert erp.query(wip_check)[0].ok
