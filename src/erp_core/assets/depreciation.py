"""Depreciation of one fixed asset: schedules, the amount for a month, catch-up to a disposal.

Time. Fiscal periods are calendar months. Depreciation runs over a life of `useful_life_months`
measured in months from a *depreciation start* that the convention derives from the
available-for-use date (never the purchase date):

* ``full_month``: the start of the available-for-use month (a full month in that month; none in
  the month of disposal);
* ``mid_month``: the middle of that month (half a month at each end of the life, and half a month
  in the month of disposal);
* ``daily_pro_rata``: the available-for-use day itself; a partial month is charged
  days / days-in-that-month of a month's depreciation (the life then ends part-way through a
  month, which takes the complement); a disposal stops at the start of the disposal day;
* ``half_year``: the middle of the fiscal year of availability (`fiscal_year_start_month`, January
  by default), so that year and the last one each get half a year. Depreciation is never charged
  for a month before the available-for-use month: what the convention assigns to earlier months
  is charged in that month. A disposal in the first half of a fiscal year is depreciated to its
  middle; a disposal in the second half stops at the start of the disposal month (months already
  charged are not restated).

Methods (depreciable amount D = carrying amount - residual value, never below zero):

* straight line: D evenly over the remaining life;
* sum-of-years' digits: asset years run from the depreciation start; year k (from 0) of an
  n-month life weighs (n - 12k) / 12 (4, 3, 2, 1 for four years), spread evenly over its months;
* declining balance: each asset year charges rate x carrying amount at the start of the year,
  rate = factor x 12 / n (factor 2 = double-declining), spread evenly over its months; never
  below residual value; with `switch_to_straight_line` a year charges the straight-line amount
  over the remaining life when that is more; the final asset year always charges what is left
  down to residual value, so every time-based schedule ends at residual value to the cent;
* units of production: D x units of the month / units remaining; the convention and the life
  play no part; the schedule follows the usage entered per month.

Prospective re-bases (IAS 8 / IAS 16.51, 61). An imported asset (`opening_accumulated` as of
`opening_month`), a change in estimate (life, residual value, method), an impairment and a
capitalised cost (addition, repair, cost adjustment) all start a new *basis*: from the first
month that starts on or after its date, the carrying amount then (cost - accumulated
depreciation - accumulated impairment) less the residual value is spread over the REMAINING life
by the method in force; past months are never restated. A basis that starts inside a declining-
balance year charges for the rest of that year the share of the new carrying amount that the
method would charge an asset arriving there with that carrying amount; so re-basing on an
unchanged carrying amount leaves the schedule as it was (to the cent, up to rounding of the
carrying amount at the re-base), which is also why an imported asset continues its schedule.
A new `useful_life_months` is the new TOTAL life from the depreciation start.

Rounding: amounts are computed exactly (fractions of a minor unit) and only the cumulative
depreciation of each basis is rounded, half up, to the currency's minor unit; a month's amount is
the difference of two rounded cumulative figures. So every amount is >= 0 and in cents, rounding
residue never accumulates, and the sum over a basis is exactly its depreciable amount.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import ceil, floor

from erp_core.assets.errors import AssetError
from erp_core.assets.values import (
    YearMonth,
    check_date,
    check_month,
    from_minor,
    month_index,
    round_half_up,
    to_decimal,
    to_minor,
    to_money,
)

__all__ = [
    "Adjustment",
    "AssetTerms",
    "CatchUp",
    "Convention",
    "CostAdjustment",
    "DecliningBalance",
    "EstimateChange",
    "Impairment",
    "Method",
    "Schedule",
    "ScheduleLine",
    "StraightLine",
    "SumOfYearsDigits",
    "UnitsOfProduction",
    "Usage",
    "catch_up_to_disposal",
    "depreciation_for_month",
    "depreciation_schedule",
    "effective_month",
    "method_named",
]


class Convention(StrEnum):
    DAILY_PRO_RATA = "daily_pro_rata"
    FULL_MONTH = "full_month"
    MID_MONTH = "mid_month"
    HALF_YEAR = "half_year"


# --- methods ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StraightLine:
    name = "straight_line"


@dataclass(frozen=True, slots=True)
class SumOfYearsDigits:
    name = "sum_of_years_digits"


@dataclass(frozen=True, slots=True)
class DecliningBalance:
    """Rate = factor / life in years (factor 2: double-declining)."""

    factor: Decimal = Decimal(2)
    switch_to_straight_line: bool = False
    name = "declining_balance"

    def __post_init__(self) -> None:
        factor = to_decimal(self.factor, "factor")
        if factor <= 0:
            raise AssetError("factor", f"must be greater than zero, got {factor}")
        object.__setattr__(self, "factor", factor)
        if not isinstance(self.switch_to_straight_line, bool):
            raise AssetError("switch_to_straight_line", "expected true or false")


@dataclass(frozen=True, slots=True)
class UnitsOfProduction:
    """`total_units` over the whole life; `opening_units` already used before an import."""

    total_units: Decimal
    opening_units: Decimal = Decimal(0)
    name = "units_of_production"

    def __post_init__(self) -> None:
        total = to_decimal(self.total_units, "total_units")
        if total <= 0:
            raise AssetError("total_units", f"must be greater than zero, got {total}")
        opening = to_decimal(self.opening_units, "opening_units")
        if not 0 <= opening < total:
            raise AssetError("opening_units", f"must be from 0 to below total_units, got {opening}")
        object.__setattr__(self, "total_units", total)
        object.__setattr__(self, "opening_units", opening)


Method = StraightLine | DecliningBalance | SumOfYearsDigits | UnitsOfProduction
_METHOD_TYPES = (StraightLine, DecliningBalance, SumOfYearsDigits, UnitsOfProduction)
METHOD_NAMES = (
    "straight_line",
    "declining_balance",
    "double_declining_balance",
    "sum_of_years_digits",
    "units_of_production",
)


def method_named(
    name: str,
    *,
    factor: Decimal | None = None,
    switch_to_straight_line: bool = False,
    total_units: Decimal | None = None,
) -> Method:
    """The method called `name` (one of METHOD_NAMES), e.g. from a category or a command."""
    if name == "straight_line":
        return StraightLine()
    if name == "sum_of_years_digits":
        return SumOfYearsDigits()
    if name in ("declining_balance", "double_declining_balance"):
        if factor is None:
            factor = Decimal(2) if name == "double_declining_balance" else None
            if factor is None:
                raise AssetError("factor", "declining_balance needs a factor (2 = double)")
        return DecliningBalance(factor, switch_to_straight_line)
    if name == "units_of_production":
        if total_units is None:
            raise AssetError("total_units", "units_of_production needs the total units")
        return UnitsOfProduction(total_units)
    raise AssetError(
        "method", f"unknown method {name!r} (expected one of {', '.join(METHOD_NAMES)})"
    )


def _check_method(value: object, field: str = "method") -> Method:
    if not isinstance(value, _METHOD_TYPES):
        raise AssetError(
            field,
            f"unknown method {value!r} (expected StraightLine, DecliningBalance, "
            "SumOfYearsDigits or UnitsOfProduction; method_named() reads a name)",
        )
    return value


# --- the asset and its history ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssetTerms:
    """What depreciation needs to know about one asset when it is capitalised (or imported)."""

    cost: Decimal
    residual_value: Decimal
    useful_life_months: int
    available_for_use: dt.date
    method: Method
    convention: Convention = Convention.FULL_MONTH
    opening_accumulated: Decimal | None = None
    opening_month: YearMonth | None = None
    fiscal_year_start_month: int = 1
    places: int = 2

    def __post_init__(self) -> None:
        places = self.places
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 4:
            raise AssetError("places", f"minor unit must be 0-4 decimal places, got {places!r}")
        cost = to_money(self.cost, "cost", places)
        if cost <= 0:
            raise AssetError("cost", f"must be greater than zero, got {cost}")
        residual = to_money(self.residual_value, "residual_value", places)
        if residual < 0:
            raise AssetError("residual_value", f"must not be negative, got {residual}")
        if residual > cost:
            raise AssetError("residual_value", f"{residual} is more than the cost {cost}")
        life = self.useful_life_months
        if isinstance(life, bool) or not isinstance(life, int):
            raise AssetError("useful_life_months", f"expected a whole number, got {life!r}")
        if life <= 0:
            raise AssetError("useful_life_months", f"must be greater than zero, got {life}")
        available = check_date(self.available_for_use, "available_for_use")
        _check_method(self.method)
        try:
            convention = Convention(self.convention)
        except ValueError:
            names = ", ".join(c.value for c in Convention)
            raise AssetError(
                "convention", f"unknown convention {self.convention!r} (expected one of {names})"
            ) from None
        fy_start = self.fiscal_year_start_month
        if isinstance(fy_start, bool) or not isinstance(fy_start, int) or not 1 <= fy_start <= 12:
            raise AssetError("fiscal_year_start_month", f"must be 1-12, got {fy_start!r}")
        opening: Decimal | None = None
        opening_month: YearMonth | None = None
        if (self.opening_accumulated is None) != (self.opening_month is None):
            raise AssetError(
                "opening_month" if self.opening_month is None else "opening_accumulated",
                "an imported asset needs both opening_accumulated and opening_month",
            )
        if self.opening_accumulated is not None:
            opening = to_money(self.opening_accumulated, "opening_accumulated", places)
            if opening < 0:
                raise AssetError("opening_accumulated", f"must not be negative, got {opening}")
            if opening > cost - residual:
                raise AssetError(
                    "opening_accumulated",
                    f"{opening} is more than cost - residual value ({cost - residual})",
                )
            opening_month = check_month(self.opening_month, "opening_month")
            if opening_month < YearMonth.of(available):
                raise AssetError(
                    "opening_month",
                    f"{opening_month} is before the available-for-use month "
                    f"{YearMonth.of(available)}",
                )
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "residual_value", residual)
        object.__setattr__(self, "convention", convention)
        object.__setattr__(self, "opening_accumulated", opening)
        object.__setattr__(self, "opening_month", opening_month)

    @property
    def first_month(self) -> YearMonth:
        """The first month the schedule charges (the month after an import's opening month)."""
        if self.opening_month is not None:
            return self.opening_month + 1
        return YearMonth.of(self.available_for_use)


def effective_month(day: dt.date) -> YearMonth:
    """The first month that starts on or after `day`: a change dated the 1st applies to that
    month; one dated later in a month applies from the next (that month stays as it was)."""
    month = YearMonth.of(day)
    return month if day.day == 1 else month + 1


@dataclass(frozen=True, slots=True)
class EstimateChange:
    """A change in estimate from `effective`: new total life, residual value and/or method."""

    effective: dt.date
    useful_life_months: int | None = None
    residual_value: Decimal | None = None
    method: Method | None = None

    def __post_init__(self) -> None:
        check_date(self.effective, "effective")
        life = self.useful_life_months
        if life is not None:
            if isinstance(life, bool) or not isinstance(life, int):
                raise AssetError("useful_life_months", f"expected a whole number, got {life!r}")
            if life <= 0:
                raise AssetError("useful_life_months", f"must be greater than zero, got {life}")
        if self.residual_value is not None:
            residual = to_decimal(self.residual_value, "residual_value")
            if residual < 0:
                raise AssetError("residual_value", f"must not be negative, got {residual}")
            object.__setattr__(self, "residual_value", residual)
        if self.method is not None:
            _check_method(self.method)
        if life is None and self.residual_value is None and self.method is None:
            raise AssetError(
                "useful_life_months", "a change in estimate changes life, residual or method"
            )


@dataclass(frozen=True, slots=True)
class Impairment:
    """An impairment loss (or downward value adjustment) of `amount` from `effective`."""

    effective: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        check_date(self.effective, "effective")
        amount = to_decimal(self.amount, "amount")
        if amount <= 0:
            raise AssetError("amount", f"an impairment must be greater than zero, got {amount}")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True, slots=True)
