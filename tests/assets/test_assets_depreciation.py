"""Depreciation schedules: hand-computed golden figures per method and convention, re-bases
(changes in estimate, impairment, capitalised costs, imports), catch-up and failure paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.assets.depreciation import (
    AssetTerms,
    Convention,
    CostAdjustment,
    DecliningBalance,
    EstimateChange,
    Impairment,
    Schedule,
    StraightLine,
    SumOfYearsDigits,
    UnitsOfProduction,
    Usage,
    catch_up_to_disposal,
    depreciation_for_month,
    depreciation_schedule,
    effective_month,
    method_named,
)
from erp_core.assets.errors import AssetError
from erp_core.assets.values import YearMonth

D = Decimal
JAN_2026 = dt.date(2026, 1, 1)


def terms(**overrides: object) -> AssetTerms:
    values: dict[str, object] = {
        "cost": D("12000.00"),
        "residual_value": D("2000.00"),
        "useful_life_months": 48,
        "available_for_use": JAN_2026,
        "method": StraightLine(),
    }
    values.update(overrides)
    return AssetTerms(**values)


def by_year(schedule: Schedule) -> dict[int, Decimal]:
    years: dict[int, Decimal] = {}
    for line in schedule.lines:
        years[line.month.year] = years.get(line.month.year, D(0)) + line.depreciation
    return years


def amounts(schedule: Schedule) -> list[str]:
    return [str(line.depreciation) for line in schedule.lines]


# --- the golden schedules: cost 12,000.00, residual 2,000.00, four years -------------


def test_straight_line_charges_2500_a_year() -> None:
    # (12,000 - 2,000) / 4 = 2,500 a year = 208.333.. a month; cumulative rounding puts the
    # cents where the rounded running total moves: 208.33, 208.34, 208.33, ...
    schedule = depreciation_schedule(terms())
    assert by_year(schedule) == {y: D("2500.00") for y in (2026, 2027, 2028, 2029)}
    assert amounts(schedule)[:3] == ["208.33", "208.34", "208.33"]
    assert schedule.lines[-1].month == YearMonth(2029, 12)
    assert schedule.lines[-1].carrying_amount == D("2000.00")


def test_double_declining_stops_at_residual_value() -> None:
    # rate 2 / 4 = 50 %: 12,000 x .5 = 6,000; 6,000 x .5 = 3,000; 3,000 x .5 = 1,500 but only
    # 3,000 - 2,000 = 1,000 is left above residual; then 0
    schedule = depreciation_schedule(terms(method=DecliningBalance(D(2))))
    assert by_year(schedule) == {
        2026: D("6000.00"),
        2027: D("3000.00"),
        2028: D("1000.00"),
        2029: D("0.00"),
    }
    assert schedule.lines[0].depreciation == D("500.00")  # 6,000 / 12


def test_sum_of_years_digits_4_3_2_1() -> None:
    # digits 4+3+2+1 = 10: 10,000 x 4/10, 3/10, 2/10, 1/10
    schedule = depreciation_schedule(terms(method=SumOfYearsDigits()))
    assert by_year(schedule) == {
        2026: D("4000.00"),
        2027: D("3000.00"),
        2028: D("2000.00"),
        2029: D("1000.00"),
    }


def test_sum_of_years_digits_with_a_partial_last_year() -> None:
    # 30 months: year weights 30/12 = 2.5, 1.5, 0.5 (sum 4.5) of 9,000:
    # 5,000 / 3,000 / 1,000, the last spread over its 6 months
    schedule = depreciation_schedule(
        terms(cost=D(9000), residual_value=D(0), useful_life_months=30, method=SumOfYearsDigits())
    )
    assert by_year(schedule) == {2026: D("5000.00"), 2027: D("3000.00"), 2028: D("1000.00")}
    assert schedule.lines[-1].month == YearMonth(2028, 6)


def test_declining_balance_switches_to_straight_line_when_that_gives_more() -> None:
    # 10,000, no residual, 5 years, rate 40 %: 4,000; 2,400; 1,440; year 4 DB 2,160 x .4 = 864
    # < straight line 2,160 / 2 = 1,080, so 1,080 and 1,080
    method = DecliningBalance(D(2), switch_to_straight_line=True)
    schedule = depreciation_schedule(
        terms(cost=D(10000), residual_value=D(0), useful_life_months=60, method=method)
    )
    assert list(by_year(schedule).values()) == [
        D("4000.00"),
        D("2400.00"),
        D("1440.00"),
        D("1080.00"),
        D("1080.00"),
    ]


def test_declining_balance_without_switch_writes_off_the_rest_in_the_final_year() -> None:
    # same, no switch: year 4 is 864; the final year takes what is left, 2,160 - 864 = 1,296
    schedule = depreciation_schedule(
        terms(cost=D(10000), residual_value=D(0), useful_life_months=60, method=DecliningBalance())
    )
    assert list(by_year(schedule).values())[3:] == [D("864.00"), D("1296.00")]
    assert schedule.lines[-1].carrying_amount == D("0.00")


def test_declining_balance_at_factor_one_and_a_half() -> None:
    # 150 % over 3 years: rate 50 %; 8,000 -> 4,000; 4,000 -> 2,000; final year 2,000 - 500
    schedule = depreciation_schedule(
        terms(
            cost=D(8000),
            residual_value=D(500),
            useful_life_months=36,
            method=DecliningBalance(D("1.5")),
        )
    )
    assert list(by_year(schedule).values()) == [D("4000.00"), D("2000.00"), D("1500.00")]


# --- conventions: cost 1,200.00, no residual, 12 months, available 16 March 2026 -----------


def convention_terms(convention: Convention, day: dt.date = dt.date(2026, 3, 16)) -> AssetTerms:
    return terms(
        cost=D(1200), residual_value=D(0), useful_life_months=12, available_for_use=day,
        convention=convention,
    )  # fmt: skip


def test_full_month_charges_the_whole_month_of_availability() -> None:
    # 1,200 / 12 = 100 a month, March 2026 to February 2027
    schedule = depreciation_schedule(convention_terms(Convention.FULL_MONTH))
    assert amounts(schedule) == ["100.00"] * 12
    assert schedule.lines[0].month == YearMonth(2026, 3)


def test_mid_month_charges_half_a_month_at_each_end() -> None:
    # March 50, April..February 100 x 11, March 2027 50
    schedule = depreciation_schedule(convention_terms(Convention.MID_MONTH))
    assert amounts(schedule) == ["50.00"] + ["100.00"] * 11 + ["50.00"]


def test_daily_pro_rata_charges_the_days_used() -> None:
    # March: 16th..31st = 16 of 31 days: 100 x 16/31 = 51.6129 -> 51.61;
    # March 2027: the other 15 days: 100 x 15/31 = 48.387 -> 48.39 (total 1,200.00)
    schedule = depreciation_schedule(convention_terms(Convention.DAILY_PRO_RATA))
    assert amounts(schedule) == ["51.61"] + ["100.00"] * 11 + ["48.39"]
    assert schedule.total_depreciation == D("1200.00")


def test_half_year_starts_in_the_middle_of_the_fiscal_year() -> None:
    # March..June nothing, July..June 2027 100 a month: half a year in each fiscal year
    schedule = depreciation_schedule(convention_terms(Convention.HALF_YEAR))
    assert amounts(schedule) == ["0.00"] * 4 + ["100.00"] * 12
    assert by_year(schedule) == {2026: D("600.00"), 2027: D("600.00")}


def test_half_year_acquired_late_catches_up_in_the_first_month() -> None:
    # available 1 Oct: the convention starts 1 July; July..September (300) cannot be charged
    # before October, so October charges 400, then 100 a month to June 2027
    schedule = depreciation_schedule(convention_terms(Convention.HALF_YEAR, dt.date(2026, 10, 1)))
    assert amounts(schedule) == ["400.00"] + ["100.00"] * 8
    assert by_year(schedule) == {2026: D("600.00"), 2027: D("600.00")}


def test_half_year_follows_the_fiscal_year_start() -> None:
    # fiscal year April..March: the middle is 1 October, so October..September
    schedule = depreciation_schedule(
        terms(
            cost=D(1200), residual_value=D(0), useful_life_months=12,
            available_for_use=dt.date(2026, 5, 20), convention=Convention.HALF_YEAR,
            fiscal_year_start_month=4,
        )
    )  # fmt: skip
    assert schedule.lines[0].month == YearMonth(2026, 5)
    charged = [line for line in schedule.lines if line.depreciation]
    assert charged[0].month == YearMonth(2026, 10)
    assert charged[-1].month == YearMonth(2027, 9)


# --- units of production ------------------------------------------------------------------


def test_units_of_production_follows_the_usage() -> None:
    # 9,000 depreciable over 1,000 units = 9 per unit: 100 -> 900; 250 -> 2,250; 0 -> 0;
    # 700 entered but only 650 units remain: 5,850 (never below residual)
    usage = [
        Usage(YearMonth(2026, 1), D(100)),
        Usage(YearMonth(2026, 2), D(250)),
        Usage(YearMonth(2026, 4), D(700)),
    ]
    schedule = depreciation_schedule(
        terms(cost=D(10000), residual_value=D(1000), method=UnitsOfProduction(D(1000))), (), usage
    )
    assert amounts(schedule) == ["900.00", "2250.00", "0.00", "5850.00"]
    assert schedule.lines[-1].carrying_amount == D("1000.00")


# --- changes in estimate, impairment, capitalised costs: prospective over the REMAINING life -----


def sl_terms() -> AssetTerms:
    # 12,000, no residual, 48 months: 250 a month
    return terms(residual_value=D(0))


def test_longer_life_spreads_the_carrying_amount_over_the_remaining_months() -> None:
    # after 2026: accumulated 3,000, carrying 9,000; new total life 60 months leaves 48 from
    # January 2027: 9,000 / 48 = 187.50 a month; 2026 is not restated
    change = EstimateChange(dt.date(2027, 1, 1), useful_life_months=60)
    schedule = depreciation_schedule(sl_terms(), [change])
    assert by_year(schedule)[2026] == D("3000.00")
    assert schedule.line(YearMonth(2027, 1)).depreciation == D("187.50")
    assert schedule.lines[-1].month == YearMonth(2030, 12)
    assert schedule.lines[-1].accumulated_depreciation == D("12000.00")


def test_change_dated_mid_month_applies_from_the_next_month() -> None:
    # dated 15 Dec 2026: December keeps 250; from January as above
    assert effective_month(dt.date(2026, 12, 15)) == YearMonth(2027, 1)
    change = EstimateChange(dt.date(2026, 12, 15), useful_life_months=60)
    schedule = depreciation_schedule(sl_terms(), [change])
    assert schedule.line(YearMonth(2026, 12)).depreciation == D("250.00")
    assert schedule.line(YearMonth(2027, 1)).depreciation == D("187.50")


def test_higher_residual_value_reduces_the_remaining_charge() -> None:
    # from January 2027: (9,000 - 3,000) / 36 = 166.666.. a month; ends at 3,000 carrying
    change = EstimateChange(dt.date(2027, 1, 1), residual_value=D(3000))
    schedule = depreciation_schedule(sl_terms(), [change])
    assert schedule.line(YearMonth(2027, 1)).depreciation == D("166.67")
    assert schedule.line(YearMonth(2027, 2)).depreciation == D("166.66")
    assert by_year(schedule)[2027] == D("2000.00")
    assert schedule.lines[-1].carrying_amount == D("3000.00")


def test_method_change_to_sum_of_years_digits() -> None:
    # 9,000 over the remaining 36 months by SYD: asset years 2 (weight 3), 3 (2), 4 (1):
    # 4,500 / 3,000 / 1,500
    change = EstimateChange(dt.date(2027, 1, 1), method=SumOfYearsDigits())
    schedule = depreciation_schedule(sl_terms(), [change])
    assert list(by_year(schedule).values()) == [
        D("3000.00"),
        D("4500.00"),
        D("3000.00"),
        D("1500.00"),
    ]


def test_impairment_reduces_the_carrying_amount_and_later_depreciation() -> None:
    # carrying 9,000 at 1 Jan 2027, impairment 1,800 -> 7,200 over 36 months = 200 a month
    schedule = depreciation_schedule(sl_terms(), [Impairment(dt.date(2027, 1, 1), D(1800))])
    line = schedule.line(YearMonth(2027, 1))
    assert (line.depreciation, line.accumulated_impairment) == (D("200.00"), D("1800.00"))
    assert line.carrying_amount == D("7000.00")  # 12,000 - 3,200 - 1,800
    last = schedule.lines[-1]
    assert (last.accumulated_depreciation, last.carrying_amount) == (D("10200.00"), D("0.00"))


def test_capitalised_repair_is_spread_over_the_remaining_life_not_the_total() -> None:
    # at 1 Jan 2028 carrying 6,000 with 24 months left; a 2,400 repair: 8,400 / 24 = 350
    # (spreading 2,400 over the 48-month total would give only 250 + 50 = 300)
    schedule = depreciation_schedule(sl_terms(), [CostAdjustment(dt.date(2028, 1, 1), D(2400))])
    assert schedule.line(YearMonth(2028, 1)).depreciation == D("350.00")
    assert schedule.lines[-1].cost == D("14400.00")
    assert schedule.lines[-1].accumulated_depreciation == D("14400.00")


def test_declining_balance_impairment_mid_year_scales_the_rest_of_the_year() -> None:
    # DDB 12,000 / 2,000 / 4 years: 500 a month in year 1; at 1 July carrying 9,000. An
    # impairment of 900 leaves 8,100 = 90 % of it, so the rest of the year charges 90 % of the
    # 3,000 it would have: 2,700 = 450 a month; year 2 starts from 8,100 - 2,700 = 5,400 x .5
    schedule = depreciation_schedule(
        terms(method=DecliningBalance(D(2))), [Impairment(dt.date(2026, 7, 1), D(900))]
    )
    assert schedule.line(YearMonth(2026, 7)).depreciation == D("450.00")
    assert by_year(schedule)[2027] == D("2700.00")
    assert schedule.lines[-1].carrying_amount == D("2000.00")


# --- imported assets -----------------------------------------------------------------------


def test_imported_asset_continues_its_schedule() -> None:
    # 3,000 accumulated to December 2026 (12 x 250): January 2027 onwards as if never imported
    imported = terms(
        residual_value=D(0), opening_accumulated=D(3000), opening_month=YearMonth(2026, 12)
    )
    schedule = depreciation_schedule(imported)
    original = depreciation_schedule(sl_terms())
    assert schedule.lines[0].month == YearMonth(2027, 1)
    assert schedule.lines == original.lines[12:]
    assert schedule.total_depreciation == D("9000.00")  # cost - residual - opening


def test_imported_declining_balance_mid_year_continues_its_schedule() -> None:
    # DDB: 500 a month in 2026; imported at June 2026 with 3,000: the rest is unchanged
    imported = terms(
        method=DecliningBalance(D(2)), opening_accumulated=D(3000), opening_month=YearMonth(2026, 6)
    )
    original = depreciation_schedule(terms(method=DecliningBalance(D(2))))
    assert depreciation_schedule(imported).lines == original.lines[6:]


def test_imported_with_different_history_spreads_the_rest_over_the_remaining_life() -> None:
    # opening 4,800 at December 2026 (the old system was faster): 7,200 / 36 = 200 a month
    imported = terms(
        residual_value=D(0), opening_accumulated=D(4800), opening_month=YearMonth(2026, 12)
    )
    assert set(amounts(depreciation_schedule(imported))) == {"200.00"}


# --- the amount for a month and catch-up -----------------------------------------------------


def test_depreciation_for_month_matches_the_schedule() -> None:
    schedule = depreciation_schedule(terms(method=SumOfYearsDigits()))
    for line in schedule.lines[:15]:
        assert depreciation_for_month(terms(method=SumOfYearsDigits()), line.month) == (
            line.depreciation
        )


def test_depreciation_for_month_catches_up_a_missed_month() -> None:
    # 250 a month; January and February posted (500), March missed: April posts 500
    month = YearMonth(2026, 4)
    assert depreciation_for_month(sl_terms(), month, accumulated_so_far=D(500)) == D("500.00")
    assert depreciation_for_month(sl_terms(), month, accumulated_so_far=D(750)) == D("250.00")
    # more than the schedule already posted: nothing, never a negative charge
    assert depreciation_for_month(sl_terms(), month, accumulated_so_far=D(2000)) == D("0.00")


def test_depreciation_after_the_end_of_life_is_zero() -> None:
    assert depreciation_for_month(sl_terms(), YearMonth(2031, 1)) == D("0.00")


def test_catch_up_mid_month() -> None:
    # mid-month, 250 a month: January 2026 125, through February 2027 125 + 13 x 250 = 3,375;
    # disposal on 15 March 2027: half of March, 125 -> accumulated 3,500, carrying 8,500
    catch_up = catch_up_to_disposal(
        terms(residual_value=D(0), convention=Convention.MID_MONTH), dt.date(2027, 3, 15)
    )
    assert (catch_up.amount, catch_up.accumulated_depreciation) == (D("125.00"), D("3500.00"))
    assert catch_up.carrying_amount == D("8500.00")


def test_catch_up_daily_counts_the_days_before_the_disposal() -> None:
    # 1,200 over 12 months from 1 Jan: 100 a month; disposed 11 March: 10 of 31 days = 32.26
    asset = terms(
        cost=D(1200), residual_value=D(0), useful_life_months=12,
        convention=Convention.DAILY_PRO_RATA,
    )  # fmt: skip
    catch_up = catch_up_to_disposal(asset, dt.date(2026, 3, 11))
    assert (catch_up.amount, catch_up.accumulated_depreciation) == (D("32.26"), D("232.26"))


def test_catch_up_full_month_charges_nothing_in_the_disposal_month() -> None:
    catch_up = catch_up_to_disposal(sl_terms(), dt.date(2026, 3, 20))
    assert (catch_up.amount, catch_up.accumulated_depreciation) == (D("0.00"), D("500.00"))


def test_catch_up_makes_up_unposted_months() -> None:
    # posted only January (250): disposal 20 March, full month: Feb is made up -> 250
    catch_up = catch_up_to_disposal(sl_terms(), dt.date(2026, 3, 20), accumulated_so_far=D(250))
    assert catch_up.amount == D("250.00")


def test_catch_up_half_year_first_half_runs_to_the_middle_of_the_year() -> None:
    # half-year, 1,200 / 12 months from 1 Jan 2026: charged from July 2026 at 100; disposal
    # 10 March 2027 (first half of 2027): depreciate to 1 July 2027 -> March..June = 400,
    # which is the whole remaining half year; after 2026's 600, accumulated 1,200
    asset = convention_terms(Convention.HALF_YEAR, dt.date(2026, 1, 1))
    catch_up = catch_up_to_disposal(asset, dt.date(2027, 3, 10))
    assert (catch_up.amount, catch_up.accumulated_depreciation) == (D("400.00"), D("1200.00"))


def test_catch_up_half_year_second_half_stops_at_the_disposal_month() -> None:
    # 2,400 / 24 months: July 2026..; disposal 10 Oct 2026: July..Sept posted (300), no more
    asset = terms(
        cost=D(2400), residual_value=D(0), useful_life_months=24, convention=Convention.HALF_YEAR
    )
    catch_up = catch_up_to_disposal(asset, dt.date(2026, 10, 10))
    assert (catch_up.amount, catch_up.accumulated_depreciation) == (D("0.00"), D("300.00"))


# --- failure paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"residual_value": D("12000.01")}, "residual_value"),
        ({"residual_value": D(-1)}, "residual_value"),
        ({"useful_life_months": 0}, "useful_life_months"),
        ({"useful_life_months": -12}, "useful_life_months"),
        ({"useful_life_months": True}, "useful_life_months"),
        ({"useful_life_months": 12.0}, "useful_life_months"),
        ({"cost": 12000.0}, "cost"),
        ({"cost": D(0)}, "cost"),
        ({"cost": D("100.001")}, "cost"),
        ({"cost": "abc"}, "cost"),
        ({"residual_value": 0.1}, "residual_value"),
        ({"method": "straight_line"}, "method"),
        ({"method": "linear"}, "method"),
        ({"convention": "quarterly"}, "convention"),
        ({"available_for_use": "2026-01-01"}, "available_for_use"),
        ({"available_for_use": dt.datetime(2026, 1, 1)}, "available_for_use"),
        ({"opening_accumulated": D(100)}, "opening_month"),
        (
            {"opening_accumulated": D(10001), "opening_month": YearMonth(2026, 6)},
            "opening_accumulated",
        ),
        ({"opening_accumulated": D(100), "opening_month": YearMonth(2025, 12)}, "opening_month"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"places": 7}, "places"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(AssetError) as info:
        terms(**overrides)
    assert info.value.field == field
    assert info.value.reason


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: DecliningBalance(2.0), "factor"),
        (lambda: DecliningBalance(D(0)), "factor"),
        (lambda: UnitsOfProduction(D(0)), "total_units"),
        (lambda: UnitsOfProduction(D(10), D(10)), "opening_units"),
        (lambda: method_named("reducing"), "method"),
        (lambda: method_named("declining_balance"), "factor"),
        (lambda: method_named("units_of_production"), "total_units"),
        (lambda: EstimateChange(JAN_2026), "useful_life_months"),
        (lambda: EstimateChange(JAN_2026, useful_life_months=0), "useful_life_months"),
        (lambda: EstimateChange(JAN_2026, residual_value=1.5), "residual_value"),
        (lambda: EstimateChange(JAN_2026, method="syd"), "method"),
        (lambda: Impairment(JAN_2026, D(0)), "amount"),
        (lambda: Impairment(JAN_2026, 10.0), "amount"),
        (lambda: CostAdjustment(JAN_2026, D(0)), "amount"),
        (lambda: Usage(YearMonth(2026, 1), D(-1)), "units"),
        (lambda: Usage("2026-13", D(1)), "month"),
        (lambda: YearMonth.parse("March"), "month"),
    ],
)
def test_bad_methods_and_adjustments_are_refused(build: object, field: str) -> None:
    with pytest.raises(AssetError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field


def test_method_named_reads_the_names() -> None:
    assert method_named("double_declining_balance") == DecliningBalance(D(2))
    assert method_named("declining_balance", factor=D("1.5"), switch_to_straight_line=True) == (
        DecliningBalance(D("1.5"), True)
    )
    assert method_named("sum_of_years_digits") == SumOfYearsDigits()
    assert method_named("units_of_production", total_units=D(5)) == UnitsOfProduction(D(5))


def expect_refusal(field: str, call: object) -> str:
    with pytest.raises(AssetError) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field
    return info.value.reason


def test_depreciation_before_the_available_month_is_refused() -> None:
    reason = expect_refusal(
        "month", lambda: depreciation_for_month(sl_terms(), YearMonth(2025, 12))
    )
    assert "before the available-for-use month 2026-01" in reason


def test_depreciation_in_a_month_covered_by_the_import_is_refused() -> None:
    imported = terms(opening_accumulated=D(300), opening_month=YearMonth(2026, 3))
    reason = expect_refusal("month", lambda: depreciation_for_month(imported, YearMonth(2026, 3)))
    assert "opening accumulated" in reason


def test_adjustment_before_available_date_is_refused() -> None:
    change = Impairment(dt.date(2025, 12, 31), D(10))
    expect_refusal("effective", lambda: depreciation_schedule(sl_terms(), [change]))


def test_impairment_above_the_carrying_amount_is_refused() -> None:
    change = Impairment(dt.date(2029, 1, 1), D("3000.01"))  # carrying 3,000 then
    expect_refusal("amount", lambda: depreciation_schedule(sl_terms(), [change]))


def test_cost_reduction_below_residual_value_is_refused() -> None:
    # carrying at 1 Jan 2029: 12,000 - 7,500 = 4,500; 2,500 above residual 2,000
    change = CostAdjustment(dt.date(2029, 1, 1), D("-2500.01"))
    expect_refusal("amount", lambda: depreciation_schedule(terms(), [change]))


def test_residual_value_above_cost_less_depreciation_is_refused() -> None:
    change = EstimateChange(dt.date(2029, 1, 1), residual_value=D("3000.01"))
    expect_refusal("residual_value", lambda: depreciation_schedule(sl_terms(), [change]))


def test_life_that_already_ended_is_refused() -> None:
    # 24 months total, changed at month 25: nothing left to spread the rest over
    change = EstimateChange(dt.date(2028, 2, 1), useful_life_months=24)
    expect_refusal("useful_life_months", lambda: depreciation_schedule(sl_terms(), [change]))


def test_capitalised_cost_after_the_end_of_life_needs_a_longer_life() -> None:
    addition = CostAdjustment(dt.date(2030, 3, 1), D(500))
    expect_refusal("effective", lambda: depreciation_schedule(sl_terms(), [addition]))
    extended = EstimateChange(dt.date(2030, 3, 1), useful_life_months=60)
    schedule = depreciation_schedule(sl_terms(), [addition, extended])
    # 500 over March..December 2030 (10 months) = 50 a month
    assert schedule.line(YearMonth(2030, 3)).depreciation == D("50.00")


def test_units_used_up_is_refused_when_something_is_left() -> None:
    usage = [Usage(YearMonth(2026, 1), D(100))]
    change = EstimateChange(dt.date(2026, 2, 1), method=UnitsOfProduction(D(100)))
    asset = terms(method=UnitsOfProduction(D(1000)))
    expect_refusal("total_units", lambda: depreciation_schedule(asset, [change], usage))


def test_disposal_before_available_date_or_before_later_adjustments_is_refused() -> None:
    expect_refusal("disposal_date", lambda: catch_up_to_disposal(sl_terms(), dt.date(2025, 6, 1)))
    later = [Impairment(dt.date(2027, 1, 1), D(10))]
    expect_refusal(
        "disposal_date", lambda: catch_up_to_disposal(sl_terms(), dt.date(2026, 6, 1), later)
    )


def test_usage_before_the_first_month_is_refused() -> None:
    usage = [Usage(YearMonth(2025, 12), D(1))]
    asset = terms(method=UnitsOfProduction(D(1000)))
    expect_refusal("usage", lambda: depreciation_schedule(asset, (), usage))
