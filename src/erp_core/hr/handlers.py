"""HR actions: hire, effective-dated record changes, salary assignment, leaving, personal
data, leave. Each checks everything first, then records (one save per action)."""

from __future__ import annotations

import datetime as dt

from erp_core.hr.commands import (
    ChangeEmployeeRecord,
    DefinePayGroup,
    ErasePersonalData,
    HireEmployee,
    RecordLeave,
    RecordLeaving,
    RecordPersonalData,
)
from erp_core.hr.employees import (
    NUMBERS_STREAM,
    PAY_GROUPS_STREAM,
    Employee,
    EmployeeNumbers,
    PayGroups,
    employee_of,
    employee_stream,
    record_change,
)
from erp_core.hr.events import (
    EmployeeHired,
    EmployeeLeft,
    EmployeeNumberIssued,
    LeaveDayIn,
    LeaveRecorded,
    PayGroupDefined,
    PersonalDataErased,
    PersonalDataRecorded,
)
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.posting import chart_of, company_of


def _check_dimension(uow: UnitOfWork, dimension: str, value: str | None, field: str) -> str:
    if not value:
        return ""
    chart_of(uow).check_dimensions({dimension: value}, field.rpartition(".")[0] or field)
    return value


def _check_manager(uow: UnitOfWork, manager: str | None, on: dt.date, me: str | None) -> str:
    if not manager:
        return ""
    if manager == me:
        raise ValidationError("manager", f"{manager} cannot be their own manager")
    boss = employee_of(uow, manager, "manager").as_of(on)
    if boss is None or not boss.is_employed(on):
        raise ValidationError("manager", f"{manager} is not employed on {on}")
    return manager


def _personal(cmd: HireEmployee | RecordPersonalData) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    if cmd.birth_date is not None:
        fields["birth_date"] = cmd.birth_date.isoformat()
    if cmd.national_id is not None:
        fields["national_id"] = cmd.national_id or None
    if cmd.bank_account is not None:
        fields["bank_account"] = cmd.bank_account or None
    return fields


def _personal_event(
    ctx: Context, employee: str, fields: dict[str, str | None]
) -> PersonalDataRecorded:
    """The personal data event, its values encrypted with the employee's data key (made and
    committed outside the log first: a key left by a refused action is harmless, a ciphertext
    without its key cannot happen)."""
    if ctx.keys is None:  # a store without a keyring (none ships): clear, as before encryption
        return ctx.event(PersonalDataRecorded, employee=employee, fields=fields)
    from erp_core.hr.personal import encrypt_fields

    key = ctx.keys.key_for(employee)
    return ctx.event(
        PersonalDataRecorded,
        employee=employee,
        fields=encrypt_fields(key, employee, fields),
        encrypted=True,
    )


@handles(HireEmployee)
def hire_employee(cmd: HireEmployee, ctx: Context) -> list[str]:
    return [hire(cmd, ctx)]


def hire(cmd: HireEmployee, ctx: Context, offer: str | None = None) -> str:
    """The hire, checked then recorded; recruitment's `hire_applicant` hires through it."""
    uow = ctx.uow
    company_of(uow)
    department = _check_dimension(uow, "department", cmd.department, "department")
    cost_centre = _check_dimension(uow, "cost_centre", cmd.cost_centre, "cost_centre")
    manager = _check_manager(uow, cmd.manager, cmd.joining_date, None)
    pay_group = uow.get(PayGroups, PAY_GROUPS_STREAM).check(cmd.pay_group)
    if cmd.birth_date is not None and cmd.birth_date >= cmd.joining_date:
        raise ValidationError("birth_date", "is not before the joining date")
    numbers = uow.get(EmployeeNumbers, NUMBERS_STREAM)
    number = numbers.next_number()
    emp = uow.get(Employee, employee_stream(number))
    if emp.exists:  # cannot happen while the counter is the only way to number
        raise ValidationError("employee", f"{number} already exists")
    numbers.trigger(ctx.event(EmployeeNumberIssued, employee=number))
    emp.trigger(
        ctx.event(
            EmployeeHired,
            employee=number,
            name=cmd.name,
            joining_date=cmd.joining_date,
            department=department,
            position=cmd.position,
            grade=cmd.grade,
            manager=manager,
            cost_centre=cost_centre,
            working_pattern=cmd.working_pattern,
            offer=offer,
            pay_group=pay_group,
        )
    )
    personal = _personal(cmd)
    if personal:
        emp.trigger(_personal_event(ctx, number, personal))
    return number


@handles(ChangeEmployeeRecord)
def change_employee_record(cmd: ChangeEmployeeRecord, ctx: Context) -> list[str]:
    uow = ctx.uow
    emp = employee_of(uow, cmd.employee)
    changes: dict[str, str | None] = {}
    if cmd.department is not None:
        changes["department"] = _check_dimension(uow, "department", cmd.department, "department")
    if cmd.cost_centre is not None:
        changes["cost_centre"] = _check_dimension(
            uow, "cost_centre", cmd.cost_centre, "cost_centre"
        )
    if cmd.manager is not None:
        changes["manager"] = _check_manager(uow, cmd.manager, cmd.effective, cmd.employee)
    if cmd.pay_group is not None:
        changes["pay_group"] = uow.get(PayGroups, PAY_GROUPS_STREAM).check(cmd.pay_group)
    for name in ("position", "grade", "working_pattern", "name"):
        value = getattr(cmd, name)
        if value is not None:
            changes[name] = value
    if not changes:
        raise ValidationError("changes", "name at least one field to change")
    record_change(ctx, emp, cmd.effective, changes, cmd.reason or "")
    return []


