"""Actions of HR: hire, change the record (effective-dated), leave, personal data, leave."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from erp_core.kernel.commands import Action, Code, Name, Reason, Text
from erp_core.kernel.money import Dec


class HireEmployee(Action):
    """Hire an employee: numbered EMP-nnnnnn without gaps."""

    action: Literal["hire_employee"] = "hire_employee"
    name: Name
    joining_date: dt.date
    department: Code | None = None
    position: Text = ""
    grade: Text = ""
    manager: Code | None = None
    cost_centre: Code | None = None
    working_pattern: Text = ""
    birth_date: dt.date | None = None
    national_id: Text | None = None
    bank_account: Text | None = None


class ChangeEmployeeRecord(Action):
    """Record a change of department, position, grade, manager, cost centre or working
    pattern, in force from `effective` (back-dated or future-dated)."""

    action: Literal["change_employee_record"] = "change_employee_record"
    employee: Code
    effective: dt.date
    department: Code | None = None
    position: Text | None = None
    grade: Text | None = None
    manager: Code | None = None
    cost_centre: Code | None = None
    working_pattern: Text | None = None
    name: Name | None = None
    reason: Text | None = None


class RecordLeaving(Action):
    """The employee leaves; their last day is `leaving_date`."""

    action: Literal["record_leaving"] = "record_leaving"
    employee: Code
    leaving_date: dt.date
    reason: Reason


class RecordPersonalData(Action):
    """Set personal data (marked as such in every report; a field given as "" clears it)."""

    action: Literal["record_personal_data"] = "record_personal_data"
    employee: Code
    birth_date: dt.date | None = None
    national_id: Text | None = None
    bank_account: Text | None = None


class RecordLeave(Action):
    """Leave from `date_from` to `date_to` paid at `paid_fraction` (0 = unpaid, 1 = paid,
    0.5 = half paid); rest days and holidays inside the range are not counted by payroll."""

    action: Literal["record_leave"] = "record_leave"
    employee: Code
    date_from: dt.date
    date_to: dt.date
    leave_type: Code
    paid_fraction: Dec = Decimal(0)

    @model_validator(mode="after")
    def _range(self) -> RecordLeave:
        if self.date_to < self.date_from:
            raise ValueError("date_to: is before date_from")
        if (self.date_to - self.date_from).days > 366:
            raise ValueError("date_to: a leave record spans at most a year")
        if not Decimal(0) <= self.paid_fraction <= Decimal(1):
            raise ValueError("paid_fraction: must be from 0 to 1")
        return self
