"""Actions of HR: hire, change the record (effective-dated), leave, personal data, leave."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from erp_core.kernel.commands import Action, Code, Line, Name, Reason, Text
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
    pay_group: Code | None = None
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
    pay_group: Text | None = None  # "" moves the employee back to the default group
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


class ErasePersonalData(Action):
    """Meet an erasure request: destroy the employee's personal data key (crypto-shredding).
    Pay, payslips and vouchers are untouched; birth date, id and bank account read [erased]."""

    action: Literal["erase_personal_data"] = "erase_personal_data"
    employee: Code
    reason: Reason


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


# --- performance reviews -------------------------------------------------------------------------


class RatingBandIn(Line):
    lower: Dec
    label: Name


DEFAULT_BANDS = [
    RatingBandIn(lower=Decimal(0), label="Below expectations"),
    RatingBandIn(lower=Decimal(2), label="Partly meets"),
    RatingBandIn(lower=Decimal(3), label="Meets expectations"),
    RatingBandIn(lower=Decimal(4), label="Exceeds expectations"),
]


class OpenAppraisalCycle(Action):
    """Open a review cycle: the parts' weights (self / manager / peers, percent summing to 100),
    the final-score formula (on `weighted`, `self`, `manager`, `peers`), the rating scale and
    the bands that turn a final score into a rating."""

    action: Literal["open_appraisal_cycle"] = "open_appraisal_cycle"
    code: Code
    name: Name
    period_from: dt.date
    period_to: dt.date
    self_weight: Dec = Decimal(20)
    manager_weight: Dec = Decimal(60)
    peers_weight: Dec = Decimal(20)
    formula: Annotated[str, Field(min_length=1, max_length=2000)] = "weighted"
    places: int = 2
    scale_min: Dec = Decimal(0)
    scale_max: Dec = Decimal(5)
    bands: Annotated[list[RatingBandIn], Field(min_length=1, max_length=20)] = Field(
        default_factory=lambda: list(DEFAULT_BANDS)
    )

    @model_validator(mode="after")
    def _period(self) -> OpenAppraisalCycle:
        if self.period_to < self.period_from:
            raise ValueError("period_to: is before period_from")
        return self


class KraIn(Line):
    code: Code
    title: Text = ""
    weight: Dec


class SetAppraisalGoals(Action):
    """Set an employee's goals / KRAs for a cycle, weights summing to 100 (replaces the goals
    set before, while nobody has rated them)."""

    action: Literal["set_appraisal_goals"] = "set_appraisal_goals"
    cycle: Code
    employee: Code
    kras: Annotated[list[KraIn], Field(min_length=1, max_length=50)]


class RateAppraisal(Action):
    """A rating of every KRA by the employee (`self`), their manager, or a peer (`reviewer`
    names the peer); rating again replaces the rater's earlier ratings until finalised."""

    action: Literal["rate_appraisal"] = "rate_appraisal"
    cycle: Code
    employee: Code
    rater: Literal["self", "manager", "peer"]
    reviewer: Code | None = None
    ratings: dict[Code, Dec]


class FinaliseAppraisal(Action):
    """Compute the final score by the cycle's rule and record it with its rating band."""

    action: Literal["finalise_appraisal"] = "finalise_appraisal"
    cycle: Code
    employee: Code


class CalibrateAppraisal(Action):
    """Move a finalised score (calibration); the rating follows the cycle's bands."""

    action: Literal["calibrate_appraisal"] = "calibrate_appraisal"
    cycle: Code
    employee: Code
    score: Dec
    reason: Reason


class CloseAppraisalCycle(Action):
    """Close a cycle: every appraisal with goals must be finalised; nothing changes after."""

    action: Literal["close_appraisal_cycle"] = "close_appraisal_cycle"
    cycle: Code


# --- recruitment ---------------------------------------------------------------------------------


