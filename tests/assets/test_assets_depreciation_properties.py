"""Hypothesis: random assets and histories keep the depreciation invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from erp_core.assets.depreciation import (
    Adjustment,
    AssetTerms,
    Convention,
    CostAdjustment,
    DecliningBalance,
    EstimateChange,
    Impairment,
    Method,
    Schedule,
    StraightLine,
    SumOfYearsDigits,
    UnitsOfProduction,
    Usage,
    catch_up_to_disposal,
    depreciation_for_month,
    depreciation_schedule,
    effective_month,
)
from erp_core.assets.errors import AssetError
from erp_core.assets.values import YearMonth

CENT = Decimal("0.01")
EXAMPLES = settings(max_examples=120, deadline=None)

time_methods: st.SearchStrategy[Method] = st.one_of(
    st.just(StraightLine()),
    st.just(SumOfYearsDigits()),
    st.builds(
        DecliningBalance,
        st.sampled_from([Decimal(1), Decimal("1.5"), Decimal(2), Decimal("2.5"), Decimal(3)]),
        st.booleans(),
    ),
)


@st.composite
def asset_terms(draw: st.DrawFn, methods: st.SearchStrategy[Method] = time_methods) -> AssetTerms:
    cost = draw(st.integers(1, 100_000_000))
    residual = draw(st.integers(0, cost))
    return AssetTerms(
        cost=Decimal(cost).scaleb(-2),
        residual_value=Decimal(residual).scaleb(-2),
        useful_life_months=draw(st.integers(1, 120)),
        available_for_use=draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))),
        method=draw(methods),
        convention=draw(st.sampled_from(list(Convention))),
        fiscal_year_start_month=draw(st.integers(1, 12)),
    )


def check_lines(schedule: Schedule) -> None:
    """Every amount >= 0 and in cents; accumulated never above cost - residual."""
    terms = schedule.terms
    for line in schedule.lines:
        assert line.depreciation >= 0
        assert line.depreciation == line.depreciation.quantize(CENT)
        assert line.accumulated_depreciation <= line.cost - terms.residual_value


@EXAMPLES
@given(asset_terms())
def test_time_based_schedule_ends_exactly_at_residual_value(terms: AssetTerms) -> None:
    schedule = depreciation_schedule(terms)
    check_lines(schedule)
    assert schedule.lines[-1].carrying_amount == terms.residual_value
    assert schedule.total_depreciation == terms.cost - terms.residual_value
    assert schedule.lines[0].month == YearMonth.of(terms.available_for_use)


@EXAMPLES
@given(asset_terms(), st.data())
def test_imported_asset_continues_the_schedule(terms: AssetTerms, data: st.DataObject) -> None:
    original = depreciation_schedule(terms)
    k = data.draw(st.integers(0, len(original.lines) - 1))
    at = original.lines[k]
    imported = AssetTerms(
        terms.cost,
        terms.residual_value,
        terms.useful_life_months,
        terms.available_for_use,
        terms.method,
        terms.convention,
        opening_accumulated=at.accumulated_depreciation,
        opening_month=at.month,
        fiscal_year_start_month=terms.fiscal_year_start_month,
    )
    continued = depreciation_schedule(imported)
    check_lines(continued)
    # sum of the schedule = cost - residual - opening accumulated
    assert continued.total_depreciation == terms.cost - terms.residual_value - (
        at.accumulated_depreciation
    )
    # each month as the original, up to a cent of rounding of the carrying amount at import
    rest = original.lines[k + 1 :]
    assert [line.month for line in continued.lines] == [line.month for line in rest]
    for mine, theirs in zip(continued.lines, rest, strict=True):
        assert abs(mine.accumulated_depreciation - theirs.accumulated_depreciation) <= CENT


@st.composite
def histories(draw: st.DrawFn) -> tuple[AssetTerms, list[Adjustment]]:
    terms = draw(asset_terms())
    start = terms.available_for_use
    adjustments: list[Adjustment] = []
    for _ in range(draw(st.integers(1, 4))):
        day = start + dt.timedelta(days=draw(st.integers(0, 31 * terms.useful_life_months)))
        kind = draw(st.sampled_from(["life", "residual", "method", "impairment", "addition"]))
        if kind == "life":
            life = draw(st.integers(terms.useful_life_months, terms.useful_life_months + 60))
            adjustments.append(EstimateChange(day, useful_life_months=life))
        elif kind == "residual":
            share = draw(st.integers(0, 50))
            residual = (terms.residual_value * share / 100).quantize(CENT)
            adjustments.append(EstimateChange(day, residual_value=residual))
        elif kind == "method":
            adjustments.append(EstimateChange(day, method=draw(time_methods)))
        elif kind == "impairment":
            share = draw(st.integers(1, 20))
            adjustments.append(
                Impairment(day, max(CENT, (terms.cost * share / 100).quantize(CENT)))
            )
        else:
            share = draw(st.integers(1, 50))
            amount = max(CENT, (terms.cost * share / 100).quantize(CENT))
            adjustments.append(CostAdjustment(day, amount))
            # a cost added after the end of life needs a longer life the same day
            adjustments.append(
                EstimateChange(day, useful_life_months=terms.useful_life_months + 72)
            )
    adjustments.sort(key=lambda a: a.effective)
    return terms, adjustments


def residual_in(terms: AssetTerms, adjustments: list[Adjustment], month: YearMonth) -> Decimal:
    residual = terms.residual_value
    for adjustment in adjustments:
        if (
            isinstance(adjustment, EstimateChange)
            and adjustment.residual_value is not None
            and effective_month(adjustment.effective) <= month
        ):
            residual = adjustment.residual_value
    return residual


@EXAMPLES
@given(histories())
def test_random_histories_keep_the_invariants(
    history: tuple[AssetTerms, list[Adjustment]],
) -> None:
    terms, adjustments = history
    try:
        schedule = depreciation_schedule(terms, adjustments)
    except AssetError:
        assume(False)  # an impairment larger than what was left, and similar refusals
        raise
    last = schedule.lines[-1]
    for line in schedule.lines:
        assert line.depreciation >= 0
        assert line.depreciation == line.depreciation.quantize(CENT)
        assert line.carrying_amount >= 0
        residual = residual_in(terms, adjustments, line.month)
        assert line.accumulated_depreciation <= line.cost - residual
    final_residual = residual_in(terms, adjustments, last.month)
    # book value never below residual by depreciation; at the end of life it is residual
    # (or what an impairment left below it)
    if last.accumulated_impairment == 0:
        assert last.carrying_amount == final_residual
    else:
        assert last.carrying_amount <= final_residual or (
            last.accumulated_depreciation + last.accumulated_impairment
            == last.cost - final_residual
        )


@EXAMPLES
@given(asset_terms(), st.data())
def test_month_amounts_and_catch_up_agree_with_the_schedule(
    terms: AssetTerms, data: st.DataObject
) -> None:
    schedule = depreciation_schedule(terms)
    line = data.draw(st.sampled_from(schedule.lines))
    assert depreciation_for_month(terms, line.month) == line.depreciation
    day = data.draw(
        st.dates(max(terms.available_for_use, line.month.first_day), line.month.last_day)
    )
    catch_up = catch_up_to_disposal(terms, day)
    before = line.accumulated_depreciation - line.depreciation
    assert catch_up.amount >= 0
    assert catch_up.accumulated_depreciation == before + catch_up.amount
    assert catch_up.accumulated_depreciation <= terms.cost - terms.residual_value


@EXAMPLES
@given(
    asset_terms(st.builds(UnitsOfProduction, st.integers(1, 10_000).map(Decimal))),
    st.lists(st.integers(0, 3_000), min_size=1, max_size=40),
)
def test_units_of_production_never_goes_below_residual(terms: AssetTerms, units: list[int]) -> None:
    assert isinstance(terms.method, UnitsOfProduction)
    first = YearMonth.of(terms.available_for_use)
    usage = [Usage(first + i, Decimal(n)) for i, n in enumerate(units)]
    schedule = depreciation_schedule(terms, (), usage)
    check_lines(schedule)
    if sum(units) >= terms.method.total_units:
        assert schedule.lines[-1].carrying_amount == terms.residual_value
    else:
        assert schedule.lines[-1].carrying_amount >= terms.residual_value
