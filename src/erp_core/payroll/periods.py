"""Pay periods of the three pay frequencies, and the identifiers runs are known by.

- **monthly**: `YYYY-MM`, the calendar month (as every run before pay frequencies).
- **weekly**: `YYYYWww` (ISO 8601 week, basic form), Monday to Sunday.
- **fortnightly**: `YYYYWww` naming the ISO week a fortnight *starts* in; fortnights are the
  14-day periods starting on the pay group's `anchor` (a Monday) and every 14 days before and
  after it, so a week that does not start a fortnight is refused, naming the ones around it.

The identifier is seven characters in every case (it is the run's `month` field and the read
models' `month` column). A week belongs to its ISO year (2026W01 starts on 2025-12-29).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from erp_core.payroll.errors import PayrollError
from erp_core.payroll.slip import PayPeriod

FREQUENCIES = ("monthly", "weekly", "fortnightly")
PERIODS_PER_YEAR = {"monthly": 12, "weekly": 52, "fortnightly": 26}
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
WEEK_RE = re.compile(r"^(\d{4})W(0[1-9]|[1-4]\d|5[0-3])$")
FORTNIGHT = dt.timedelta(days=14)


def period_text(value: str) -> str:
    """The validator of a run's period field (`month`)."""
    if not (MONTH_RE.match(value) or WEEK_RE.match(value)):
        raise ValueError(
            f"{value!r} is not a pay period: YYYY-MM for a monthly pay group, YYYYWww (ISO "
            "week) for a weekly or fortnightly one"
        )
    return value


def week_id(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}W{week:02d}"


def _week_start(period: str) -> dt.date:
    m = WEEK_RE.match(period)
    if m is None:
        raise PayrollError("month", f"{period!r} is not a week in the form YYYYWww")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise PayrollError("month", f"{m.group(1)} has no ISO week {m.group(2)}") from None


def pay_period(period: str, frequency: str, anchor: dt.date | None = None) -> PayPeriod:
    """The dates of `period` in a pay group of `frequency` (fortnightly: from `anchor`)."""
    if frequency == "monthly":
        if not MONTH_RE.match(period):
            raise PayrollError("month", f"{period!r} is not a month (YYYY-MM) of a monthly group")
        year, month = period.split("-")
        return PayPeriod.month(int(year), int(month))
    if frequency == "weekly":
        start = _week_start(period)
        return PayPeriod(start, start + dt.timedelta(days=6))
    if frequency == "fortnightly":
        if anchor is None:
            raise PayrollError("pay_group", "a fortnightly pay group needs an anchor date")
        start = _week_start(period)
        offset = (start - anchor).days % 14
        if offset:
            before = start - dt.timedelta(days=offset)
            raise PayrollError(
                "month",
                f"{period} does not start a fortnight of this pay group (fortnights start on "
                f"{before} ({week_id(before)}) and {before + FORTNIGHT} "
                f"({week_id(before + FORTNIGHT)}))",
            )
        return PayPeriod(start, start + dt.timedelta(days=13))
    raise PayrollError("frequency", f"unknown pay frequency {frequency!r}")


def table_factor(table_basis: str, frequency: str) -> Decimal | None:
    """What a tax table's amounts are multiplied by for a run of `frequency`; None when the
    table applies as it is (same basis, or an annual table in a monthly run, which keeps its
    projection over the fiscal year)."""
    if table_basis == frequency or (table_basis == "annual" and frequency == "monthly"):
        return None
    per_year = PERIODS_PER_YEAR[frequency]
    table_per_year = 1 if table_basis == "annual" else PERIODS_PER_YEAR[table_basis]
    return Decimal(table_per_year) / Decimal(per_year)


def periods_touching(
    start: dt.date, end: dt.date, frequency: str, anchor: dt.date | None = None
) -> list[str]:
    """The identifiers of the periods of a pay group of `frequency` that share a day with
    `start`..`end` (fortnightly: counted from `anchor`), in order."""
    if frequency == "monthly":
        out, (y, m) = [], (start.year, start.month)
        while (y, m) <= (end.year, end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    if frequency == "weekly":
        first, step = start - dt.timedelta(days=start.weekday()), dt.timedelta(days=7)
    elif frequency == "fortnightly":
        if anchor is None:
            raise PayrollError("pay_group", "a fortnightly pay group needs an anchor date")
        first, step = start - dt.timedelta(days=(start - anchor).days % 14), FORTNIGHT
    else:
        raise PayrollError("frequency", f"unknown pay frequency {frequency!r}")
    out = []
    while first <= end:
        out.append(week_id(first))
        first += step
    return out