class RaiseRequisition(Action):
    """Ask to hire `count` people for a position; numbered REQ-<fy>-nnnnnn. `budget` is the most
    monthly base pay an offer of it may carry."""

    action: Literal["raise_requisition"] = "raise_requisition"
    date: dt.date
    position: Name
    department: Code | None = None
    grade: Text = ""
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    budget: Dec | None = None
    reason: Text = ""


class ApproveRequisition(Action):
    """Approve a requisition; only then can its job open."""

    action: Literal["approve_requisition"] = "approve_requisition"
    requisition: Code
    date: dt.date


class CancelRequisition(Action):
    """Cancel a requisition: no more applicants, offers or hires (hires made stay)."""

    action: Literal["cancel_requisition"] = "cancel_requisition"
    requisition: Code
    date: dt.date
    reason: Reason


class OpenJob(Action):
    """Publish the job opening of an approved requisition."""

    action: Literal["open_job"] = "open_job"
    requisition: Code
    date: dt.date
    title: Name
    description: Annotated[str, Field(max_length=5000)] = ""


class AddApplicant(Action):
    """An applicant to an open job; numbered APP-<fy>-nnnnnn."""

    action: Literal["add_applicant"] = "add_applicant"
    requisition: Code
    date: dt.date
    name: Name
    source: Text = ""


class RecordInterview(Action):
    """Structured interview feedback: a score from 1 to 5 per criterion and a recommendation."""

    action: Literal["record_interview"] = "record_interview"
    requisition: Code
    applicant: Code
    date: dt.date
    interviewer: Name
    round: Text = ""
    scores: Annotated[dict[Code, Dec], Field(min_length=1, max_length=30)]
    recommendation: Literal["hire", "no_hire", "undecided"]
    notes: Annotated[str, Field(max_length=5000)] = ""


class RejectApplicant(Action):
    action: Literal["reject_applicant"] = "reject_applicant"
    requisition: Code
    applicant: Code
    date: dt.date
    reason: Reason


class MakeOffer(Action):
    """Offer the job to an applicant; numbered OFF-<fy>-nnnnnn. Refused when the offers still
    outstanding or accepted plus the hires already fill the requisition's count."""

    action: Literal["make_offer"] = "make_offer"
    requisition: Code
    applicant: Code
    date: dt.date
    base_pay: Dec
    joining_date: dt.date
    valid_until: dt.date | None = None
    grade: Text | None = None


class AcceptOffer(Action):
    action: Literal["accept_offer"] = "accept_offer"
    requisition: Code
    offer: Code
    date: dt.date


class DeclineOffer(Action):
    action: Literal["decline_offer"] = "decline_offer"
    requisition: Code
    offer: Code
    date: dt.date
    reason: Reason


class HireApplicant(Action):
    """Hire an accepted offer: the employee is created by the same rules as `hire_employee`,
    with the offer's terms (name, position, department, grade, joining date, base pay)."""

    action: Literal["hire_applicant"] = "hire_applicant"
    requisition: Code
    offer: Code
    manager: Code | None = None
    cost_centre: Code | None = None
    working_pattern: Text = ""
    birth_date: dt.date | None = None
    national_id: Text | None = None
    bank_account: Text | None = None


class DefinePayGroup(Action):
    """A pay group: its employees (record field `pay_group`) are paid by their own payroll run
    per period: `monthly` (runs named YYYY-MM), `weekly` (ISO weeks, Monday to Sunday, named
    YYYYWww) or `fortnightly` (14 days from `anchor`, a Monday, and every 14 days before and
    after it; named by the ISO week they start in)."""

    action: Literal["define_pay_group"] = "define_pay_group"
    code: Code
    name: Name
    frequency: Literal["monthly", "weekly", "fortnightly"] = "monthly"
    anchor: dt.date | None = None


# --- time and leave ------------------------------------------------------------------------------