class CostAdjustment:
    """A capitalised cost from `effective`: addition or repair (> 0), cost reduction (< 0)."""

    effective: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        check_date(self.effective, "effective")
        amount = to_decimal(self.amount, "amount")
        if amount == 0:
            raise AssetError("amount", "a cost adjustment must not be zero")
        object.__setattr__(self, "amount", amount)


Adjustment = EstimateChange | Impairment | CostAdjustment


@dataclass(frozen=True, slots=True)
class Usage:
    """Units produced in a month (units-of-production method)."""

    month: YearMonth
    units: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "month", check_month(self.month, "month"))
        units = to_decimal(self.units, "units")
        if units < 0:
            raise AssetError("units", f"must not be negative, got {units}")
        object.__setattr__(self, "units", units)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    month: YearMonth
    depreciation: Decimal
    accumulated_depreciation: Decimal
    accumulated_impairment: Decimal
    cost: Decimal
    carrying_amount: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    terms: AssetTerms
    lines: tuple[ScheduleLine, ...]

    @property
    def total_depreciation(self) -> Decimal:
        """Depreciation the schedule charges (excluding any opening accumulated)."""
        return sum((line.depreciation for line in self.lines), Decimal(0))

    @property
    def end_month(self) -> YearMonth | None:
        """The last month that charges anything, if any does."""
        charged = [line.month for line in self.lines if line.depreciation]
        return charged[-1] if charged else None

    def line(self, month: YearMonth) -> ScheduleLine:
        for line in self.lines:
            if line.month == month:
                return line
        raise AssetError("month", f"{month} is not in the schedule")


