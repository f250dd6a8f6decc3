"""Work-order costing at actual cost: hand-computed stories, one comment per step."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from erp_core.production.bom import SecondaryOutput
from erp_core.production.costing import (
    CostingAccounts,
    IssuedLayer,
    Journal,
    JournalLine,
    OutputQuantity,
    WorkCentre,
    WorkOrderCosting,
    WorkOrderSpec,
    costing_problems,
    journal_problems,
)
from erp_core.production.errors import ProductionValidationError, WorkOrderStateError

ACC = CostingAccounts()
ASSEMBLY = WorkCentre("ASSEMBLY", labour_rate=D("32.00"))
PRESS = WorkCentre("PRESS", labour_rate=D("20.00"), overhead_rate=D("5.00"))


def lines(journal: Journal) -> list[tuple[str, D, D]]:
    return [(ln.account, ln.debit, ln.credit) for ln in journal.lines]


def start(planned: str, *outputs: SecondaryOutput, **kw: object) -> WorkOrderCosting:
    spec = WorkOrderSpec("WO-2026-000001", "CHAIR", D(planned), outputs=outputs, **kw)  # type: ignore[arg-type]
    return WorkOrderCosting.start(spec)


def ok(state: WorkOrderCosting) -> WorkOrderCosting:
    assert costing_problems(state) == []
    return state


def test_the_five_chairs_of_the_issue() -> None:
    wo = start("5")
    # issue 20 legs FIFO: 12 @ 3.00 = 36.00, 8 @ 3.50 = 28.00 -> 64.00
    step = wo.issue("LEG", [IssuedLayer(D(12), D("3.00")), IssuedLayer(D(8), D("3.50"))])
    assert lines(step.journal) == [
        (ACC.wip, D("64.00"), D(0)),
        (ACC.raw_materials, D(0), D("64.00")),
    ]
    # issue 5 seats @ 20.00 = 100.00 -> WIP 164.00
    step = step.state.issue("SEAT", [IssuedLayer(D(5), D("20.00"))])
    assert step.state.wip == D("164.00")
    # 1.5 h at 32.00/h = 48.00 labour, no overhead -> WIP 212.00
    step = step.state.absorb(ASSEMBLY, D("1.5"))
    assert lines(step.journal) == [
        (ACC.wip, D("48.00"), D(0)),
        ("Applied labour", D(0), D("48.00")),
    ]
    assert step.state.wip == D("212.00")
    # receive 5 chairs: Dr FG 212.00 / Cr WIP 212.00, 42.40 each, WIP 0.00
    step = step.state.complete(D(5))
    assert lines(step.journal) == [
        (ACC.finished_goods, D("212.00"), D(0)),
        (ACC.wip, D(0), D("212.00")),
    ]
    assert step.finished_goods is not None
    assert step.finished_goods.unit_cost == D("42.40")
    assert (ok(step.state).wip, step.state.status) == (D("0.00"), "completed")
    closed = step.state.close()
    assert closed.journal.lines == ()
    assert ok(closed.state).variance == 0


def test_partial_completions_take_the_average_per_remaining_good_unit_and_the_last_takes_all() -> (
    None
):
    wo = start("10")
    # issue 10 @ 10.00 = 100.00; 3 h at 20.00 + 5.00 = 60.00 + 15.00 -> WIP 175.00
    s = wo.issue("STEEL", [IssuedLayer(D(10), D("10.00"))]).state
    s = s.absorb(PRESS, D(3)).state
    assert s.wip == D("175.00")
    # complete 3 of 10 expected: 175.00 x 3 / 10 = 52.50 -> WIP 122.50
    first = s.complete(D(3))
    assert first.value == D("52.50")
    assert first.journal.lines[0] == JournalLine(
        ACC.finished_goods, debit=D("52.50"), item="CHAIR", memo="main received"
    )
    s = ok(first.state)
    # 1 more hour: 25.00 -> WIP 147.50; complete 4 of the 7 still expected:
    # 147.50 x 4 / 7 = 84.2857... -> 84.29; WIP 63.21
    s = s.absorb(PRESS, D(1)).state
    second = s.complete(D(4))
    assert (second.value, second.state.wip) == (D("84.29"), D("63.21"))
    # the last 3 take all that is left, rounding residue included: 63.21
    third = second.state.complete(D(3))
    assert (third.value, third.state.wip, third.state.status) == (D("63.21"), 0, "completed")
    # 52.50 + 84.29 + 63.21 = 200.00 = 100.00 materials + 100.00 absorbed (4 h x 25.00)
    assert ok(third.state).finished_goods_value == D("200.00")
    assert third.state.value_in == D("200.00")


def test_returns_are_valued_at_the_orders_own_issue_cost() -> None:
    wo = start("10")
    # issue 10 @ 3.00 = 30.00 then 10 @ 3.60 = 36.00: 20 issued for 66.00, 3.30 on average
    s = wo.issue("LEG", [IssuedLayer(D(10), D("3.00"))]).state
    s = s.issue("LEG", [IssuedLayer(D(10), D("3.60"))]).state
    # return 5 at 3.30 = 16.50 (whatever the stock's cost is today)
    back = s.return_material("LEG", D(5))
    assert lines(back.journal) == [
        (ACC.raw_materials, D("16.50"), D(0)),
        (ACC.wip, D(0), D("16.50")),
    ]
    # the other 15 return exactly what is left on the item: 66.00 - 16.50 = 49.50
    rest = back.state.return_material("LEG", D(15))
    assert rest.value == D("49.50")
    assert rest.state.wip == 0
    assert ok(rest.state).materials["LEG"].net_value == 0


def test_a_return_that_does_not_divide_evenly_leaves_no_residue() -> None:
    wo = start("1")
    # 3 units issued for 10.00 as the inventory valued them (moving average)
    s = wo.issue("GLUE", [IssuedLayer(D(3), D("3.333333"), value=D("10.00"))]).state
    # return 1: 10.00 / 3 = 3.333.. -> 3.33; return the last 2: 10.00 - 3.33 = 6.67
    one = s.return_material("GLUE", D(1))
    two = one.state.return_material("GLUE", D(2))
    assert (one.value, two.value, ok(two.state).wip) == (D("3.33"), D("6.67"), 0)


def test_returning_more_than_issued_or_an_item_never_issued_is_refused() -> None:
    s = start("1").issue("LEG", [IssuedLayer(D(4), D(1))]).state
    with pytest.raises(ProductionValidationError) as err:
        s.return_material("LEG", D(5))
    assert err.value.field == "quantity"
    assert "only 4 is issued" in err.value.reason
    with pytest.raises(ProductionValidationError) as err:
        s.return_material("SEAT", D(1))
    assert err.value.field == "item"


def test_a_by_product_takes_its_share_and_scrap_its_fixed_value_before_the_main_output() -> None:
    wo = start(
        "100",
        SecondaryOutput("MEAL", D(30), cost_share_pct=D(20)),
        SecondaryOutput("DUST", D(10), kind="scrap", fixed_value=D("0.50")),
    )
    # issue 1,000.00 of seed; 10 h at 20.00 + 5.00 -> 200.00 + 50.00; WIP 1,250.00
    s = wo.issue("SEED", [IssuedLayer(D(500), D("2.00"))]).state
    s = s.absorb(PRESS, D(10)).state
    step = s.complete(D(100), [OutputQuantity("MEAL", D(30)), OutputQuantity("DUST", D(10))])
    # scrap 10 x 0.50 = 5.00 first; joint cost 1,245.00; meal 20 % = 249.00;
    # finished goods 1,245.00 - 249.00 = 996.00, 9.96 per good unit
    assert lines(step.journal) == [
        (ACC.finished_goods, D("996.00"), D(0)),
        (ACC.scrap, D("5.00"), D(0)),
        (ACC.by_products, D("249.00"), D(0)),
        (ACC.wip, D(0), D("1250.00")),
    ]
    assert step.finished_goods is not None
    assert step.finished_goods.unit_cost == D("9.96")
    s = ok(step.state)
    assert (s.finished_goods_value, s.by_product_value, s.scrap_value) == (
        D("996.00"),
        D("249.00"),
        D("5.00"),
    )


def test_a_share_based_by_product_not_produced_in_a_completion_takes_nothing_from_it() -> None:
    wo = start("10", SecondaryOutput("MEAL", D(1), cost_share_pct=D(50)))
    s = wo.issue("SEED", [IssuedLayer(D(10), D(1))]).state
    step = s.complete(D(10))
    assert [(o.kind, o.value) for o in step.outputs] == [("main", D("10.00"))]


def test_shares_of_a_tiny_joint_cost_never_exceed_it() -> None:
    wo = start(
        "1",
        SecondaryOutput("M", D(1), cost_share_pct=D(50)),
        SecondaryOutput("N", D(1), cost_share_pct=D(50)),
    )
    s = wo.issue("X", [IssuedLayer(D(1), D("0.01"))]).state
    step = s.complete(D(1), [OutputQuantity("M", D(1)), OutputQuantity("N", D(1))])
    # cumulative rounding: M = round(0.005) = 0.01, N = round(0.01) - 0.01 = 0.00, main 0.00
    assert [(o.item, o.value) for o in step.outputs] == [
        ("CHAIR", D("0.00")),
        ("M", D("0.01")),
        ("N", D("0.00")),
    ]
    assert journal_problems(step.journal) == []


def test_process_loss_raises_the_unit_cost_of_the_good_units() -> None:
    wo = start("10")
    # 110.00 of material for 10 chairs, but only 8 come out good; the order is completed short
    s = wo.issue("WOOD", [IssuedLayer(D(11), D("10.00"))]).state
    step = s.complete(D(8), final=True)
    assert step.finished_goods is not None
    # 110.00 / 8 = 13.75 each (planned 11.00); nothing is left for a variance
    assert (step.value, step.finished_goods.unit_cost, step.state.wip) == (
        D("110.00"),
        D("13.75"),
        0,
    )


def test_closing_a_partly_done_order_sends_what_is_left_to_variance() -> None:
    wo = start("10")
    s = wo.issue("WOOD", [IssuedLayer(D(10), D("10.00"))]).state
    s = s.complete(D(4)).state  # 100.00 x 4 / 10 = 40.00 to finished goods, 60.00 left
    with pytest.raises(ProductionValidationError) as err:
        s.close()
    assert err.value.field == "reason"
    closed = s.close("cancelled: customer withdrew the order")
    assert lines(closed.journal) == [
        (ACC.variance, D("60.00"), D(0)),
        (ACC.wip, D(0), D("60.00")),
    ]
    s = ok(closed.state)
    # value out 40.00 + 60.00 = value in 100.00
    assert (s.finished_goods_value, s.variance, s.value_in, s.wip) == (
        D("40.00"),
        D("60.00"),
        D("100.00"),
        0,
    )
    with pytest.raises(WorkOrderStateError, match="closed"):
        s.issue("WOOD", [IssuedLayer(D(1), D(1))])


def test_a_return_after_the_final_receipt_closes_to_a_favourable_variance() -> None:
    s = start("10").issue("WOOD", [IssuedLayer(D(10), D("10.00"))]).state
    s = s.complete(D(10)).state  # finished goods 100.00, WIP 0
    s = s.return_material("WOOD", D(2)).state  # 2 @ 10.00 back: WIP -20.00
    closed = s.close("2 boards were not used after all")
    assert lines(closed.journal) == [
        (ACC.wip, D("20.00"), D(0)),
        (ACC.variance, D(0), D("20.00")),
    ]
    # 100.00 FG - 20.00 variance = 80.00 = 100.00 issued - 20.00 returned
    assert ok(closed.state).variance == D("-20.00")


def test_over_production_beyond_the_allowance_and_receipts_after_completion_are_refused() -> None:
    s = start("10", overproduction_pct=D(10)).issue("X", [IssuedLayer(D(1), D(1))]).state
    with pytest.raises(ProductionValidationError) as err:
        s.complete(D(12))
    assert err.value.field == "good_quantity"
    s = s.complete(D(11)).state  # within 10 % over
    with pytest.raises(WorkOrderStateError, match="already completed"):
        s.complete(D(1))


def test_fixed_values_above_the_cost_of_the_completion_are_refused() -> None:
    wo = start("10", SecondaryOutput("DUST", D(1), kind="scrap", fixed_value=D("5.00")))
    s = wo.issue("X", [IssuedLayer(D(1), D("3.00"))]).state
    with pytest.raises(ProductionValidationError) as err:
        s.complete(D(10), [OutputQuantity("DUST", D(1))])
    assert err.value.field == "outputs"
    with pytest.raises(ProductionValidationError) as err:
        s.complete(D(10), [OutputQuantity("MEAL", D(1))])
    assert err.value.field == "outputs[MEAL]"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: IssuedLayer(1.5, D(1)), "layers.quantity"),  # type: ignore[arg-type]
        (lambda: IssuedLayer(D(1), D(-1)), "layers.unit_cost"),
        (lambda: start("1").issue("X", [IssuedLayer(D(1), D(1), D("0.001"))]), "layers.value"),
        (lambda: start("1").issue("X", []), "layers"),
        (lambda: start("1").absorb(ASSEMBLY, D(0)), "hours"),
        (lambda: start("1").complete(D(0)), "good_quantity"),
        (lambda: start("0"), "planned_quantity"),
        (lambda: WorkCentre("W", D(-1)), "work_centres[W].labour_rate"),
        (lambda: WorkCentre("W", D(1), labour_account=""), "work_centres[W].labour_account"),
    ],
)
def test_bad_costing_input_is_refused_naming_the_field(
    make: Callable[[], object], field: str
) -> None:
    with pytest.raises(ProductionValidationError) as err:
        make()
    assert err.value.field == field


def test_journal_problems_finds_an_unbalanced_journal() -> None:
    bad = Journal("issue", "WO-1", (JournalLine("WIP", debit=D("1.00")),))
    assert journal_problems(bad) == ["issue of WO-1 does not balance: debit 1.00 != credit 0"]
