"""MRP netting: hand-computed plans, low-level codes, lots, phantoms and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from erp_core.production.bom import BillOfMaterials, BomRegistry, ComponentLine
from erp_core.production.errors import ProductionValidationError
from erp_core.production.planning import (
    DemandLine,
    ItemPolicy,
    OpenOrder,
    PlannedOrder,
    StockPosition,
    low_level_codes,
    plan_production,
)


def bom(item: str, *components: tuple[str, str], phantom: bool = False) -> BillOfMaterials:
    lines = tuple(ComponentLine(i, D(q)) for i, q in components)
    return BillOfMaterials(item, 1, D(1), lines, phantom=phantom)


MARCH_20 = dt.date(2026, 3, 20)


def test_a_single_level_plan_nets_stock_open_orders_and_reservations() -> None:
    registry = BomRegistry.of([bom("CHAIR", ("LEG", "4"), ("SEAT", "1"))])
    plan = plan_production(
        [DemandLine("CHAIR", D(10), MARCH_20, "SO-1")],
        registry,
        stock=[StockPosition("CHAIR", D(3), D(1)), StockPosition("LEG", D(10))],
        open_orders=[
            OpenOrder("CHAIR", D(2), "work_order", "WO-2026-000001"),
            OpenOrder("LEG", D(5), "purchase_order", "PO-7"),
        ],
        policies=[
            ItemPolicy("CHAIR", lead_time_days=2),
            ItemPolicy("LEG", lead_time_days=7, lot_multiple=D(10)),
        ],
    )
    # CHAIR: available 3 + 2 - 1 = 4; net 10 - 4 = 6; WO for 6 due 20 Mar, starts 18 Mar
    chair = plan.row("CHAIR")
    assert (chair.gross, chair.available, chair.net, chair.planned) == (D(10), D(4), D(6), D(6))
    assert plan.work_orders == (
        PlannedOrder("CHAIR", D(6), MARCH_20, dt.date(2026, 3, 18), "make", D(6), bom_version=1),
    )
    # LEG: 6 x 4 = 24 on 18 Mar; available 10 + 5 = 15; net 9; lot multiple 10 -> buy 10,
    # starting 7 days earlier (11 Mar); one leg left over
    leg = plan.row("LEG")
    assert (leg.gross, leg.available, leg.net, leg.planned, leg.projected_end) == (
        D(24),
        D(15),
        D(9),
        D(10),
        D(1),
    )
    # SEAT: 6, nothing available -> buy 6 on the work order's start date
    assert [(p.item, p.quantity, p.due, p.start) for p in plan.purchases] == [
        ("LEG", D(10), dt.date(2026, 3, 18), dt.date(2026, 3, 11)),
        ("SEAT", D(6), dt.date(2026, 3, 18), dt.date(2026, 3, 18)),
    ]


def test_an_item_used_at_two_levels_is_netted_once_at_its_low_level_code() -> None:
    registry = BomRegistry.of(
        [bom("SEAT", ("BOLT", "4"), ("FOAM", "1")), bom("CHAIR", ("SEAT", "1"), ("BOLT", "2"))]
    )
    assert low_level_codes(registry, ["CHAIR"]) == {"CHAIR": 0, "SEAT": 1, "BOLT": 2, "FOAM": 2}
    due = dt.date(2026, 4, 30)
    plan = plan_production(
        [DemandLine("CHAIR", D(5), due)],
        registry,
        stock=[StockPosition("BOLT", D(12))],
        policies=[ItemPolicy("CHAIR", lead_time_days=5), ItemPolicy("SEAT", lead_time_days=3)],
    )
    # CHAIR: WO 5 starting 25 Apr -> SEAT 5 and BOLT 10 wanted 25 Apr
    # SEAT: WO 5 due 25 Apr starting 22 Apr -> BOLT 20 and FOAM 5 wanted 22 Apr
    # BOLT (level 2): 22 Apr: 12 - 20 = -8 -> buy 8; 25 Apr: 0 - 10 -> buy 10; gross 30, net 18
    bolt = plan.row("BOLT")
    assert (bolt.low_level_code, bolt.gross, bolt.net, bolt.planned) == (2, D(30), D(18), D(18))
    assert [(p.item, p.quantity, p.due) for p in plan.purchases if p.item == "BOLT"] == [
        ("BOLT", D(8), dt.date(2026, 4, 22)),
        ("BOLT", D(10), dt.date(2026, 4, 25)),
    ]
    assert [r.item for r in plan.rows] == ["CHAIR", "SEAT", "BOLT", "FOAM"]


def test_a_minimum_lot_carries_its_surplus_to_later_requirements() -> None:
    d1, d2, d3 = dt.date(2026, 5, 1), dt.date(2026, 5, 8), dt.date(2026, 5, 15)
    plan = plan_production(
        [DemandLine("X", D(3), d1), DemandLine("X", D(4), d2), DemandLine("X", D(1), d3)],
        BomRegistry(),
        policies=[ItemPolicy("X", min_lot=D(5))],
    )
    # d1: 0 - 3 = -3 -> lot 5 -> 2; d2: 2 - 4 = -2 -> lot 5 -> 3; d3: 3 - 1 = 2, no order
    assert [(p.quantity, p.shortage, p.due) for p in plan.purchases] == [
        (D(5), D(3), d1),
        (D(5), D(2), d2),
    ]
    row = plan.row("X")
    assert (row.gross, row.net, row.planned, row.projected_end) == (D(8), D(5), D(10), D(2))


def test_more_reserved_than_held_is_a_shortage_too() -> None:
    plan = plan_production(
        [DemandLine("X", D(2), MARCH_20)],
        BomRegistry(),
        stock=[StockPosition("X", on_hand=D(1), reserved=D(4))],
    )
    # available 1 - 4 = -3; 2 wanted -> net 5
    assert plan.row("X").available == D(-3)
    assert plan.purchases[0].quantity == D(5)


def test_enough_stock_plans_nothing_and_phantoms_never_get_an_order() -> None:
    registry = BomRegistry.of(
        [bom("KIT", ("SCREW", "4"), phantom=True), bom("CHAIR", ("KIT", "1"), ("SEAT", "1"))]
    )
    plan = plan_production(
        [DemandLine("CHAIR", D(3), MARCH_20)],
        registry,
        stock=[StockPosition("SEAT", D(3)), StockPosition("KIT", D(1))],
    )
    # CHAIR: WO 3; SEAT 3 covered; KIT 3 - 1 on hand = 2 passed to SCREW: 8, same date
    assert [p.item for p in plan.work_orders] == ["CHAIR"]
    assert [(p.item, p.quantity, p.due) for p in plan.purchases] == [("SCREW", D(8), MARCH_20)]
    kit = plan.row("KIT")
    assert (kit.kind, kit.net, kit.planned) == ("phantom", D(2), D(2))
    assert plan.row("SEAT").net == D(0)


def test_component_scrap_and_process_loss_reach_the_dependent_demand() -> None:
    paste = BillOfMaterials(
        "PASTE", 1, D(10), (ComponentLine("FLOUR", D(8), scrap_pct=D(20)),), process_loss_pct=D(20)
    )
    plan = plan_production([DemandLine("PASTE", D(40), MARCH_20)], BomRegistry.of([paste]))
    # 40 / 0.8 = 50 started = 5 batches; flour 5 x 8 / 0.8 = 50
    assert plan.row("FLOUR").gross == D(50)


def test_orders_that_should_have_started_already_are_flagged_late() -> None:
    plan = plan_production(
        [DemandLine("X", D(1), dt.date(2026, 3, 10))],
        BomRegistry(),
        policies=[ItemPolicy("X", lead_time_days=14)],
        today=dt.date(2026, 3, 1),
    )
    assert plan.purchases[0].start == dt.date(2026, 2, 24)
    assert plan.purchases[0].late


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: DemandLine("X", D(0), MARCH_20), "demand[X].quantity"),
        (lambda: DemandLine("X", 2.0, MARCH_20), "demand[X].quantity"),  # type: ignore[arg-type]
        (lambda: DemandLine("X", D(1), "2026-03-20"), "demand[X].wanted"),  # type: ignore[arg-type]
        (lambda: StockPosition("X", D(-1)), "stock[X].on_hand"),
        (lambda: OpenOrder("X", D(1), "sales_order"), "open_orders[X].source"),  # type: ignore[arg-type]
        (lambda: ItemPolicy("X", lead_time_days=-1), "policies[X].lead_time_days"),
        (lambda: ItemPolicy("X", min_lot=D(-1)), "policies[X].min_lot"),
        (
            lambda: plan_production([], BomRegistry(), policies=[ItemPolicy("X"), ItemPolicy("X")]),
            "policies[X]",
        ),
    ],
)
def test_bad_planning_input_is_refused_naming_the_field(
    make: Callable[[], object], field: str
) -> None:
    with pytest.raises(ProductionValidationError) as err:
        make()
    assert err.value.field == field