@dataclass(frozen=True, slots=True)
class CatchUp:
    """Depreciation to charge in the disposal month and the asset's figures after it."""

    disposal_date: dt.date
    amount: Decimal
    cost: Decimal
    accumulated_depreciation: Decimal
    accumulated_impairment: Decimal

    @property
    def carrying_amount(self) -> Decimal:
        return self.cost - self.accumulated_depreciation - self.accumulated_impairment


# --- public functions ---------------------------------------------------------------------------


def depreciation_schedule(
    terms: AssetTerms,
    adjustments: Iterable[Adjustment] = (),
    usage: Iterable[Usage] = (),
    *,
    through: YearMonth | None = None,
) -> Schedule:
    """Month by month from `terms.first_month` to the end of the life (or of the usage, or of
    the last adjustment), or to `through` when given (earlier or later)."""
    engine = _Engine(terms, adjustments, usage)
    last = None if through is None else check_month(through, "through").index
    lines = []
    # the end of life can move with a change in estimate: re-read it after every month
    while engine.month <= (engine.last_needed() if last is None else last):
        lines.append(engine.step())
    return Schedule(terms, tuple(lines))


def depreciation_for_month(
    terms: AssetTerms,
    month: YearMonth,
    adjustments: Iterable[Adjustment] = (),
    usage: Iterable[Usage] = (),
    *,
    accumulated_so_far: Decimal | None = None,
) -> Decimal:
    """The depreciation to post for `month`.

    `accumulated_so_far` is the depreciation already posted on the asset before `month`
    (opening accumulated included); when given, the result is what brings it to the schedule's
    accumulated figure at the end of `month` (so a missed month is caught up), never negative.
    Without it, the schedule's own amount for the month.
    """
    month = check_month(month, "month")
    engine = _Engine(terms, adjustments, usage)
    if month.index < engine.month:
        if terms.opening_month is not None:
            reason = f"{month} is covered by the opening accumulated depreciation"
        else:
            reason = f"{month} is before the available-for-use month {terms.first_month}"
        raise AssetError("month", reason)
    line = engine.step()
    while line.month < month:
        line = engine.step()
    if accumulated_so_far is None:
        return line.depreciation
    posted = to_money(accumulated_so_far, "accumulated_so_far", terms.places)
    return max(Decimal(0), line.accumulated_depreciation - posted).quantize(
        Decimal(1).scaleb(-terms.places)
    )


