"""Hypothesis properties of the production core.

- Costing: over generated histories of issues, returns, hours and (partial) completions, every
  journal balances to the cent, the WIP account in a ledger built only from the journals equals
  the state's WIP after every step, and on close finished goods + by-products + scrap + variance
  = materials issued - returned + absorbed, exactly, read from that ledger.
- BOMs: a new version is refused exactly when it would close a cycle, and the cycle named is a
  real path; explosion is never short of the exact (unrounded) requirement.
- Planning: each item's arithmetic adds up and lot-for-lot plans exactly the net shortage.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import event, given, settings
from hypothesis import strategies as st

from erp_core.production.bom import (
    BillOfMaterials,
    BomRegistry,
    ComponentLine,
    SecondaryOutput,
    explode,
)
from erp_core.production.costing import (
    CostingAccounts,
    CostingStep,
    IssuedLayer,
    OutputQuantity,
    WorkCentre,
    WorkOrderCosting,
    WorkOrderSpec,
    costing_problems,
    journal_problems,
)
from erp_core.production.errors import (
    BomCycleError,
    ProductionValidationError,
    WorkOrderStateError,
)
from erp_core.production.planning import DemandLine, StockPosition, plan_production

ACC = CostingAccounts()
CENTRES = (
    WorkCentre("PRESS", D("20.00"), D("7.35"), "Applied labour", "Applied overhead"),
    WorkCentre("PAINT", D("33.333"), D("0"), "Applied labour", "Applied overhead"),
)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[D]:
    return st.decimals(D(low), D(high), places=places, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class Issue:
    item: str
    layers: tuple[tuple[D, D, bool], ...]  # quantity, unit cost, value given by the inventory


@dataclass(frozen=True)
class Return:
    item: str
    pct: int  # of the net quantity still issued


@dataclass(frozen=True)
class Absorb:
    centre: int
    hours: D


@dataclass(frozen=True)
class Complete:
    pct: int  # of the good quantity still expected
    final: bool | None
    meal: int  # by-product quantity
    dust: int  # scrap quantity


Action = Issue | Return | Absorb | Complete
item_names = st.sampled_from(["A", "B", "C"])
layer = st.tuples(decimals("0.001", "50", 3), decimals("0", "100", 4), st.booleans())
issues = st.builds(Issue, item_names, st.lists(layer, min_size=1, max_size=3).map(tuple))
returns = st.builds(Return, item_names, st.integers(1, 100))
absorptions = st.builds(Absorb, st.sampled_from([0, 1]), decimals("0.01", "10", 2))
completions = st.builds(
    Complete,
    st.integers(1, 100),
    st.sampled_from([None, None, True, False]),
    st.integers(0, 5),
    st.integers(0, 5),
)
histories = st.lists(
    st.one_of(issues, issues, returns, absorptions, completions), min_size=1, max_size=25
)


@st.composite
def specs(draw: st.DrawFn) -> WorkOrderSpec:
    outputs: list[SecondaryOutput] = []
    if draw(st.booleans()):
        outputs.append(SecondaryOutput("MEAL", D(1), cost_share_pct=draw(decimals("1", "60", 1))))
    if draw(st.booleans()):
        outputs.append(
            SecondaryOutput("DUST", D(1), kind="scrap", fixed_value=draw(decimals("0", "2", 2)))
        )
    return WorkOrderSpec(
        "WO-2026-000042",
        "MAIN",
        draw(decimals("1", "40", 2)),
        outputs=tuple(outputs),
        overproduction_pct=D(5),
    )


def apply(state: WorkOrderCosting, action: Action) -> CostingStep | None:
    """Run one generated action; None when the history has nothing sensible to do."""
    if isinstance(action, Issue):
        layers = [
            IssuedLayer(q, c, (q * c).quantize(D("0.01")) if valued else None)
            for q, c, valued in action.layers
        ]
        return state.issue(action.item, layers)
    if isinstance(action, Return):
        held = state.materials.get(action.item)
        if held is None or held.net_quantity <= 0:
            return None
        qty = min((held.net_quantity * action.pct / 100).quantize(D("0.001")), held.net_quantity)
        return state.return_material(action.item, qty) if qty > 0 else None
    if isinstance(action, Absorb):
        return state.absorb(CENTRES[action.centre], action.hours)
    remaining = max(state.remaining_quantity, D(1))
    good = (remaining * action.pct / 100).quantize(D("0.01"))
    if good <= 0:
        return None
    produced = {"MEAL": action.meal, "DUST": action.dust}
    outs = [
        OutputQuantity(o.item, D(produced[o.item])) for o in state.spec.outputs if produced[o.item]
    ]
    step = state.complete(good, outs, final=action.final)
    assert all(o.value >= 0 for o in step.outputs)
    event(f"completion with {len(step.outputs)} outputs, status {step.state.status}")
    return step


@settings(max_examples=150, deadline=None)
@given(spec=specs(), history=histories)
def test_costing_journals_balance_and_value_in_equals_value_out(
    spec: WorkOrderSpec, history: list[Action]
) -> None:
    state = WorkOrderCosting.start(spec)
    ledger: dict[str, D] = defaultdict(D)
    # independent record of what is issued per item: (net quantity, net value)
    net_by_item: dict[str, tuple[D, D]] = defaultdict(lambda: (D(0), D(0)))

    for action in history:
        try:
            step = apply(state, action)
        except (ProductionValidationError, WorkOrderStateError) as refused:
            # only completions can be refused here (negative WIP, fixed values above the cost,
            # over-production, already completed); the state is immutable, so nothing changed
            assert isinstance(action, Complete), refused
            event(f"refused: {refused.message[:30]}")
            continue
        if step is None:
            continue
        if isinstance(action, Issue):
            q0, v0 = net_by_item[action.item]
            issued = sum((q for q, _, _ in action.layers), D(0))
            net_by_item[action.item] = (q0 + issued, v0 + step.value)
        elif isinstance(action, Return):
            q0, v0 = net_by_item[action.item]
            returned = state.materials[action.item].net_quantity - (
                step.state.materials[action.item].net_quantity
            )
            net_by_item[action.item] = (q0 - returned, v0 - step.value)
        assert journal_problems(step.journal) == []
        for line in step.journal.lines:
            ledger[line.account] += line.debit - line.credit
        state = step.state
        assert costing_problems(state) == []
        assert ledger[ACC.wip] == state.wip
        for item, (qty, value) in net_by_item.items():
            assert state.materials[item].net_value == value
            if qty == 0:
                assert value == 0  # returned everything: returned exactly what was issued

    closed = state.close("end of test")
    event("closed with a variance" if closed.value else "closed with WIP 0")
    assert journal_problems(closed.journal) == []
    for line in closed.journal.lines:
        ledger[line.account] += line.debit - line.credit
    assert ledger[ACC.wip] == 0
    assert costing_problems(closed.state) == []
    value_out = (
        ledger[ACC.finished_goods]
        + ledger[ACC.by_products]
        + ledger[ACC.scrap]
        + ledger[ACC.variance]
    )
    value_in = -(ledger[ACC.raw_materials] + ledger["Applied labour"] + ledger["Applied overhead"])
    assert value_out == value_in == closed.state.value_in == closed.state.value_out
    assert sum(ledger.values()) == 0


# ---- BOM graphs -------------------------------------------------------------------------------

ITEMS = [f"I{n}" for n in range(7)]


@st.composite
def acyclic_boms(draw: st.DrawFn) -> list[BillOfMaterials]:
    """BOMs where item i only uses items with a higher index (so the graph is acyclic)."""
    boms = []
    for i, item in enumerate(ITEMS[:-1]):
        below = ITEMS[i + 1 :]
        chosen = draw(st.lists(st.sampled_from(below), min_size=0, max_size=3, unique=True))
        if not chosen:
            continue
        lines = tuple(
            ComponentLine(c, draw(decimals("0.1", "5", 2)), draw(decimals("0", "30", 1)))
            for c in chosen
        )
        boms.append(
            BillOfMaterials(
                item,
                1,
                draw(decimals("1", "4", 0)),
                lines,
                process_loss_pct=draw(decimals("0", "25", 1)),
                phantom=draw(st.booleans()) if i > 0 else False,
            )
        )
    return boms


def reachable(registry: BomRegistry, start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        item = todo.pop()
        if item == goal:
            return True
        if item in seen:
            continue
        seen.add(item)
        bom = registry.latest(item)
        todo.extend(bom.component_items if bom else ())
    return False


@settings(max_examples=120, deadline=None)
@given(boms=acyclic_boms(), data=st.data())
def test_a_new_version_is_refused_exactly_when_it_closes_a_cycle(
    boms: list[BillOfMaterials], data: st.DataObject
) -> None:
    registry = BomRegistry.of(boms)
    owner = data.draw(st.sampled_from(ITEMS))
    component = data.draw(st.sampled_from([i for i in ITEMS if i != owner]))
    latest = registry.latest(owner)
    new = BillOfMaterials(
        owner, (latest.version + 1) if latest else 1, D(1), (ComponentLine(component, D(1)),)
    )
    if reachable(registry, component, owner):
        try:
            registry.with_version(new)
        except BomCycleError as err:
            cycle = err.cycle
            assert cycle[0] == cycle[-1] == owner
            assert cycle[1] == component
            for parent, child in itertools.pairwise(cycle[1:]):
                assert child in registry.latest(parent).component_items  # type: ignore[union-attr]
            assert " -> ".join(cycle) in str(err)
        else:
            raise AssertionError("a cyclic BOM was accepted")
    else:
        assert registry.with_version(new).latest(owner) == new


def exact_needs(registry: BomRegistry, bom: BillOfMaterials, qty: Fraction) -> dict[str, Fraction]:
    """Independent model: exact bought-item needs, no rounding anywhere."""
    out: dict[str, Fraction] = defaultdict(Fraction)
    starts = qty / (1 - Fraction(bom.process_loss_pct) / 100) / Fraction(bom.output_quantity)
    for line in bom.components:
        need = Fraction(line.quantity) * starts / (1 - Fraction(line.scrap_pct) / 100)
        sub = registry.latest(line.item)
        if sub is None:
            out[line.item] += need
        else:
            for k, v in exact_needs(registry, sub, need).items():
                out[k] += v
    return out


@settings(max_examples=120, deadline=None)
@given(boms=acyclic_boms(), qty=decimals("0.5", "100", 2))
def test_explosion_is_never_short_of_the_exact_requirement(
    boms: list[BillOfMaterials], qty: D
) -> None:
    registry = BomRegistry.of(boms)
    top = registry.latest("I0")
    if top is None:
        return
    result = explode(registry, top, qty)
    got = result.totals("bought")
    exact = exact_needs(registry, top, Fraction(qty))
    assert set(got) == set(exact)
    for item, need in exact.items():
        assert Fraction(got[item]) >= need
        # each of at most 7 levels rounds up by less than 1e-6 per line, scaled by the ratios
        assert Fraction(got[item]) - need < Fraction(1, 10)


@settings(max_examples=120, deadline=None)
@given(
    boms=acyclic_boms(),
    demand=st.lists(
        st.tuples(st.sampled_from(ITEMS), decimals("1", "50", 0), st.integers(0, 60)),
        min_size=1,
        max_size=5,
    ),
    stock=st.dictionaries(
        st.sampled_from(ITEMS), st.tuples(decimals("0", "80", 0), decimals("0", "20", 0))
    ),
)
def test_lot_for_lot_netting_plans_exactly_the_net_shortage(
    boms: list[BillOfMaterials],
    demand: list[tuple[str, D, int]],
    stock: dict[str, tuple[D, D]],
) -> None:
    registry = BomRegistry.of(boms)
    day0 = dt.date(2026, 6, 1)
    plan = plan_production(
        [DemandLine(i, q, day0 + dt.timedelta(days=d)) for i, q, d in demand],
        registry,
        stock=[StockPosition(i, oh, res) for i, (oh, res) in stock.items()],
    )
    assert len({r.item for r in plan.rows}) == len(plan.rows)
    codes = {r.item: r.low_level_code for r in plan.rows}
    for row in plan.rows:
        assert row.available + row.planned - row.gross == row.projected_end >= 0
        assert row.net == row.planned == max(D(0), row.gross - row.available)
        bom = registry.latest(row.item)
        for child in bom.component_items if bom else ():
            if child in codes:
                assert codes[child] > row.low_level_code
    made = {o.item for o in plan.work_orders}
    assert all(registry.latest(i) is not None and not registry.latest(i).phantom for i in made)  # type: ignore[union-attr]
    assert all(registry.latest(o.item) is None for o in plan.purchases)
