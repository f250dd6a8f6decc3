"""The HR projection: employees, their effective-dated record changes, personal data (kept
apart, so reports know what to mark and `--redact` masks), and leave days.

The record as of a date is folded from `hr_record_changes` by `erp_core.hr.records` (the same
fold the aggregate uses), so a back-dated change lands in its place in time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import metadata
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Connection, Date, String, Table, Text, select

from erp_core.hr.employees import typed_changes
from erp_core.hr.events import PERSONAL_FIELDS
from erp_core.hr.records import RecordChange, record_as_of

hr_employees = Table(
    "hr_employees",
    metadata,
    Column("employee", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("joining_date", Date, nullable=False),
    Column("position", BigInteger, nullable=False),
)
hr_record_changes = Table(
    "hr_record_changes",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("employee", String(32), nullable=False, index=True),
    Column("effective", Date, nullable=False),
    Column("changes", Text, nullable=False),
)
hr_personal = Table(
    "hr_personal",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("employee", String(32), nullable=False, index=True),
    Column("fields", Text, nullable=False),
)
hr_leave = Table(
    "hr_leave",
    metadata,
    Column("employee", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("paid_fraction", String(40), nullable=False),
    Column("leave_type", String(32), nullable=False),
)


class HrProjection:
    name = "hr"
    tables: Sequence[Table] = (hr_employees, hr_record_changes, hr_personal, hr_leave)
    event_names = frozenset(
        {
            "EmployeeHired",
            "EmployeeRecordChanged",
            "EmployeeLeft",
            "PersonalDataRecorded",
            "LeaveRecorded",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        employees: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        personal: list[tuple[Any, ...]] = []
        leave: list[tuple[Any, ...]] = []
        for position, _stream, name, e in records:
            if name == "EmployeeHired":
                employees.append((e["employee"], e["name"], e["joining_date"], position))
                first = {
                    "joining_date": e["joining_date"],
                    **{
                        k: e[k]
                        for k in (
                            "name",
                            "department",
                            "position",
                            "grade",
                            "manager",
                            "cost_centre",
                            "working_pattern",
                        )
                    },
                }
                changes.append((position, e["employee"], e["joining_date"], json.dumps(first)))
            elif name == "EmployeeRecordChanged":
                changes.append((position, e["employee"], e["effective"], json.dumps(e["changes"])))
            elif name == "EmployeeLeft":
                change = json.dumps({"leaving_date": e["leaving_date"]})
                changes.append((position, e["employee"], e["leaving_date"], change))
            elif name == "PersonalDataRecorded":
                personal.append((position, e["employee"], json.dumps(e["fields"])))
            else:  # LeaveRecorded
                for d in e["days"]:
                    leave.append((e["employee"], d["day"], d["paid_fraction"], e["leave_type"]))
        insert_rows(conn, hr_employees, employees)
        insert_rows(conn, hr_record_changes, changes)
        insert_rows(conn, hr_personal, personal)
        insert_rows(conn, hr_leave, leave)


def projections() -> list[Projection]:
    return [HrProjection()]


# --- queries ---------------------------------------------------------------------------------

REDACTED = "***"


class EmployeeRow(BaseModel):
    employee: str
    name: str
    joining_date: dt.date
    leaving_date: dt.date | None
    employed: bool
    department: str
    position: str
    grade: str
    manager: str
    cost_centre: str
    salary_structure: str
    base_pay: str
    # personal data (marked: shown masked with --redact)
    birth_date: str | None = None
    national_id: str | None = None
    bank_account: str | None = None


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def employees_as_of(
    conn: Connection, as_of: dt.date, redact: bool = False, include_left: bool = False
) -> list[EmployeeRow]:
    """Every employee's record as of a date; personal fields masked with `redact`."""
    by_employee: dict[str, list[RecordChange]] = {}
    for row in conn.execute(
        select(hr_record_changes).order_by(hr_record_changes.c.position)
    ).mappings():
        raw = json.loads(row["changes"])
        by_employee.setdefault(row["employee"], []).append(
            RecordChange(_date(row["effective"]), typed_changes(raw), sequence=row["position"])
        )
    personal: dict[str, dict[str, str | None]] = {}
    for row in conn.execute(select(hr_personal).order_by(hr_personal.c.position)).mappings():
        personal.setdefault(row["employee"], {}).update(json.loads(row["fields"]))
    out: list[EmployeeRow] = []
    for employee in sorted(by_employee):
        record = record_as_of(employee, by_employee[employee], as_of)
        if record is None:
            continue
        employed = record.is_employed(as_of)
        if not employed and not include_left:
            continue
        data = personal.get(employee, {})
        marked = {f: (REDACTED if redact and data.get(f) else data.get(f)) for f in PERSONAL_FIELDS}
        out.append(
            EmployeeRow(
                employee=employee,
                name=record.name,
                joining_date=record.joining_date,
                leaving_date=record.leaving_date,
                employed=employed,
                department=record.department,
                position=record.position,
                grade=record.grade,
                manager=record.manager,
                cost_centre=record.cost_centre,
                salary_structure=record.salary_structure,
                base_pay=f"{record.base_pay:f}",
                **marked,
            )
        )
    return out