class DefineLeaveType(Action):
    """Define a leave type (or change its terms): paid, unpaid (`paid_fraction` 0) or partly
    paid; days accrued per month of employment; whether requests may overdraw the balance."""

    action: Literal["define_leave_type"] = "define_leave_type"
    code: Code
    name: Name
    paid_fraction: Dec = Decimal(1)
    accrual_per_month: Dec = Decimal(0)
    allow_negative: bool = False

    @model_validator(mode="after")
    def _terms(self) -> DefineLeaveType:
        if not self.paid_fraction.is_finite() or not 0 <= self.paid_fraction <= 1:
            raise ValueError("paid_fraction: must be from 0 to 1")
        if not self.accrual_per_month.is_finite() or not 0 <= self.accrual_per_month <= 31:
            raise ValueError("accrual_per_month: must be from 0 to 31 days")
        return self


class AllocateLeave(Action):
    """Credit days to an employee's leave balance (negative days take them off): an opening
    balance, a yearly grant, a carry-over or a correction."""

    action: Literal["allocate_leave"] = "allocate_leave"
    employee: Code
    leave_type: Code
    date: dt.date
    days: Dec
    reason: Reason

    @model_validator(mode="after")
    def _days(self) -> AllocateLeave:
        if not self.days.is_finite() or self.days == 0 or abs(self.days) > 366:
            raise ValueError("days: must be non-zero and at most 366 either way")
        if self.days != self.days.quantize(Decimal("0.01")):
            raise ValueError("days: at most two decimals")
        return self


class RequestLeave(Action):
    """Ask for leave from `date_from` to `date_to` (working days count); numbered
    LR-<fy>-nnnnnn. Refused when it overlaps other leave or attendance, or when it overdraws
    the balance of a type that does not allow it."""

    action: Literal["request_leave"] = "request_leave"
    employee: Code
    leave_type: Code
    date_from: dt.date
    date_to: dt.date
    reason: Text = ""

    @model_validator(mode="after")
    def _range(self) -> RequestLeave:
        if self.date_to < self.date_from:
            raise ValueError("date_to: is before date_from")
        if (self.date_to - self.date_from).days > 366:
            raise ValueError("date_to: a leave request spans at most a year")
        return self


class ApproveLeave(Action):
    """Approve a pending leave request (the balance is checked again)."""

    action: Literal["approve_leave"] = "approve_leave"
    employee: Code
    request: Code


class RejectLeave(Action):
    action: Literal["reject_leave"] = "reject_leave"
    employee: Code
    request: Code
    reason: Reason


class CancelLeave(Action):
    """Withdraw a pending or approved request; its days return to the balance (a payroll
    already posted for those days is not changed: reverse and run it again)."""

    action: Literal["cancel_leave"] = "cancel_leave"
    employee: Code
    request: Code
    reason: Reason


class AttendanceLine(Line):
    day: dt.date
    status: Literal["present", "absent", "half_day"] = "present"
    hours: Dec = Decimal(0)
    overtime_hours: Dec = Decimal(0)


class RecordAttendance(Action):
    """Attendance of one employee per day: present, absent (a day without pay) or half_day
    (half a day without pay), with hours worked and overtime hours (the payroll variable
    `overtime_hours`). A day recorded again is replaced."""

    action: Literal["record_attendance"] = "record_attendance"
    employee: Code
    days: Annotated[list[AttendanceLine], Field(min_length=1, max_length=400)]

    @model_validator(mode="after")
    def _days(self) -> RecordAttendance:
        seen: set[dt.date] = set()
        for i, d in enumerate(self.days):
            if d.day in seen:
                raise ValueError(f"days[{i}].day: {d.day} appears twice")
            seen.add(d.day)
            for name in ("hours", "overtime_hours"):
                v = getattr(d, name)
                if not v.is_finite() or not 0 <= v <= 24:
                    raise ValueError(f"days[{i}].{name}: must be from 0 to 24")
            if d.hours + d.overtime_hours > 24:
                raise ValueError(f"days[{i}]: hours and overtime exceed 24")
            if d.status == "absent" and (d.hours or d.overtime_hours):
                raise ValueError(f"days[{i}]: an absent day has no hours")
        return self
