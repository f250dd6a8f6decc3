"""Effective-dated employee records: the record as of a date is a pure fold over dated changes.

Each `RecordChange` sets some fields from its `effective` date on. Changes are applied in the
order (effective date, sequence), where `sequence` is the order in which they were recorded (the
log position), so a correction recorded later but effective earlier lands in its place in time,
and of two changes effective the same day the one recorded later wins. The first change in that
order must set `joining_date` (it is the hire).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from itertools import pairwise


class HrError(ValueError):
    """An HR input breaks a rule; `field` names where, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class EmployeeRecord:
    """The employee as of some date. `base_pay` and `salary_structure` are the pay."""

    employee: str
    joining_date: dt.date
    leaving_date: dt.date | None = None
    name: str = ""
    department: str = ""
    position: str = ""
    grade: str = ""
    manager: str = ""
    cost_centre: str = ""
    base_pay: Decimal = Decimal(0)
    salary_structure: str = ""
    working_pattern: str = ""
    pay_group: str = ""

    def is_employed(self, on: dt.date) -> bool:
        return self.joining_date <= on and (self.leaving_date is None or on <= self.leaving_date)


DATE_FIELDS = frozenset({"joining_date", "leaving_date"})
TEXT_FIELDS = frozenset(
    f.name for f in fields(EmployeeRecord) if f.name not in DATE_FIELDS | {"employee", "base_pay"}
)
CHANGEABLE_FIELDS = DATE_FIELDS | TEXT_FIELDS | {"base_pay"}


def _check_value(name: str, value: object) -> object:
    where = f"changes.{name}"
    if name not in CHANGEABLE_FIELDS:
        known = ", ".join(sorted(CHANGEABLE_FIELDS))
        raise HrError(where, f"is not a field of the employee record (known: {known})")
    if name == "leaving_date" and value is None:
        return None  # a leaving cancelled (e.g. a resignation withdrawn)
    if name in DATE_FIELDS:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise HrError(where, f"must be a date, got {type(value).__name__}")
        return value
    if name == "base_pay":
        if isinstance(value, bool | float) or not isinstance(value, Decimal | int):
            raise HrError(where, f"must be a Decimal, not {type(value).__name__}")
        amount = Decimal(value)
        if not amount.is_finite() or amount < 0:
            raise HrError(where, f"must be a finite amount >= 0, got {value}")
        return amount
    if not isinstance(value, str):
        raise HrError(where, f"must be text, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class RecordChange:
    """Fields that take new values from `effective` on; `sequence` is the recording order."""

    effective: dt.date
    changes: Mapping[str, object]
    sequence: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.effective, dt.date) or isinstance(self.effective, dt.datetime):
            raise HrError("effective", "must be a date")
        if not self.changes:
            raise HrError("changes", "a change sets at least one field")
        checked = {name: _check_value(name, value) for name, value in self.changes.items()}
        object.__setattr__(self, "changes", checked)


@dataclass(frozen=True)
class RecordSpan:
    """`record` holds from `start` to `end` inclusive (`end` None: still holds)."""

    start: dt.date
    end: dt.date | None
    record: EmployeeRecord = field(compare=True)


def _ordered(changes: Iterable[RecordChange]) -> list[RecordChange]:
    ordered = sorted(changes, key=lambda c: (c.effective, c.sequence))
    for a, b in pairwise(ordered):
        if (a.effective, a.sequence) == (b.effective, b.sequence):
            raise HrError(
                "sequence",
                f"two changes effective {a.effective.isoformat()} have the same sequence "
                f"{a.sequence}; their order is ambiguous",
            )
    return ordered


def _apply(employee: str, record: EmployeeRecord | None, change: RecordChange) -> EmployeeRecord:
    if record is None:
        joining = change.changes.get("joining_date")
        if not isinstance(joining, dt.date):
            raise HrError(
                "changes.joining_date",
                f"the first change of {employee} (effective {change.effective.isoformat()}) "
                "must set the joining date",
            )
        record = EmployeeRecord(employee=employee, joining_date=joining)
    updated = replace(record, **change.changes)  # type: ignore[arg-type]
    if updated.leaving_date is not None and updated.leaving_date < updated.joining_date:
        raise HrError(
            "changes.leaving_date",
            f"{updated.leaving_date.isoformat()} is before joining "
            f"{updated.joining_date.isoformat()} (change effective {change.effective.isoformat()})",
        )
    if updated.manager == employee:
        raise HrError("changes.manager", f"{employee} cannot be their own manager")
    return updated


def history(employee: str, changes: Iterable[RecordChange]) -> tuple[RecordSpan, ...]:
    """Every version of the record with the dates it holds, oldest first.

    Changes effective the same day collapse into one span (the last recorded wins per field).
    """
    if not employee:
        raise HrError("employee", "is required")
    spans: list[RecordSpan] = []
    record: EmployeeRecord | None = None
    for change in _ordered(changes):
        record = _apply(employee, record, change)
        if spans and spans[-1].start == change.effective:
            spans[-1] = RecordSpan(change.effective, None, record)
            continue
        if spans:
            last = spans[-1]
            spans[-1] = RecordSpan(last.start, change.effective - dt.timedelta(days=1), last.record)
        spans.append(RecordSpan(change.effective, None, record))
    return tuple(spans)


def record_as_of(
    employee: str, changes: Iterable[RecordChange], on: dt.date
) -> EmployeeRecord | None:
    """The record in force on `on`: a fold of the changes effective on or before it.

    None when no change is effective yet (the employee is not recorded on that date).
    """
    record: EmployeeRecord | None = None
    for change in _ordered(changes):
        if change.effective > on:
            break
        record = _apply(employee, record, change)
    return record


def spans_between(
    employee: str, changes: Iterable[RecordChange], start: dt.date, end: dt.date
) -> tuple[RecordSpan, ...]:
    """The versions in force during `start..end`, clipped to it (e.g. a pay change mid-month)."""
    if end < start:
        raise HrError("end", f"{end.isoformat()} is before {start.isoformat()}")
    clipped: list[RecordSpan] = []
    for span in history(employee, changes):
        if span.start > end or (span.end is not None and span.end < start):
            continue
        s = max(span.start, start)
        e = end if span.end is None else min(span.end, end)
        clipped.append(RecordSpan(s, e, span.record))
    return tuple(clipped)
