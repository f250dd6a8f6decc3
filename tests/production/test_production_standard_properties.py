"""Property: for any standard and any history of a work order made at standard, value in =
finished goods at standard + by-products/scrap + variances + WIP remaining at every step, each
journal balances, and the close's variances equal an independent computation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.production.costing import (
    CostingAccounts,
    IssuedLayer,
    WorkCentre,
    WorkOrderCosting,
    WorkOrderSpec,
    journal_problems,
)
from erp_core.production.standard import (
    VARIANCE_KINDS,
    StandardCentre,
    StandardCost,
    StandardMaterial,
)

D = Decimal
CENT = D("0.01")
ACCOUNTS = {kind: f"V{n}" for n, kind in enumerate(VARIANCE_KINDS)}


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def decimals(lo: str, hi: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(lo), max_value=D(hi), places=places).filter(lambda x: x > 0)


@st.composite
def standards(draw: st.DrawFn) -> StandardCost:
    n = draw(st.integers(1, 3))
    materials = tuple(
        StandardMaterial(f"M{i}", draw(decimals("0.01", "5", 3)), draw(decimals("0.01", "50", 4)))
        for i in range(n)
    )
    centres = tuple(
        StandardCentre(
            f"W{i}",
            draw(decimals("0.01", "2", 3)),
            draw(decimals("1", "60", 2)),
            draw(st.decimals(min_value=0, max_value=20, places=2)),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    unit = sum((m.quantity * m.price for m in materials), D(0)) + sum(
        (c.hours * (c.labour_rate + c.overhead_rate) for c in centres), D(0)
    )
    return StandardCost(
        "FG", unit.quantize(D("0.000001"), rounding=ROUND_HALF_UP), 1, materials, centres
    )


steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("issue"), st.integers(0, 3), decimals("0.1", "20", 2), decimals("0.01", "60", 4)
        ),
        st.tuples(st.just("return"), st.integers(0, 3), decimals("0.1", "5", 2)),
        st.tuples(
            st.just("absorb"), st.integers(0, 2), decimals("0.1", "5", 2), decimals("1", "70", 2)
        ),
        st.tuples(st.just("complete"), decimals("0.5", "4", 1)),
    ),
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(standard=standards(), planned=decimals("1", "10", 0), history=steps)
def test_value_in_equals_value_out_at_standard(
    standard: StandardCost, planned: Decimal, history: list[tuple[object, ...]]
) -> None:
    spec = WorkOrderSpec(
        "WO-1",
        "FG",
        planned,
        accounts=CostingAccounts(),
        overproduction_pct=D(50),
        standard=standard,
        variance_accounts=ACCOUNTS,
    )
    state = WorkOrderCosting.start(spec)
    # the independent model: what went in, per item and per centre
    issued: dict[str, list[Decimal]] = {}  # item -> [net quantity, net value]
    hours: dict[str, list[Decimal]] = {}  # centre -> [hours, labour, overhead]
    std_rates = {c.work_centre: c for c in standard.centres}
    finished = D(0)

    def check(s: WorkOrderCosting) -> None:
        value_in = s.materials_issued - s.materials_returned + s.labour + s.overhead
        out = s.finished_goods_value + s.by_product_value + s.scrap_value + s.variance
        assert value_in == out + s.wip

    for step in history:
        kind = step[0]
        if kind == "issue":
            _, i, qty, price = step
            item = f"M{i}"  # M3 is never in the standard (an extra issue)
            value = cents(qty * price)  # type: ignore[operator]
            result = state.issue(item, [IssuedLayer(qty, price, value=value)])  # type: ignore[arg-type]
            got = issued.setdefault(item, [D(0), D(0)])
            got[0] += qty  # type: ignore[operator]
            got[1] += value
        elif kind == "return":
            _, i, qty = step
            item = f"M{i}"
            if item not in issued or issued[item][0] < qty:  # type: ignore[operator]
                continue
            result = state.return_material(item, qty)  # type: ignore[arg-type]
            issued[item][0] -= qty  # type: ignore[operator]
            issued[item][1] -= result.value
        elif kind == "absorb":
            _, i, h, rate = step
            code = f"W{i}"
            overhead_rate = std_rates[code].overhead_rate + 1 if code in std_rates else D(3)
            result = state.absorb(WorkCentre(code, rate, overhead_rate), h)  # type: ignore[arg-type]
            got = hours.setdefault(code, [D(0), D(0), D(0)])
            got[0] += h  # type: ignore[operator]
            got[1] += cents(h * rate)  # type: ignore[operator]
            got[2] += cents(h * overhead_rate)  # type: ignore[operator]
        else:
            _, qty = step
            if state.status == "completed" or state.good_quantity + qty > spec.max_good_quantity:  # type: ignore[operator]
                continue
            result = state.complete(qty)  # type: ignore[arg-type]
            assert result.outputs[0].value == cents(qty * standard.unit_cost)  # type: ignore[operator]
            finished += result.outputs[0].value
        assert not journal_problems(result.journal)
        state = result.state
        check(state)
    assert state.finished_goods_value == finished
    before_close = state.wip
    closing = state.close("end of the story")
    assert not journal_problems(closing.journal)
    closed = closing.state
    check(closed)
    assert closed.wip == 0
    assert sum((v[3] for v in closing.variances), D(0)) == before_close
    # the independent computation of each variance
    q = closed.good_quantity
    expected: dict[tuple[str, str], Decimal] = {}
    std_materials = {m.item: m for m in standard.materials}
    for item in sorted(set(std_materials) | set(issued)):
        aq, ac = issued.get(item, [D(0), D(0)])
        m = std_materials.get(item)
        sp = m.price if m else (ac / aq if aq else D(0))
        sq = m.quantity * q if m else D(0)
        expected[("material_price", item)] = cents(ac - aq * sp) if aq else cents(ac)
        expected[("material_usage", item)] = cents((aq - sq) * sp)
    for code in sorted(set(std_rates) | set(hours)):
        ah, lab, ovh = hours.get(code, [D(0), D(0), D(0)])
        c = std_rates.get(code)
        lr = c.labour_rate if c else (lab / ah if ah else D(0))
        orate = c.overhead_rate if c else (ovh / ah if ah else D(0))
        sh = c.hours * q if c else D(0)
        expected[("labour_rate", code)] = cents(lab - ah * lr)
        expected[("labour_efficiency", code)] = cents((ah - sh) * lr)
        expected[("overhead_rate", code)] = cents(ovh - ah * orate)
        expected[("overhead_efficiency", code)] = cents((ah - sh) * orate)
    booked = {(k, c): v for k, c, _, v in closing.variances if k != "other"}
    assert booked == {k: v for k, v in expected.items() if v != 0}
    other = sum((v for k, _, _, v in closing.variances if k == "other"), D(0))
    assert other == before_close - sum(booked.values(), D(0))
    for kind, _, account, _ in closing.variances:
        assert account == (ACCOUNTS[kind] if kind != "other" else spec.accounts.variance)