def catch_up_to_disposal(
    terms: AssetTerms,
    disposal_date: dt.date,
    adjustments: Iterable[Adjustment] = (),
    usage: Iterable[Usage] = (),
    *,
    accumulated_so_far: Decimal | None = None,
) -> CatchUp:
    """Depreciation from the start of the disposal month to the disposal (per the convention).

    `accumulated_so_far` is what was posted through the end of the month before; when given,
    the catch-up also makes up any month not yet posted. Adjustments or usage after the disposal
    are refused.
    """
    day = check_date(disposal_date, "disposal_date")
    engine = _Engine(terms, adjustments, usage)
    if day < terms.available_for_use:
        raise AssetError(
            "disposal_date", f"{day} is before the available-for-use date {terms.available_for_use}"
        )
    disposal_month = YearMonth.of(day)
    if disposal_month.index < engine.month:
        raise AssetError(
            "disposal_date", f"{day} falls in a month covered by the opening accumulated"
        )
    if engine.last_event_month() > disposal_month.index:
        raise AssetError(
            "disposal_date", f"the asset has adjustments or usage after the disposal on {day}"
        )
    while engine.month < disposal_month.index:
        engine.step()
    before = engine.acc
    target = engine.catch_up(day)
    if accumulated_so_far is None:
        posted = before
    else:
        posted = to_minor(
            to_money(accumulated_so_far, "accumulated_so_far", terms.places), terms.places
        )
    amount = max(0, target - posted)
    p = terms.places
    return CatchUp(
        disposal_date=day,
        amount=from_minor(amount, p),
        cost=from_minor(engine.cost, p),
        accumulated_depreciation=from_minor(posted + amount, p),
        accumulated_impairment=from_minor(engine.imp, p),
    )