@handles(RecordLeaving)
def record_leaving(cmd: RecordLeaving, ctx: Context) -> list[str]:
    emp = employee_of(ctx.uow, cmd.employee)
    hired = emp.check_exists()
    if emp.leaving_date() is not None:
        raise ValidationError("employee", f"{cmd.employee} has left already ({emp.leaving_date()})")
    if cmd.leaving_date < hired.joining_date:
        raise ValidationError(
            "leaving_date", f"{cmd.leaving_date} is before joining ({hired.joining_date})"
        )
    emp.trigger(
        ctx.event(
            EmployeeLeft, employee=cmd.employee, leaving_date=cmd.leaving_date, reason=cmd.reason
        )
    )
    return []


@handles(RecordPersonalData)
def record_personal_data(cmd: RecordPersonalData, ctx: Context) -> list[str]:
    emp = employee_of(ctx.uow, cmd.employee)
    hired = emp.check_exists()
    if cmd.birth_date is not None and cmd.birth_date >= hired.joining_date:
        raise ValidationError("birth_date", "is not before the joining date")
    fields = _personal(cmd)
    if not fields:
        raise ValidationError("fields", "give at least one personal field")
    _check_not_erased(emp, cmd.employee)
    emp.trigger(_personal_event(ctx, cmd.employee, fields))
    return []


def _check_not_erased(emp: Employee, employee: str) -> None:
    if emp.erased is not None:
        raise ValidationError(
            "employee",
            f"the personal data of {employee} was erased on "
            f"{emp.erased.recorded_at.date()}; it cannot be recorded again",
        )


@handles(ErasePersonalData)
def erase_personal_data(cmd: ErasePersonalData, ctx: Context) -> list[str]:
    """Record the erasure, then (once the save stored it) destroy the employee's key. Should
    the process die in between, the hr projection destroys the key when it applies the event,
    and every reader treats the erasure in the log as final."""
    emp = employee_of(ctx.uow, cmd.employee)
    emp.check_exists()
    if emp.erased is not None:
        raise ValidationError(
            "employee",
            f"the personal data of {cmd.employee} was already erased "
            f"({emp.erased.recorded_at.date()}: {emp.erased.reason})",
        )
    emp.trigger(ctx.event(PersonalDataErased, employee=cmd.employee, reason=cmd.reason))
    keys = ctx.keys
    if keys is not None:
        now = ctx.now
        ctx.uow.after_save.append(lambda: keys.destroy(cmd.employee, cmd.reason, now))
    return []


@handles(DefinePayGroup)
def define_pay_group(cmd: DefinePayGroup, ctx: Context) -> list[str]:
    company_of(ctx.uow)
    groups = ctx.uow.get(PayGroups, PAY_GROUPS_STREAM)
    if cmd.frequency == "fortnightly":
        if cmd.anchor is None:
            raise ValidationError(
                "anchor", "a fortnightly pay group needs the first day of a fortnight"
            )
        if cmd.anchor.weekday() != 0:
            raise ValidationError(
                "anchor", f"{cmd.anchor} is a {cmd.anchor:%A}; fortnights start on a Monday"
            )
    elif cmd.anchor is not None:
        raise ValidationError(
            "anchor", f"only a fortnightly pay group has an anchor, not a {cmd.frequency} one"
        )
    known = groups.groups.get(cmd.code)
    if known is not None and (known.frequency, known.anchor) != (cmd.frequency, cmd.anchor):
        raise ValidationError(
            "frequency",
            f"pay group {cmd.code} is {known.frequency}; its frequency cannot change (its runs "
            "are named by their periods): define a new group",
        )
    groups.trigger(
        ctx.event(
            PayGroupDefined,
            code=cmd.code,
            name=cmd.name,
            frequency=cmd.frequency,
            anchor=cmd.anchor,
        )
    )
    return []


@handles(RecordLeave)
def record_leave(cmd: RecordLeave, ctx: Context) -> list[str]:
    from erp_core.hr.leave_handlers import account_of, check_day_free

    emp = employee_of(ctx.uow, cmd.employee)
    account = account_of(ctx.uow, cmd.employee)
    days: list[LeaveDayIn] = []
    day = cmd.date_from
    while day <= cmd.date_to:
        record = emp.as_of(day)
        if record is None or not record.is_employed(day):
            raise ValidationError("date_from", f"{cmd.employee} is not employed on {day}")
        check_day_free(emp, account, day, "date_from")
        days.append(LeaveDayIn(day=day, paid_fraction=cmd.paid_fraction))
        day += dt.timedelta(days=1)
    emp.trigger(
        ctx.event(LeaveRecorded, employee=cmd.employee, leave_type=cmd.leave_type, days=days)
    )
    return []


import erp_core.hr.leave_handlers  # noqa: E402  (registers leave and attendance)
import erp_core.hr.recruitment_handlers  # noqa: E402  (registers recruitment)
import erp_core.hr.review_handlers  # noqa: E402,F401  (registers the review actions)
