"""Back-dated re-costing of an order with by-products: a by-product valued by a cost share
takes its share of the change (as it took its share of the cost at receipt), one at a fixed
value keeps its value. Every figure by hand."""

from __future__ import annotations

from decimal import Decimal

from erp_core.projections.production import cost_sheet, work_orders
from production_helpers import all_checks_ok, balance, chair_factory, dump
from test_production_backdating import open_sales, sell

from erp_core import Erp

D = Decimal
WO = "WO-2026-000001"


def chairs_with_chips(erp: Erp, chips: dict[str, str]) -> None:
    """The chair factory with a v2 chair BOM giving 0.5 kg of wood chips per chair (valued
    by `chips`), a work order for 5 chairs: 20 legs (12 @ 3.00 + 8 @ 3.50 = 64.00) and 5
    seats (100.00) issued, 1.5 h at 32.00 (48.00): WIP 212.00."""
    chair_factory(erp)
    erp.register_item(code="CHIPS", name="Wood chips", uom="kg")
    erp.define_bom(
        item="CHAIR",
        components=[{"item": "LEG", "quantity": "4"}, {"item": "SEAT", "quantity": "1"}],
        operations=[{"work_centre": "ASSY", "hours": "0.25"}],
        outputs=[{"item": "CHIPS", "quantity": "0.5", **chips}],
    )
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
    assert balance(erp, "1350") == D("212.00")


def odd_legs_back_dated(erp: Erp) -> None:
    """7 legs @ 2.01 on 03-01, before everything: the 20 legs issued become
    7 @ 2.01 + 12 @ 3.00 + 1 @ 3.50 = 14.07 + 36.00 + 3.50 = 53.57 instead of 64.00 (-10.43)."""
    erp.receive_stock(
        date="2026-03-01",
        account="1120",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "7", "unit_cost": "2.01"}],
    )


def receipts(erp: Erp, item: str) -> list[Decimal]:
    return [r.value for r in erp.stock_ledger(item) if r.kind == "wo_receipt"]


def stock_value(erp: Erp, item: str) -> Decimal:
    return sum((r.value for r in erp.stock_ledger(item)), D(0))


def adjustments(erp: Erp) -> dict[tuple[str, str], Decimal]:
    """The CA- vouchers' lines summed by (date, account)."""
    found: dict[tuple[str, str], Decimal] = {}
    for x in erp.general_ledger():
        if x.document.startswith("CA-"):
            key = (str(x.date), x.account)
            found[key] = found.get(key, D(0)) + x.base
    return found


