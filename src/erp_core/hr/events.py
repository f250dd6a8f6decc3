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
PERSONAL_EVENTS: frozenset[str] = frozenset({"PersonalDataRecorded"})
ERASED = "[erased]"
REDACTED = "***"


def redact_personal(event: str, details: dict[str, object]) -> dict[str, object]:
    """An event's stored fields with personal data masked (for trails and exports that show
    events as stored); other events are returned as they are."""
    if event not in PERSONAL_EVENTS:
        return details
    fields = details.get("fields")
    if not isinstance(fields, dict):
        return details
    return {
        **details,
        "fields": {k: (REDACTED if v and v != ERASED else v) for k, v in fields.items()},
    }


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
    pay_group: str = ""  # "" : the default group (runs without a pay group)


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
    """Personal data (marked in every report; `--redact` masks it). With `encrypted` each
    value is ciphertext under the employee's data key (`hr/personal.py`); events stored before
    encryption (no such field) hold plaintext and keep their bytes."""

    employee: str
    fields: dict[str, str | None]
    encrypted: bool = False


class PersonalDataErased(DomainEvent):
    """An erasure request met: the employee's data key was destroyed with this event, so their
    personal data reads `[erased]` everywhere. Holds no personal data."""

    employee: str
    reason: str


class LeaveDayIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    day: dt.date
    paid_fraction: Dec


class LeaveRecorded(DomainEvent):
    employee: str
    leave_type: str
    days: tuple[LeaveDayIn, ...]


# --- performance reviews (stream appraisal-cycle:<code>) -----------------------------------------


class RatingBandOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    lower: Dec  # the band holds final scores from `lower` up to the next band's lower
    label: str


class AppraisalCycleOpened(DomainEvent):
    cycle: str
    name: str
    period_from: dt.date
    period_to: dt.date
    weights: dict[str, Dec]  # self / manager / peers, percent, summing to 100
    formula: str
    places: int
    scale_min: Dec
    scale_max: Dec
    bands: tuple[RatingBandOut, ...]


class KraOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    title: str
    weight: Dec


class AppraisalGoalsSet(DomainEvent):
    """An employee's goals / KRAs for the cycle (weights sum to 100); replaces earlier ones."""

    cycle: str
    employee: str
    kras: tuple[KraOut, ...]


class AppraisalRated(DomainEvent):
    """One rater's ratings per KRA and their weighted score (exact)."""

    cycle: str
    employee: str
    rater: str  # self | manager | peer
    reviewer: str  # who rated (an employee number, or the actor)
    ratings: dict[str, Dec]
    score: Dec


class AppraisalFinalised(DomainEvent):
    """The final score by the cycle's rule (missing parts renormalised) and its rating band."""

    cycle: str
    employee: str
    parts: dict[str, Dec]
    weights_used: dict[str, Dec]
    missing: tuple[str, ...]
    weighted: Dec
    final: Dec
    rating: str


class AppraisalCalibrated(DomainEvent):
    """A calibration committee moved the final score; the rating follows the band."""

    cycle: str
    employee: str
    score: Dec
    rating: str
    reason: str


class AppraisalCycleClosed(DomainEvent):
    cycle: str


# --- recruitment (stream requisition:<number>) ---------------------------------------------------


class RequisitionRaised(DomainEvent):
    requisition: str
    date: dt.date
    position: str
    department: str
    grade: str
    count: int
    budget: Dec | None  # the most base pay (per month) an offer of it may carry
    reason: str


class RequisitionApproved(DomainEvent):
    requisition: str
    date: dt.date


class RequisitionCancelled(DomainEvent):
    requisition: str
    date: dt.date
    reason: str


class JobOpened(DomainEvent):
    requisition: str
    date: dt.date
    title: str
    description: str


class ApplicantAdded(DomainEvent):
    """An applicant (their name is the only personal data kept here; contact details belong
    outside the log until hired)."""

    requisition: str
    applicant: str
    date: dt.date
    name: str
    source: str


class InterviewRecorded(DomainEvent):
    requisition: str
    applicant: str
    date: dt.date
    interviewer: str
    round: str
    scores: dict[str, Dec]  # criterion -> score on 1..5
    average: Dec
    recommendation: str  # hire | no_hire | undecided
    notes: str


class ApplicantRejected(DomainEvent):
    requisition: str
    applicant: str
    date: dt.date
    reason: str


class OfferMade(DomainEvent):
    requisition: str
    offer: str
    applicant: str
    date: dt.date
    position: str
    department: str
    grade: str
    base_pay: Dec
    joining_date: dt.date
    valid_until: dt.date


class OfferAccepted(DomainEvent):
    requisition: str
    offer: str
    date: dt.date


class OfferDeclined(DomainEvent):
    requisition: str
    offer: str
    date: dt.date
    reason: str


class ApplicantHired(DomainEvent):
    """The accepted offer became an employee (with `EmployeeHired.offer` naming the offer)."""

    requisition: str
    offer: str
    applicant: str
    employee: str
    joining_date: dt.date


class PayGroupDefined(DomainEvent):
    """A pay group: employees paid together in one run per period (`frequency`)."""

    code: str
    name: str
    frequency: str  # monthly | weekly | fortnightly
    anchor: dt.date | None = None  # fortnightly: the first day (a Monday) of one fortnight


# --- time and leave (stream leave-types; stream leave:<employee>) --------------------------------


class LeaveTypeDefined(DomainEvent):
    """A leave type (defined again: the new terms apply to requests approved from then on).

    `paid_fraction` is the share of a day's pay kept on a day of it (1 paid, 0 unpaid, 0.5
    half paid); `accrual_per_month` the days credited at the end of each month of employment
    (prorated in the months of joining and leaving); `allow_negative` lets requests overdraw
    the balance (e.g. unpaid leave, which needs no balance at all)."""

    code: str
    name: str
    paid_fraction: Dec
    accrual_per_month: Dec
    allow_negative: bool


class LeaveAllocated(DomainEvent):
    """Days credited (or taken off when negative) to an employee's balance of a leave type on
    `date`: an opening balance, a yearly grant, a carry-over or a correction."""

    employee: str
    leave_type: str
    date: dt.date
    days: Dec
    reason: str


class LeaveRequested(DomainEvent):
    """A request, numbered LR-<fy>-nnnnnn, for the working days `days` between `date_from` and
    `date_to` (rest days are not leave)."""

    employee: str
    request: str
    leave_type: str
    date_from: dt.date
    date_to: dt.date
    days: tuple[dt.date, ...]
    reason: str


class LeaveRequestApproved(DomainEvent):
    """The request's days become leave, paid at the type's `paid_fraction` as of approval."""

    employee: str
    request: str
    paid_fraction: Dec


class LeaveRequestRejected(DomainEvent):
    employee: str
    request: str
    reason: str


class LeaveRequestCancelled(DomainEvent):
    """A pending or approved request withdrawn: its days go back to the balance."""

    employee: str
    request: str
    reason: str


class AttendanceDayIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    day: dt.date
    status: str  # present | absent | half_day
    hours: Dec
    overtime_hours: Dec


class AttendanceRecorded(DomainEvent):
    """Attendance per day; an absence without leave is a day without pay (half a day for
    `half_day`), and overtime hours reach payroll as the variable `overtime_hours`."""

    employee: str
    days: tuple[AttendanceDayIn, ...]
