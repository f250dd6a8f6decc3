"""Events of HR: employees hired, their effective-dated record changes, leaving, personal data,
leave taken.

Personal data (birth date, national id, bank account) travels only in `PersonalDataRecorded`,
never in the record changes, so every report knows which fields are personal (see
`PERSONAL_FIELDS`) and `--redact` can mask them.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec

PERSONAL_FIELDS: tuple[str, ...] = ("birth_date", "national_id", "bank_account")


class EmployeeNumberIssued(DomainEvent):
    """The gapless employee number counter moved on (recorded with the hire it numbers)."""

    employee: str


class EmployeeHired(DomainEvent):
    employee: str
    name: str
    joining_date: dt.date
    department: str
    position: str
    grade: str
    manager: str
    cost_centre: str
    working_pattern: str
    offer: str | None = None


class EmployeeRecordChanged(DomainEvent):
    """Fields of the record take new values from `effective` on (values as text; `base_pay`
    a decimal, dates ISO, None clears a leaving date)."""

    employee: str
    effective: dt.date
    changes: dict[str, str | None]
    reason: str | None = None


class EmployeeLeft(DomainEvent):
    employee: str
    leaving_date: dt.date
    reason: str


class PersonalDataRecorded(DomainEvent):
    """Personal data (marked in every report; `--redact` masks it)."""

    employee: str
    fields: dict[str, str | None]


class LeaveDayIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    day: dt.date
    paid_fraction: Dec


class LeaveRecorded(DomainEvent):
    employee: str
    leave_type: str
    days: tuple[LeaveDayIn, ...]