# --- the engine ---------------------------------------------------------------------------------

_Knots = list[tuple[Fraction, Fraction]]


def _fiscal_year_start(index: int, start_month: int) -> int:
    return index - (index - (start_month - 1)) % 12


def _time_of(day: dt.date, terms: AssetTerms, *, disposal: bool) -> Fraction:
    """A date as a point in month time (month index + fraction of the month) per convention."""
    index = month_index(day)
    convention = terms.convention
    if convention is Convention.FULL_MONTH:
        return Fraction(index)
    if convention is Convention.MID_MONTH:
        return Fraction(index) + Fraction(1, 2)
    if convention is Convention.DAILY_PRO_RATA:
        return Fraction(index) + Fraction(day.day - 1, YearMonth.of(day).days)
    middle = Fraction(_fiscal_year_start(index, terms.fiscal_year_start_month) + 6)
    return max(middle, Fraction(index)) if disposal else middle


def _interpolate(knots: _Knots, t: Fraction) -> Fraction:
    if t <= knots[0][0]:
        return Fraction(0)
    if t >= knots[-1][0]:
        return knots[-1][1]
    i = bisect_right([k[0] for k in knots], t)
    (t1, c1), (t2, c2) = knots[i - 1], knots[i]
    return c1 + (c2 - c1) * (t - t1) / (t2 - t1)


def _straight_line_knots(tau: Fraction, depreciable: Fraction, end: Fraction) -> _Knots:
    return [(tau, Fraction(0)), (end, depreciable)]


def _sum_of_years_knots(
    tau: Fraction, depreciable: Fraction, end: Fraction, start: Fraction
) -> _Knots:
    life = end - start
    year = floor((tau - start) / 12)
    points: list[tuple[Fraction, Fraction]] = [(tau, Fraction(0))]
    weight = Fraction(0)
    t = tau
    while t < end:
        year_end = min(start + 12 * (year + 1), end)
        remaining_years = (life - 12 * year) / 12
        density = remaining_years / (year_end - (start + 12 * year))
        weight += density * (year_end - t)
        points.append((year_end, weight))
        t, year = year_end, year + 1
    total = points[-1][1]
    return [(t, depreciable * w / total) for t, w in points]


def _declining_balance_knots(
    method: DecliningBalance,
    tau: Fraction,
    carrying: Fraction,
    residual: Fraction,
    end: Fraction,
    start: Fraction,
) -> _Knots:
    rate = Fraction(method.factor) * 12 / (end - start)
    year = floor((tau - start) / 12)
    points: list[tuple[Fraction, Fraction]] = [(tau, Fraction(0))]
    value, cumulative, t = carrying, Fraction(0), tau
    while t < end:
        year_start = start + 12 * year
        year_end = min(year_start + 12, end)
        left = value - residual
        if left <= 0:
            charge = Fraction(0)
        elif year_end == end:
            charge = left  # the final asset year takes what is left down to residual value
        else:
            elapsed = (t - year_start) / 12
            # rest of this year = rate x B x (1 - elapsed), where B is the carrying amount at the
            # year's start that leads to `value` here: B = value / (1 - rate x elapsed)
            declining = (
                rate * value * (1 - elapsed) / (1 - rate * elapsed) if rate * elapsed < 1 else left
            )
            charge = declining
            if method.switch_to_straight_line:
                charge = max(charge, left * (year_end - t) / (end - t))
            charge = min(charge, left)
        cumulative += charge
        value -= charge
        points.append((year_end, cumulative))
        t, year = year_end, year + 1
    return points


