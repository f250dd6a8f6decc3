"""The employee aggregate: the hire, every effective-dated change, personal data and leave.

The record as of a date is `erp_core.hr.records.record_as_of` folded over the changes in the
order (effective date, recording order); the hire is the first change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp_core.hr.events import (
    EmployeeHired,
    EmployeeLeft,
    EmployeeNumberIssued,
    EmployeeRecordChanged,
    LeaveRecorded,
    PayGroupDefined,
    PersonalDataErased,
    PersonalDataRecorded,
)
from erp_core.hr.records import EmployeeRecord, HrError, RecordChange, record_as_of
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.unit_of_work import UnitOfWork

NUMBERS_STREAM = "hr:employee-numbers"
PAY_GROUPS_STREAM = "hr:pay-groups"


def employee_stream(number: str) -> str:
    return f"employee:{number}"


def format_employee(n: int) -> str:
    return f"EMP-{n:06d}"


class EmployeeNumbers(Aggregate):
    """The gapless counter of employee numbers, and every number issued."""

    def __init__(self, stream: str = NUMBERS_STREAM) -> None:
        super().__init__(stream)
        self.issued: list[str] = []

    def _on_issued(self, e: EmployeeNumberIssued) -> None:
        self.issued.append(e.employee)

    handlers = {EmployeeNumberIssued: _on_issued}

    def next_number(self) -> str:
        return format_employee(len(self.issued) + 1)


def typed_changes(changes: dict[str, str | None]) -> dict[str, object]:
    """Stored text values to the record's types."""
    out: dict[str, object] = {}
    for name, value in changes.items():
        if name in ("joining_date", "leaving_date"):
            out[name] = None if value is None else dt.date.fromisoformat(value)
        elif name == "base_pay":
            out[name] = Decimal(value or "0")
        else:
            out[name] = value or ""
    return out


class Employee(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.hired: EmployeeHired | None = None
        self.changes: list[RecordChange] = []
        self.personal: dict[str, str | None] = {}  # as stored (ciphertext when encrypted)
        self.erased: PersonalDataErased | None = None
        self.leave: dict[dt.date, tuple[Decimal, str]] = {}

    def _add(self, effective: dt.date, changes: dict[str, object]) -> None:
        self.changes.append(RecordChange(effective, changes, sequence=self.version + 1))

    def _on_hired(self, e: EmployeeHired) -> None:
        self.hired = e
        self._add(
            e.joining_date,
            {
                "joining_date": e.joining_date,
                "name": e.name,
                "department": e.department,
                "position": e.position,
                "grade": e.grade,
                "manager": e.manager,
                "cost_centre": e.cost_centre,
                "working_pattern": e.working_pattern,
                "pay_group": e.pay_group,
            },
        )

    def _on_changed(self, e: EmployeeRecordChanged) -> None:
        self._add(e.effective, typed_changes(e.changes))

    def _on_left(self, e: EmployeeLeft) -> None:
        self._add(e.leaving_date, {"leaving_date": e.leaving_date})

    def _on_personal(self, e: PersonalDataRecorded) -> None:
        self.personal.update(e.fields)

    def _on_erased(self, e: PersonalDataErased) -> None:
        self.erased = e
        self.personal = {}

    def _on_leave(self, e: LeaveRecorded) -> None:
        for d in e.days:
            self.leave[d.day] = (d.paid_fraction, e.leave_type)

    handlers = {
        EmployeeHired: _on_hired,
        EmployeeRecordChanged: _on_changed,
        EmployeeLeft: _on_left,
        PersonalDataRecorded: _on_personal,
        PersonalDataErased: _on_erased,
        LeaveRecorded: _on_leave,
    }

    def check_exists(self) -> EmployeeHired:
        if self.hired is None:
            raise NotFound(f"employee: unknown employee {self.id.removeprefix('employee:')!r}")
        return self.hired

    def as_of(self, on: dt.date) -> EmployeeRecord | None:
        return record_as_of(self.check_exists().employee, self.changes, on)

    def check_change(self, effective: dt.date, changes: dict[str, object]) -> None:
        """Refuse a change that would make some version of the record invalid."""
        hired = self.check_exists()
        if effective < hired.joining_date:
            raise ValidationError(
                "effective", f"{effective} is before {hired.employee} joined ({hired.joining_date})"
            )
        trial = [*self.changes, RecordChange(effective, changes, sequence=self.version + 1)]
        try:
            from erp_core.hr.records import history

            history(hired.employee, trial)
        except HrError as exc:
            raise ValidationError(exc.field, exc.reason) from None

    def leaving_date(self) -> dt.date | None:
        last = record_as_of(self.check_exists().employee, self.changes, dt.date.max)
        return None if last is None else last.leaving_date

    def summary(self) -> dict[str, Any]:
        hired = self.check_exists()
        return {"employee": hired.employee, "name": hired.name}


class PayGroups(Aggregate):
    """The pay groups defined (code -> event); "" is the default group of every employee."""

    cacheable = True

    def __init__(self, stream: str = PAY_GROUPS_STREAM) -> None:
        super().__init__(stream)
        self.groups: dict[str, PayGroupDefined] = {}

    def _on_defined(self, e: PayGroupDefined) -> None:
        self.groups[e.code] = e

    handlers = {PayGroupDefined: _on_defined}

    def check(self, code: str | None, field: str = "pay_group") -> str:
        if not code:
            return ""
        if code not in self.groups:
            known = ", ".join(sorted(self.groups)) or "none defined (define_pay_group)"
            raise ValidationError(field, f"unknown pay group {code!r} (known: {known})")
        return code


def employee_of(uow: UnitOfWork, number: str, field: str = "employee") -> Employee:
    emp = uow.get(Employee, employee_stream(number))
    if emp.hired is None:
        raise NotFound(f"{field}: unknown employee {number!r}")
    return emp


def record_change(
    ctx: Context, emp: Employee, effective: dt.date, changes: dict[str, str | None], reason: str
) -> None:
    emp.check_change(effective, typed_changes(changes))
    hired = emp.check_exists()
    emp.trigger(
        ctx.event(
            EmployeeRecordChanged,
            employee=hired.employee,
            effective=effective,
            changes=changes,
            reason=reason or None,
        )
    )