def test_a_cost_share_by_product_takes_its_share_of_a_back_dated_change(any_erp: Erp) -> None:
    """Two partial receipts, each splitting its cost 20 % chips / 80 % chairs; two chairs
    and 1 kg of chips sold; then the back-dated legs (-10.43) flow on to both outputs and to
    the cost of goods sold of both, the rounding cent to the chairs."""
    erp = any_erp
    chairs_with_chips(erp, {"cost_share_pct": "20"})
    # receipt 1: 2 of 5 -> 212.00 x 2/5 = 84.80: chips 20 % = 16.96, chairs 67.84 (33.92)
    erp.complete_work_order(
        work_order=WO,
        date="2026-03-08",
        quantity="2",
        outputs=[{"item": "CHIPS", "quantity": "1"}],
    )
    # receipt 2 (final): the rest 127.20: chips 25.44, chairs 101.76 (33.92)
    erp.complete_work_order(
        work_order=WO,
        date="2026-03-09",
        quantity="3",
        outputs=[{"item": "CHIPS", "quantity": "1.5"}],
    )
    assert receipts(erp, "CHAIR") == [D("67.84"), D("101.76")]
    assert receipts(erp, "CHIPS") == [D("16.96"), D("25.44")]
    open_sales(erp)
    sell(erp, "CHAIR", "2", "90.00")  # COGS 67.84 (FIFO: receipt 1)
    sell(erp, "CHIPS", "1", "30.00")  # COGS 16.96 (receipt 1)
    assert balance(erp, "5100") == D("84.80")

    odd_legs_back_dated(erp)
    # -10.43 over the receipts by quantity: 2/5 -> -4.17, the last -6.26;
    # receipt 1: chips 20 % of -4.17 = -0.834 -> -0.83, chairs the rest -3.34;
    # receipt 2: chips 20 % of -6.26 = -1.252 -> -1.25, chairs the rest -5.01
    assert balance(erp, "1350") == D("0.00")
    assert adjustments(erp) == {
        ("2026-03-06", "1300"): D("10.43"),  # the legs issued cost 10.43 less
        ("2026-03-06", "1350"): D("-10.43"),
        ("2026-03-08", "1300"): D("-4.17"),  # receipt 1: chairs -3.34, chips -0.83
        ("2026-03-08", "1350"): D("4.17"),
        ("2026-03-09", "1300"): D("-6.26"),  # receipt 2: chairs -5.01, chips -1.25
        ("2026-03-09", "1350"): D("6.26"),
        ("2026-03-12", "1300"): D("4.17"),  # the deliveries: chairs 3.34 + chips 0.83
        ("2026-03-12", "5100"): D("-4.17"),
    }
    assert balance(erp, "5100") == D("80.63")  # 64.50 + 16.13
    assert stock_value(erp, "CHAIR") == D("96.75")  # 3 left: 101.76 - 5.01
    assert stock_value(erp, "CHIPS") == D("24.19")  # 1.5 kg left: 25.44 - 1.25
    (row,) = erp.query(work_orders)
    # chairs 169.60 - 8.35 = 161.25 (32.25 each), chips 42.40 - 2.08 = 40.32
    assert (row.status, row.wip, row.received) == ("completed", D("0.00"), D("201.57"))
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    assert (sheet.finished_goods, sheet.by_products) == (D("161.25"), D("40.32"))
    assert sheet.unit_cost == D("32.2500")
    assert sheet.value_in == D("201.57") == sheet.finished_goods + sheet.by_products
    outputs = {(o.kind, o.item): o.value for o in sheet.outputs}
    assert outputs == {("main", "CHAIR"): D("161.25"), ("by_product", "CHIPS"): D("40.32")}
    assert [r.message for r in erp.check() if not r.ok] == []
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_a_fixed_value_by_product_keeps_its_value(erp: Erp) -> None:
    """Chips at 4.00 a kg: 2.5 kg = 10.00 at receipt and after; the chairs take all of the
    change: 202.00 - 10.43 = 191.57."""
    chairs_with_chips(erp, {"fixed_value": "4.00"})
    erp.complete_work_order(
        work_order=WO,
        date="2026-03-08",
        quantity="5",
        outputs=[{"item": "CHIPS", "quantity": "2.5"}],
    )
    assert receipts(erp, "CHAIR") == [D("202.00")]
    assert receipts(erp, "CHIPS") == [D("10.00")]
    odd_legs_back_dated(erp)
    assert balance(erp, "1350") == D("0.00")
    assert stock_value(erp, "CHAIR") == D("191.57")
    assert stock_value(erp, "CHIPS") == D("10.00")
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    assert (sheet.finished_goods, sheet.by_products) == (D("191.57"), D("10.00"))
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live


def test_recost_work_order_gives_a_cost_share_by_product_its_share(erp: Erp) -> None:
    """The explicit action follows the same rule: 2 legs returned after the final receipt
    (at their issue cost, 64.00 / 20 = 3.20 each: -6.40 in WIP); `recost_work_order` gives
    the chips 20 % (-1.28) and the chairs the rest (-5.12)."""
    chairs_with_chips(erp, {"cost_share_pct": "20"})
    erp.complete_work_order(
        work_order=WO,
        date="2026-03-08",
        quantity="5",
        outputs=[{"item": "CHIPS", "quantity": "2.5"}],
    )
    # 212.00: chips 42.40, chairs 169.60
    assert receipts(erp, "CHAIR") == [D("169.60")]
    assert receipts(erp, "CHIPS") == [D("42.40")]
    erp.return_from_work_order(
        work_order=WO,
        date="2026-03-09",
        lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": "2"}],
    )
    assert balance(erp, "1350") == D("-6.40")
    erp.recost_work_order(work_order=WO, date="2026-03-20")
    assert balance(erp, "1350") == D("0.00")
    assert stock_value(erp, "CHAIR") == D("164.48")
    assert stock_value(erp, "CHIPS") == D("41.12")
    sheet = erp.query(cost_sheet, WO)
    assert sheet is not None
    assert (sheet.finished_goods, sheet.by_products) == (D("164.48"), D("41.12"))
    assert sheet.unit_cost == D("32.8960")
    all_checks_ok(erp)
    live = dump(erp)
    erp.rebuild()
    assert dump(erp) == live