class _Engine:
    """Walks an asset's months in order; amounts in minor units (ints), exact fractions inside."""

    def __init__(
        self, terms: AssetTerms, adjustments: Iterable[Adjustment], usage: Iterable[Usage]
    ) -> None:
        if not isinstance(terms, AssetTerms):
            raise AssetError("terms", f"expected AssetTerms, got {type(terms).__name__}")
        self.terms = terms
        p = terms.places
        self.start = _time_of(terms.available_for_use, terms, disposal=False)
        self.end = self.start + terms.useful_life_months
        self.method: Method = terms.method
        self.cost = to_minor(terms.cost, p)
        self.residual = to_minor(terms.residual_value, p)
        self.acc = to_minor(terms.opening_accumulated or Decimal(0), p)
        self.imp = 0
        self.month = terms.first_month.index
        self.units_used = (
            Fraction(terms.method.opening_units)
            if isinstance(terms.method, UnitsOfProduction)
            else Fraction(0)
        )
        self.adjustments: dict[int, list[Adjustment]] = {}
        for adjustment in _as_tuple(adjustments, "adjustments"):
            if not isinstance(adjustment, EstimateChange | Impairment | CostAdjustment):
                raise AssetError(
                    "adjustments", f"expected an adjustment, got {type(adjustment).__name__}"
                )
            if adjustment.effective < terms.available_for_use:
                raise AssetError(
                    "effective",
                    f"{adjustment.effective} is before the available-for-use date "
                    f"{terms.available_for_use}",
                )
            index = effective_month(adjustment.effective).index
            if index < self.month:
                raise AssetError(
                    "effective",
                    f"{adjustment.effective} falls in a month covered by the opening accumulated",
                )
            self.adjustments.setdefault(index, []).append(adjustment)
        self.usage: dict[int, Fraction] = {}
        for entry in _as_tuple(usage, "usage"):
            if not isinstance(entry, Usage):
                raise AssetError("usage", f"expected Usage, got {type(entry).__name__}")
            if entry.month.index < self.month:
                raise AssetError(
                    "usage", f"usage in {entry.month} is before the first month {terms.first_month}"
                )
            index = entry.month.index
            self.usage[index] = self.usage.get(index, Fraction(0)) + Fraction(entry.units)
        self._rebase(self.start if terms.opening_month is None else Fraction(self.month))

    # -- bases

    def _rebase(self, tau: Fraction, cause: str = "effective") -> None:
        tau = max(tau, self.start)
        depreciable = max(0, self.cost - self.acc - self.imp - self.residual)
        self.tau = tau
        self.depreciable = Fraction(depreciable)
        self.base_rounded = 0  # rounded cumulative depreciation since the basis started
        self.used_since = Fraction(0)
        method = self.method
        if isinstance(method, UnitsOfProduction):
            self.units_left = Fraction(method.total_units) - self.units_used
            if depreciable and self.units_left <= 0:
                raise AssetError(
                    "total_units",
                    f"{method.total_units} units are already used up ({self.units_used} used): "
                    "nothing left to spread the depreciable amount over",
                )
            self.knots: _Knots = []
            return
        if depreciable and tau >= self.end:
            raise AssetError(
                cause,
                "the useful life has ended, so nothing is left to spread the depreciable amount "
                "over: extend the life with an EstimateChange of the same date",
            )
        if tau >= self.end:
            self.knots = [(tau, Fraction(0))]
        elif isinstance(method, StraightLine):
            self.knots = _straight_line_knots(tau, self.depreciable, self.end)
        elif isinstance(method, SumOfYearsDigits):
            self.knots = _sum_of_years_knots(tau, self.depreciable, self.end, self.start)
        else:
            carrying = Fraction(self.cost - self.acc - self.imp)
            self.knots = _declining_balance_knots(
                method, tau, carrying, Fraction(self.residual), self.end, self.start
            )

    def _apply(self, adjustment: Adjustment) -> str:
        p = self.terms.places
        carrying = self.cost - self.acc - self.imp
        if isinstance(adjustment, Impairment):
            amount = to_minor(to_money(adjustment.amount, "amount", p), p)
            if amount > carrying:
                raise AssetError(
                    "amount",
                    f"impairment {adjustment.amount} is more than the carrying amount "
                    f"{from_minor(carrying, p)} on {adjustment.effective}",
                )
            self.imp += amount
            return "effective"
        if isinstance(adjustment, CostAdjustment):
            amount = to_minor(to_money(adjustment.amount, "amount", p), p)
            if carrying + amount < self.residual:
                raise AssetError(
                    "amount",
                    f"a cost reduction of {-adjustment.amount} is more than the carrying amount "
                    f"above residual value ({from_minor(carrying - self.residual, p)})",
                )
            self.cost += amount
            return "effective"
        cause = "effective"
        if adjustment.residual_value is not None:
            residual = to_minor(to_money(adjustment.residual_value, "residual_value", p), p)
            if residual > self.cost - self.acc:
                raise AssetError(
                    "residual_value",
                    f"{adjustment.residual_value} is more than cost less accumulated "
                    f"depreciation ({from_minor(self.cost - self.acc, p)}) on "
                    f"{adjustment.effective}",
                )
            self.residual = residual
        if adjustment.useful_life_months is not None:
            self.end = self.start + adjustment.useful_life_months
            cause = "useful_life_months"
        if adjustment.method is not None:
            self.method = adjustment.method
        return cause

    # -- months

    def last_event_month(self) -> int:
        return max([*self.adjustments, *self.usage, self.month - 1])

    def last_needed(self) -> int:
        """The last month the schedule must show: the end of life (time-based methods), the
        last adjustment or the last usage."""
        if isinstance(self.method, UnitsOfProduction):
            return self.last_event_month()
        # a new asset shows at least its first month (a half-year start can put the whole life
        # before it: that month catches it up); an import may have nothing left to show
        first = self.terms.first_month.index if self.terms.opening_month is None else 0
        return max(ceil(self.end) - 1, first, self.last_event_month())

    def _begin_month(self) -> None:
        adjustments = self.adjustments.get(self.month)
        if adjustments:
            cause = "effective"
            for adjustment in adjustments:
                cause = self._apply(adjustment)
            self._rebase(Fraction(self.month), cause)

    def _target(self, t: Fraction, units: Fraction) -> int:
        """Rounded cumulative depreciation of the current basis at time t (or with `units`)."""
        if isinstance(self.method, UnitsOfProduction):
            if not self.depreciable:
                return 0
            share = min(Fraction(1), (self.used_since + units) / self.units_left)
            return round_half_up(self.depreciable * share)
        return round_half_up(_interpolate(self.knots, t))

    def step(self) -> ScheduleLine:
        self._begin_month()
        units = self.usage.get(self.month, Fraction(0))
        target = self._target(Fraction(self.month + 1), units)
        amount = target - self.base_rounded
        self.base_rounded = target
        self.used_since += units
        self.units_used += units
        self.acc += amount
        p = self.terms.places
        line = ScheduleLine(
            month=YearMonth.from_index(self.month),
            depreciation=from_minor(amount, p),
            accumulated_depreciation=from_minor(self.acc, p),
            accumulated_impairment=from_minor(self.imp, p),
            cost=from_minor(self.cost, p),
            carrying_amount=from_minor(self.cost - self.acc - self.imp, p),
        )
        self.month += 1
        return line

    def catch_up(self, day: dt.date) -> int:
        """Accumulated depreciation (minor units) at the disposal `day`, in the current month."""
        self._begin_month()
        t = max(_time_of(day, self.terms, disposal=True), Fraction(self.month))
        units = self.usage.get(self.month, Fraction(0))
        return self.acc + self._target(t, units) - self.base_rounded


def _as_tuple(items: Iterable[object], field: str) -> Sequence[object]:
    if isinstance(items, str | bytes):
        raise AssetError(field, "expected a sequence")
    return tuple(items)
