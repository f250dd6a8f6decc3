"""Time and leave: leave types, balances with accrual, requests, attendance.

Rules (pure functions below; the aggregates only fold events):

- **Working days** are Monday to Friday (the working pattern of every employee today, as in
  payroll). A request covers the working days of its range on which the employee is employed;
  a range with none is refused.
- **Accrual**: a type's `accrual_per_month` days are credited on the last day of each month of
  employment; in the month of joining and of leaving the credit is prorated by the calendar
  days employed in that month over the days of the month, rounded half up to 0.01 day.
- **Balance** of a type as of a date = allocations dated on or before it + accrual credited on
  or before it - days of every pending or approved request (whatever their dates: booked leave
  is spoken for). A request, and its approval, is refused when it would leave the balance as of
  its first day below zero, unless the type allows a negative balance. A leave day uses one day
  of balance whatever it pays.
- **Overlap**: a day can carry one pending or approved request, or one directly recorded leave
  (`record_leave`), and leave and attendance exclude each other on a day.
- **Payroll** reads approved requests (paid at the type's fraction fixed at approval) and
  attendance: `absent` is a day without pay, `half_day` half a day; overtime hours add up to the
  variable `overtime_hours` of the month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from erp_core.hr.events import (
    AttendanceDayIn,
    AttendanceRecorded,
    LeaveAllocated,
    LeaveRequestApproved,
    LeaveRequestCancelled,
    LeaveRequested,
    LeaveRequestRejected,
    LeaveTypeDefined,
)
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError

LEAVE_TYPES_STREAM = "leave-types"
ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")


def leave_stream(employee: str) -> str:
    return f"leave:{employee}"


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    day = start
    while day <= end:
        if is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def accrued(
    per_month: Decimal, joining: dt.date, leaving: dt.date | None, as_of: dt.date
) -> Decimal:
    """Days accrued from joining to `as_of` (credited at each month end, prorated by the
    calendar days employed in the months of joining and leaving; 0.01 day, half up)."""
    if per_month <= 0 or as_of < joining:
        return ZERO
    total = ZERO
    y, m = joining.year, joining.month
    while True:
        end = _month_end(y, m)
        if end > as_of:
            break
        start = dt.date(y, m, 1)
        first = max(start, joining)
        last = end if leaving is None else min(end, leaving)
        if last < first:
            break  # left before this month
        days_in_month = end.day
        employed = (last - first).days + 1
        if employed == days_in_month:
            total += per_month
        else:
            share = per_month * Decimal(employed) / Decimal(days_in_month)
            total += share.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return total


@dataclass(frozen=True)
class LeaveType:
    code: str
    name: str
    paid_fraction: Decimal
    accrual_per_month: Decimal
    allow_negative: bool


class LeaveTypes(Aggregate):
    cacheable = True

    def __init__(self, stream: str = LEAVE_TYPES_STREAM) -> None:
        super().__init__(stream)
        self.types: dict[str, LeaveType] = {}

    def _on_defined(self, e: LeaveTypeDefined) -> None:
        self.types[e.code] = LeaveType(
            e.code, e.name, e.paid_fraction, e.accrual_per_month, e.allow_negative
        )

    handlers = {LeaveTypeDefined: _on_defined}

    def check(self, code: str, field: str = "leave_type") -> LeaveType:
        found = self.types.get(code)
        if found is None:
            known = ", ".join(sorted(self.types)) or "none defined (define_leave_type)"
            raise ValidationError(field, f"unknown leave type {code!r} (known: {known})")
        return found


@dataclass
class Request:
    request: str
    leave_type: str
    date_from: dt.date
    date_to: dt.date
    days: tuple[dt.date, ...]
    status: str = "pending"  # pending | approved | rejected | cancelled
    paid_fraction: Decimal = ZERO
    reason: str = ""

    @property
    def booked(self) -> bool:
        return self.status in ("pending", "approved")


class LeaveAccount(Aggregate):
    """One employee's leave: allocations, requests and attendance."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.allocations: list[LeaveAllocated] = []
        self.requests: dict[str, Request] = {}
        self.attendance: dict[dt.date, AttendanceDayIn] = {}

    def _on_allocated(self, e: LeaveAllocated) -> None:
        self.allocations.append(e)

    def _on_requested(self, e: LeaveRequested) -> None:
        self.requests[e.request] = Request(
            e.request, e.leave_type, e.date_from, e.date_to, e.days, reason=e.reason
        )

    def _on_approved(self, e: LeaveRequestApproved) -> None:
        r = self.requests[e.request]
        r.status = "approved"
        r.paid_fraction = e.paid_fraction

    def _on_rejected(self, e: LeaveRequestRejected) -> None:
        self.requests[e.request].status = "rejected"

    def _on_cancelled(self, e: LeaveRequestCancelled) -> None:
        self.requests[e.request].status = "cancelled"

    def _on_attendance(self, e: AttendanceRecorded) -> None:
        for d in e.days:
            self.attendance[d.day] = d

    handlers = {
        LeaveAllocated: _on_allocated,
        LeaveRequested: _on_requested,
        LeaveRequestApproved: _on_approved,
        LeaveRequestRejected: _on_rejected,
        LeaveRequestCancelled: _on_cancelled,
        AttendanceRecorded: _on_attendance,
    }

    def request_of(self, request: str) -> Request:
        found = self.requests.get(request)
        if found is None:
            raise NotFound(f"request: unknown leave request {request!r} of this employee")
        return found

    def booked_days(self) -> dict[dt.date, str]:
        """Days held by a pending or approved request, with the request."""
        return {d: r.request for r in self.requests.values() if r.booked for d in r.days}

    def approved_days(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, Decimal, str]]:
        return sorted(
            (d, r.paid_fraction, r.leave_type)
            for r in self.requests.values()
            if r.status == "approved"
            for d in r.days
            if start <= d <= end
        )

    def credited(
        self, kind: LeaveType, joining: dt.date, leaving: dt.date | None, as_of: dt.date
    ) -> Decimal:
        allocated = sum(
            (a.days for a in self.allocations if a.leave_type == kind.code and a.date <= as_of),
            ZERO,
        )
        return allocated + accrued(kind.accrual_per_month, joining, leaving, as_of)

    def used(self, leave_type: str, exclude: str | None = None) -> Decimal:
        return Decimal(
            sum(
                len(r.days)
                for r in self.requests.values()
                if r.booked and r.leave_type == leave_type and r.request != exclude
            )
        )

    def balance(
        self,
        kind: LeaveType,
        joining: dt.date,
        leaving: dt.date | None,
        as_of: dt.date,
        exclude: str | None = None,
    ) -> Decimal:
        return self.credited(kind, joining, leaving, as_of) - self.used(kind.code, exclude)


def check_balance(
    account: LeaveAccount,
    kind: LeaveType,
    joining: dt.date,
    leaving: dt.date | None,
    first_day: dt.date,
    days: int,
    exclude: str | None = None,
) -> None:
    if kind.allow_negative:
        return
    available = account.balance(kind, joining, leaving, first_day, exclude)
    if available < days:
        raise ValidationError(
            "leave_type",
            f"{kind.code}: {days} days asked, {available} available on {first_day} "
            "(the type does not allow a negative balance)",
        )


def unpaid_attendance(days: Iterable[AttendanceDayIn]) -> list[tuple[dt.date, Decimal, str]]:
    """Attendance days that cost pay: (day, paid fraction, reason)."""
    out = []
    for d in days:
        if d.status == "absent":
            out.append((d.day, ZERO, "absent"))
        elif d.status == "half_day":
            out.append((d.day, Decimal("0.5"), "half day"))
    return sorted(out)
