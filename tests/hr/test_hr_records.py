"""Effective-dated employee records: the record as of a date is a fold over dated changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.hr.records import (
    HrError,
    RecordChange,
    history,
    record_as_of,
    spans_between,
)

D = Decimal
HIRE = RecordChange(
    dt.date(2025, 3, 1),
    {
        "joining_date": dt.date(2025, 3, 1),
        "department": "Sales",
        "position": "Rep",
        "grade": "G1",
        "manager": "E-1",
        "cost_centre": "CC-S",
        "base_pay": D(3000),
        "salary_structure": "standard",
        "working_pattern": "5x8",
    },
    sequence=1,
)
PROMOTION = RecordChange(
    dt.date(2026, 1, 1), {"position": "Senior rep", "grade": "G2", "base_pay": D(3600)}, sequence=2
)
TRANSFER = RecordChange(
    dt.date(2026, 6, 15), {"department": "Ops", "cost_centre": "CC-O", "manager": "E-5"}, sequence=3
)
# Recorded last but effective earlier: a retroactive pay correction from 1 Jan 2026.
CORRECTION = RecordChange(dt.date(2026, 1, 1), {"base_pay": D(3650)}, sequence=4)
LEAVING = RecordChange(dt.date(2026, 9, 1), {"leaving_date": dt.date(2026, 9, 30)}, sequence=5)
ALL = [HIRE, PROMOTION, TRANSFER, CORRECTION, LEAVING]


def test_the_record_as_of_a_date_folds_the_changes_effective_by_then() -> None:
    assert record_as_of("E-7", ALL, dt.date(2025, 2, 28)) is None  # not yet recorded
    hired = record_as_of("E-7", ALL, dt.date(2025, 12, 31))
    assert hired is not None
    assert (hired.department, hired.grade, hired.base_pay) == ("Sales", "G1", D(3000))
    promoted = record_as_of("E-7", ALL, dt.date(2026, 6, 14))
    assert promoted is not None
    # The correction (recorded after the transfer) applies from its own effective date.
    assert (promoted.position, promoted.base_pay, promoted.department) == (
        "Senior rep",
        D(3650),
        "Sales",
    )
    moved = record_as_of("E-7", ALL, dt.date(2026, 6, 15))
    assert moved is not None and (moved.department, moved.manager) == ("Ops", "E-5")
    leaver = record_as_of("E-7", ALL, dt.date(2026, 12, 1))
    assert leaver is not None and leaver.leaving_date == dt.date(2026, 9, 30)
    assert leaver.is_employed(dt.date(2026, 9, 30)) and not leaver.is_employed(dt.date(2026, 10, 1))


def test_history_and_spans_within_a_pay_period() -> None:
    spans = history("E-7", ALL)
    assert [(s.start, s.end) for s in spans] == [
        (dt.date(2025, 3, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 6, 14)),
        (dt.date(2026, 6, 15), dt.date(2026, 8, 31)),
        (dt.date(2026, 9, 1), None),
    ]
    june = spans_between("E-7", ALL, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    # The transfer splits June: 1-14 in Sales, 15-30 in Ops.
    assert [(s.start.day, s.end.day if s.end else None, s.record.department) for s in june] == [
        (1, 14, "Sales"),
        (15, 30, "Ops"),
    ]


def test_later_recorded_change_wins_on_the_same_day() -> None:
    a = RecordChange(dt.date(2026, 2, 1), {"grade": "G3"}, sequence=10)
    b = RecordChange(dt.date(2026, 2, 1), {"grade": "G4"}, sequence=11)
    rec = record_as_of("E-7", [b, HIRE, a], dt.date(2026, 2, 1))
    assert rec is not None and rec.grade == "G4"


def test_refusals_name_the_field() -> None:
    with pytest.raises(HrError, match=r"^changes.salary: is not a field"):
        RecordChange(dt.date(2026, 1, 1), {"salary": D(1)})
    with pytest.raises(HrError, match=r"^changes.base_pay: must be a Decimal, not float"):
        RecordChange(dt.date(2026, 1, 1), {"base_pay": 3000.0})
    with pytest.raises(HrError, match=r"^changes.joining_date: must be a date"):
        RecordChange(dt.date(2026, 1, 1), {"joining_date": "2026-01-01"})
    with pytest.raises(HrError, match=r"^changes.joining_date: the first change of E-7"):
        record_as_of("E-7", [PROMOTION], dt.date(2026, 2, 1))
    with pytest.raises(HrError, match=r"^changes.manager: E-1 cannot be their own manager"):
        record_as_of("E-1", [HIRE], dt.date(2026, 2, 1))
    early = RecordChange(dt.date(2026, 1, 1), {"leaving_date": dt.date(2025, 1, 1)}, sequence=9)
    with pytest.raises(HrError, match=r"^changes.leaving_date: 2025-01-01 is before joining"):
        record_as_of("E-7", [HIRE, early], dt.date(2026, 2, 1))
    clash = RecordChange(dt.date(2026, 1, 1), {"grade": "X"}, sequence=2)
    with pytest.raises(HrError, match="same sequence 2"):
        history("E-7", [HIRE, PROMOTION, clash])


@settings(max_examples=100, deadline=None)
@given(order=st.permutations(ALL), day=st.integers(0, 700))
def test_the_fold_ignores_arrival_order_and_agrees_with_history(
    order: list[RecordChange], day: int
) -> None:
    on = dt.date(2025, 2, 1) + dt.timedelta(days=day)
    rec = record_as_of("E-7", order, on)
    assert rec == record_as_of("E-7", ALL, on)
    holding = [s for s in history("E-7", order) if s.start <= on and (s.end is None or on <= s.end)]
    assert (holding[0].record if holding else None) == rec
