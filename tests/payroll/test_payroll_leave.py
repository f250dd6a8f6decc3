"""Time and leave through real actions: leave types with accrual, balances, requests with
approval, attendance, and what payroll makes of them (every figure computed by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from erp_core.projections.hr import attendance_summary, leave_balances, leave_requests
from erp_core.projections.payroll import payslips
from pydantic import ValidationError as InvalidAction
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.hr.leave import accrued
from erp_core.kernel.errors import NotFound, ValidationError


def leave_setup(erp: Erp) -> str:
    setup_payroll(erp)
    erp.define_leave_type(code="annual", name="Annual leave", accrual_per_month="2")
    erp.define_leave_type(code="unpaid", name="Unpaid leave", paid_fraction="0",
                          allow_negative=True)  # fmt: skip
    erp.define_leave_type(code="sick", name="Sick leave", paid_fraction="0.5",
                          allow_negative=True)  # fmt: skip
    return hire(erp)  # EMP-000001, base 4,000.00 from 2026-01-01


def balance(erp: Erp, emp: str, kind: str, on: str) -> Any:
    rows = erp.query(leave_balances, dt.date.fromisoformat(on), emp)
    return next(r for r in rows if r.leave_type == kind)


def test_accrual_is_credited_at_month_end_and_prorated_in_the_joining_month() -> None:
    joined = dt.date(2026, 1, 17)  # 15 of January's 31 days employed
    assert accrued(D(2), joined, None, dt.date(2026, 1, 30)) == D(0)
    assert accrued(D(2), joined, None, dt.date(2026, 1, 31)) == D("0.97")  # 2 * 15/31
    assert accrued(D(2), joined, None, dt.date(2026, 3, 31)) == D("4.97")
    # left on 10 April: 2 * 10/30 = 0.67 for April, nothing after
    assert accrued(D(2), joined, dt.date(2026, 4, 10), dt.date(2026, 12, 31)) == D("5.64")


def test_a_request_cannot_overdraw_the_balance_until_days_are_allocated(erp: Erp) -> None:
    emp = leave_setup(erp)
    # 2 days accrued at the end of January and February: 4 available on 2 March
    with pytest.raises(ValidationError, match="5 days asked, 4 available on 2026-03-02"):
        erp.request_leave(employee=emp, leave_type="annual", date_from="2026-03-02",
                          date_to="2026-03-06")  # fmt: skip
    assert erp.query(leave_requests) == []  # nothing stored
    erp.allocate_leave(employee=emp, leave_type="annual", date="2026-01-01", days="3",
                       reason="opening balance")  # fmt: skip
    request = erp.request_leave(employee=emp, leave_type="annual", date_from="2026-03-02",
                                date_to="2026-03-08").documents[0]  # fmt: skip
    assert request == "LR-2026-000001"
    row = balance(erp, emp, "annual", "2026-03-01")
    # credited 3 + 4 accrued; the pending request books 5 (the weekend of 7-8 March is not leave)
    assert (row.credited, row.taken, row.booked, row.balance) == (D(7), D(0), D(5), D(2))
    erp.approve_leave(employee=emp, request=request)
    row = balance(erp, emp, "annual", "2026-03-31")
    assert (row.credited, row.taken, row.booked, row.balance) == (D(9), D(5), D(0), D(4))


def test_overlapping_leave_and_attendance_are_refused(erp: Erp) -> None:
    emp = leave_setup(erp)
    first = erp.request_leave(employee=emp, leave_type="unpaid", date_from="2026-03-09",
                              date_to="2026-03-10").documents[0]  # fmt: skip
    with pytest.raises(ValidationError, match=f"leave request {first} on 2026-03-10"):
        erp.request_leave(employee=emp, leave_type="sick", date_from="2026-03-10",
                          date_to="2026-03-11")  # fmt: skip
    with pytest.raises(ValidationError, match=f"leave request {first} on 2026-03-09"):
        erp.record_leave(employee=emp, date_from="2026-03-09", date_to="2026-03-09",
                         leave_type="unpaid")  # fmt: skip
    with pytest.raises(ValidationError, match=f"leave request {first} on 2026-03-09"):
        erp.record_attendance(employee=emp, days=[{"day": "2026-03-09", "status": "present",
                                                    "hours": "8"}])  # fmt: skip
    erp.record_attendance(employee=emp, days=[{"day": "2026-03-11", "status": "present",
                                                "hours": "8"}])  # fmt: skip
    with pytest.raises(ValidationError, match="attendance recorded on 2026-03-11"):
        erp.request_leave(employee=emp, leave_type="sick", date_from="2026-03-11",
                          date_to="2026-03-11")  # fmt: skip
    # a rejected request frees its days
    erp.reject_leave(employee=emp, request=first, reason="busy week")
    again = erp.request_leave(employee=emp, leave_type="sick", date_from="2026-03-10",
                              date_to="2026-03-10").documents[0]  # fmt: skip
    assert [(r.request, r.status) for r in erp.query(leave_requests)] == [
        (first, "rejected"),
        (again, "pending"),
    ]


def test_request_state_transitions_and_bad_input(erp: Erp) -> None:
    emp = leave_setup(erp)
    with pytest.raises(ValidationError, match="no working day from 2026-03-07 to 2026-03-08"):
        erp.request_leave(employee=emp, leave_type="unpaid", date_from="2026-03-07",
                          date_to="2026-03-08")  # fmt: skip
    with pytest.raises(ValidationError, match="unknown leave type 'holiday'"):
        erp.request_leave(employee=emp, leave_type="holiday", date_from="2026-03-09",
                          date_to="2026-03-09")  # fmt: skip
    with pytest.raises(ValidationError, match="is not employed on 2025-12-31"):
        erp.request_leave(employee=emp, leave_type="unpaid", date_from="2025-12-31",
                          date_to="2026-01-02")  # fmt: skip
    with pytest.raises(NotFound, match="unknown employee 'EMP-000009'"):
        erp.request_leave(employee="EMP-000009", leave_type="unpaid", date_from="2026-03-09",
                          date_to="2026-03-09")  # fmt: skip
    with pytest.raises(InvalidAction, match="date_to"):
        erp.request_leave(employee=emp, leave_type="unpaid", date_from="2026-03-09",
                          date_to="2026-03-08")  # fmt: skip
    with pytest.raises(InvalidAction, match="paid_fraction"):
        erp.define_leave_type(code="odd", name="Odd", paid_fraction="1.5")
    r = erp.request_leave(employee=emp, leave_type="unpaid", date_from="2026-03-09",
                          date_to="2026-03-09").documents[0]  # fmt: skip
    erp.approve_leave(employee=emp, request=r)
    with pytest.raises(ValidationError, match=f"{r} is approved, not pending"):
        erp.approve_leave(employee=emp, request=r)
    with pytest.raises(ValidationError, match="not pending"):
        erp.reject_leave(employee=emp, request=r, reason="late")
    erp.cancel_leave(employee=emp, request=r, reason="plans changed")
    with pytest.raises(ValidationError, match="cancelled already"):
        erp.cancel_leave(employee=emp, request=r, reason="again")
    with pytest.raises(NotFound, match="unknown leave request 'LR-2026-000099'"):
        erp.approve_leave(employee=emp, request="LR-2026-000099")
    with pytest.raises(InvalidAction, match="absent day has no hours"):
        erp.record_attendance(employee=emp, days=[{"day": "2026-03-11", "status": "absent",
                                                    "hours": "8"}])  # fmt: skip


def test_approved_leave_and_attendance_reach_the_payslip(erp: Erp) -> None:
    emp = leave_setup(erp)
    for kind, start, end in [("unpaid", "2026-03-09", "2026-03-10"),
                             ("sick", "2026-03-16", "2026-03-16")]:  # fmt: skip
        r = erp.request_leave(employee=emp, leave_type=kind, date_from=start,
                              date_to=end).documents[0]  # fmt: skip
        erp.approve_leave(employee=emp, request=r)
    pending = erp.request_leave(employee=emp, leave_type="unpaid", date_from="2026-03-17",
                                date_to="2026-03-17").documents[0]  # fmt: skip
    erp.record_attendance(
        employee=emp,
        days=[
            {"day": "2026-03-11", "status": "absent"},
            {"day": "2026-03-12", "status": "half_day", "hours": "4"},
            {"day": "2026-03-13", "status": "present", "hours": "8", "overtime_hours": "2"},
        ],
    )
    erp.run_payroll(month="2026-03")
    (slip,) = erp.query(payslips, "2026-03")
    # calendar-day basis: 31 working days; unpaid: 2 (unpaid leave) + 0.5 (sick paid at half)
    # + 1 (absent) + 0.5 (half day) = 4; the pending request is not leave yet.
    assert (slip.working_days, slip.payment_days) == (D(31), D(27))
    lines = {ln.code: ln.amount for ln in slip.lines}
    # basic 4000 * 27/31 = 3483.870.. -> 3483.87; allowance 400 * 27/31 = 348.387.. -> 348.39;
    # pension 160 * 27/31 = 139.354.. -> 139.35; taxable 3483.87 + 348.39 - 139.35 = 3692.91;
    # tax 15% of 1692.91 = 253.9365 -> 253.94; net 3832.26 - 139.35 - 253.94 = 3438.97
    assert lines == {"basic": D("3483.87"), "allowance": D("348.39"), "pension": D("139.35"),
                     "income_tax": D("253.94")}  # fmt: skip
    assert (slip.gross, slip.taxable, slip.net) == (D("3832.26"), D("3692.91"), D("3438.97"))
    assert "absent on 2026-03-11: 1 day unpaid" in slip.reasons
    assert "half day on 2026-03-12: 0.5 day unpaid" in slip.reasons
    assert "leave paid at 0.5 on 2026-03-16: 0.5 day unpaid" in slip.reasons
    (att,) = erp.query(attendance_summary, "2026-03")
    assert (att.present, att.half_days, att.absent, att.hours, att.overtime_hours) == (
        1, 1, 1, D(12), D(2)
    )  # fmt: skip
    assert [r.status for r in erp.query(leave_requests, None, emp)][-1] == "pending"
    assert pending


def test_overtime_hours_feed_a_formula(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_salary_structure(code="OT", name="Hourly overtime", effective_from="2026-01-01",
                                components=[
        {"code": "overtime", "type": "earning", "taxable": True,
         "formula": "overtime_hours * basic / 160 * 1.5"},
        {"code": "basic", "type": "earning", "formula": "base", "taxable": True,
         "prorated": True},
    ])  # fmt: skip
    emp = erp.hire_employee(name="Otto", joining_date="2026-01-01").documents[0]
    erp.assign_salary(employee=emp, effective="2026-01-01", structure="OT", base_pay="3200")
    erp.record_attendance(employee=emp, days=[
        {"day": "2026-03-02", "hours": "8", "overtime_hours": "2"},
        {"day": "2026-03-03", "hours": "8", "overtime_hours": "3"},
        {"day": "2026-04-01", "hours": "8", "overtime_hours": "7"},  # another month
    ])  # fmt: skip
    erp.run_payroll(month="2026-03")
    (slip,) = erp.query(payslips, "2026-03")
    # overtime 5 h * 3200 / 160 * 1.5 = 150.00; taxable 3350.00; tax 15% of 1350 = 202.50
    assert {ln.code: ln.amount for ln in slip.lines} == {
        "basic": D("3200.00"), "overtime": D("150.00"), "income_tax": D("202.50")}  # fmt: skip
    assert slip.net == D("3147.50")


def test_leave_reports_rebuild_equal_live(erp: Erp) -> None:
    emp = leave_setup(erp)
    erp.allocate_leave(employee=emp, leave_type="annual", date="2026-01-01", days="3",
                       reason="opening balance")  # fmt: skip
    r = erp.request_leave(employee=emp, leave_type="annual", date_from="2026-03-02",
                          date_to="2026-03-04").documents[0]  # fmt: skip
    erp.approve_leave(employee=emp, request=r)
    erp.record_attendance(employee=emp, days=[{"day": "2026-03-05", "status": "absent"}])

    def reports() -> object:
        return (
            erp.query(leave_balances, dt.date(2026, 3, 31), None),
            erp.query(leave_requests),
            erp.query(attendance_summary, "2026-03"),
        )

    before = reports()
    erp.rebuild()
    assert reports() == before
