"""Leave and attendance actions: check everything, then record (see `erp_core.hr.leave`)."""

from __future__ import annotations

import datetime as dt

from erp_core.hr.commands import (
    AllocateLeave,
    ApproveLeave,
    CancelLeave,
    DefineLeaveType,
    RecordAttendance,
    RejectLeave,
    RequestLeave,
)
from erp_core.hr.employees import Employee, employee_of
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
from erp_core.hr.leave import (
    LEAVE_TYPES_STREAM,
    LeaveAccount,
    LeaveTypes,
    check_balance,
    leave_stream,
    working_days,
)
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.posting import company_of, next_number


def account_of(uow: UnitOfWork, employee: str) -> LeaveAccount:
    return uow.get(LeaveAccount, leave_stream(employee))


def check_employed(emp: Employee, day: dt.date, field: str) -> None:
    record = emp.as_of(day)
    if record is None or not record.is_employed(day):
        raise ValidationError(field, f"{emp.check_exists().employee} is not employed on {day}")


def check_day_free(emp: Employee, account: LeaveAccount, day: dt.date, field: str) -> None:
    """Refuse a day that already carries leave (requested or recorded) or attendance."""
    who = emp.check_exists().employee
    booked = account.booked_days()
    if day in booked:
        raise ValidationError(field, f"{who} has leave request {booked[day]} on {day}")
    if day in emp.leave:
        raise ValidationError(field, f"{who} has leave recorded on {day} already")
    if day in account.attendance:
        raise ValidationError(field, f"{who} has attendance recorded on {day}")


@handles(DefineLeaveType)
def define_leave_type(cmd: DefineLeaveType, ctx: Context) -> list[str]:
    company_of(ctx.uow)
    ctx.uow.get(LeaveTypes, LEAVE_TYPES_STREAM).trigger(
        ctx.event(
            LeaveTypeDefined,
            code=cmd.code,
            name=cmd.name,
            paid_fraction=cmd.paid_fraction,
            accrual_per_month=cmd.accrual_per_month,
            allow_negative=cmd.allow_negative,
        )
    )
    return []


@handles(AllocateLeave)
def allocate_leave(cmd: AllocateLeave, ctx: Context) -> list[str]:
    uow = ctx.uow
    emp = employee_of(uow, cmd.employee)
    uow.get(LeaveTypes, LEAVE_TYPES_STREAM).check(cmd.leave_type)
    hired = emp.check_exists()
    if cmd.date < hired.joining_date:
        raise ValidationError("date", f"{cmd.date} is before {hired.employee} joined")
    account_of(uow, cmd.employee).trigger(
        ctx.event(
            LeaveAllocated,
            employee=cmd.employee,
            leave_type=cmd.leave_type,
            date=cmd.date,
            days=cmd.days,
            reason=cmd.reason,
        )
    )
    return []


@handles(RequestLeave)
def request_leave(cmd: RequestLeave, ctx: Context) -> list[str]:
    uow = ctx.uow
    emp = employee_of(uow, cmd.employee)
    kind = uow.get(LeaveTypes, LEAVE_TYPES_STREAM).check(cmd.leave_type)
    account = account_of(uow, cmd.employee)
    days = working_days(cmd.date_from, cmd.date_to)
    if not days:
        raise ValidationError(
            "date_from", f"no working day from {cmd.date_from} to {cmd.date_to} (Monday-Friday)"
        )
    for day in days:
        check_employed(emp, day, "date_from")
        check_day_free(emp, account, day, "date_from")
    hired = emp.check_exists()
    check_balance(account, kind, hired.joining_date, emp.leaving_date(), days[0], len(days))
    number = next_number(ctx, "LR", cmd.date_from)
    account.trigger(
        ctx.event(
            LeaveRequested,
            employee=cmd.employee,
            request=number,
            leave_type=cmd.leave_type,
            date_from=cmd.date_from,
            date_to=cmd.date_to,
            days=tuple(days),
            reason=cmd.reason,
        )
    )
    return [number]


@handles(ApproveLeave)
def approve_leave(cmd: ApproveLeave, ctx: Context) -> list[str]:
    uow = ctx.uow
    emp = employee_of(uow, cmd.employee)
    account = account_of(uow, cmd.employee)
    request = account.request_of(cmd.request)
    if request.status != "pending":
        raise ValidationError("request", f"{cmd.request} is {request.status}, not pending")
    kind = uow.get(LeaveTypes, LEAVE_TYPES_STREAM).check(request.leave_type)
    hired = emp.check_exists()
    for day in request.days:  # a leaving recorded since the request
        check_employed(emp, day, "request")
    check_balance(
        account,
        kind,
        hired.joining_date,
        emp.leaving_date(),
        request.days[0],
        len(request.days),
        exclude=request.request,
    )
    account.trigger(
        ctx.event(
            LeaveRequestApproved,
            employee=cmd.employee,
            request=cmd.request,
            paid_fraction=kind.paid_fraction,
        )
    )
    return [cmd.request]


@handles(RejectLeave)
def reject_leave(cmd: RejectLeave, ctx: Context) -> list[str]:
    employee_of(ctx.uow, cmd.employee)
    account = account_of(ctx.uow, cmd.employee)
    request = account.request_of(cmd.request)
    if request.status != "pending":
        raise ValidationError("request", f"{cmd.request} is {request.status}, not pending")
    account.trigger(
        ctx.event(
            LeaveRequestRejected, employee=cmd.employee, request=cmd.request, reason=cmd.reason
        )
    )
    return [cmd.request]


@handles(CancelLeave)
def cancel_leave(cmd: CancelLeave, ctx: Context) -> list[str]:
    employee_of(ctx.uow, cmd.employee)
    account = account_of(ctx.uow, cmd.employee)
    request = account.request_of(cmd.request)
    if not request.booked:
        raise ValidationError("request", f"{cmd.request} is {request.status} already")
    account.trigger(
        ctx.event(
            LeaveRequestCancelled, employee=cmd.employee, request=cmd.request, reason=cmd.reason
        )
    )
    return [cmd.request]


@handles(RecordAttendance)
def record_attendance(cmd: RecordAttendance, ctx: Context) -> list[str]:
    uow = ctx.uow
    emp = employee_of(uow, cmd.employee)
    account = account_of(uow, cmd.employee)
    booked = account.booked_days()
    for i, d in enumerate(cmd.days):
        where = f"days[{i}].day"
        check_employed(emp, d.day, where)
        if d.day in booked:
            raise ValidationError(
                where, f"{cmd.employee} has leave request {booked[d.day]} on {d.day}"
            )
        if d.day in emp.leave:
            raise ValidationError(where, f"{cmd.employee} has leave recorded on {d.day}")
    account.trigger(
        ctx.event(
            AttendanceRecorded,
            employee=cmd.employee,
            days=tuple(
                AttendanceDayIn(
                    day=d.day, status=d.status, hours=d.hours, overtime_hours=d.overtime_hours
                )
                for d in sorted(cmd.days, key=lambda d: d.day)
            ),
        )
    )
    return []
