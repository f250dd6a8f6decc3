"""The HR projection: employees, their effective-dated record changes, personal data (kept
apart, so reports know what to mark and `--redact` masks), and leave days.

Personal data is kept here as stored: ciphertext for encrypted events (`{"encrypted": {...}}`),
decrypted only when a query reads it, through the key table outside the projections; so no
plaintext of an encrypted event is ever in a projection, and a rebuild cannot bring back what an
erasure destroyed. An erasure replaces the employee's rows by one `{"erased": ...}` marker and
destroys the key (again: idempotent), which completes an erasure whose writer died between
storing the event and destroying the key.

The record as of a date is folded from `hr_record_changes` by `erp_core.hr.records` (the same
fold the aggregate uses), so a back-dated change lands in its place in time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import metadata
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Connection, Date, String, Table, Text, delete, select

if TYPE_CHECKING:
    from erp_core.hr.records import RecordChange

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

# Performance reviews and recruitment: their events as stored, folded by the report queries with
# the same pure core the handlers use (so a rebuild gives the same rows by construction).
hr_activity = Table(
    "hr_activity",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("stream", String(200), nullable=False, index=True),
    Column("topic", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
ACTIVITY_EVENTS = frozenset(
    {
        "AppraisalCycleOpened",
        "AppraisalGoalsSet",
        "AppraisalRated",
        "AppraisalFinalised",
        "AppraisalCalibrated",
        "AppraisalCycleClosed",
        "RequisitionRaised",
        "RequisitionApproved",
        "RequisitionCancelled",
        "JobOpened",
        "ApplicantAdded",
        "InterviewRecorded",
        "ApplicantRejected",
        "OfferMade",
        "OfferAccepted",
        "OfferDeclined",
        "ApplicantHired",
        "LeaveTypeDefined",
        "LeaveAllocated",
        "LeaveRequested",
        "LeaveRequestApproved",
        "LeaveRequestRejected",
        "LeaveRequestCancelled",
        "AttendanceRecorded",
    }
)


class HrProjection:
    name = "hr"
    tables: Sequence[Table] = (
        hr_employees,
        hr_record_changes,
        hr_personal,
        hr_leave,
        hr_activity,
    )
    event_names = frozenset(
        {
            "EmployeeHired",
            "EmployeeRecordChanged",
            "EmployeeLeft",
            "PersonalDataRecorded",
            "PersonalDataErased",
            "LeaveRecorded",
        }
        | ACTIVITY_EVENTS
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        employees: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        personal: list[tuple[Any, ...]] = []
        leave: list[tuple[Any, ...]] = []
        activity: list[tuple[Any, ...]] = []
        for position, stream, name, e in records:
            if name in ACTIVITY_EVENTS:
                activity.append(
                    (
                        position,
                        stream,
                        name,
                        json.dumps(e, default=str),
                        str(e.get("recorded_at", "")),
                    )
                )
            elif name == "EmployeeHired":
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
                    "pay_group": e.get("pay_group", ""),
                }
                changes.append((position, e["employee"], e["joining_date"], json.dumps(first)))
            elif name == "EmployeeRecordChanged":
                changes.append((position, e["employee"], e["effective"], json.dumps(e["changes"])))
            elif name == "EmployeeLeft":
                change = json.dumps({"leaving_date": e["leaving_date"]})
                changes.append((position, e["employee"], e["leaving_date"], change))
            elif name == "PersonalDataRecorded":
                stored = {"encrypted": e["fields"]} if e.get("encrypted") else e["fields"]
                personal.append((position, e["employee"], json.dumps(stored)))
            elif name == "PersonalDataErased":
                personal = [p for p in personal if p[1] != e["employee"]]
                conn.execute(delete(hr_personal).where(hr_personal.c.employee == e["employee"]))
                erased = {"erased": str(e["recorded_at"])}
                personal.append((position, e["employee"], json.dumps(erased)))
                _destroy_key(conn, e["employee"], e["reason"], str(e["recorded_at"]))
            else:  # LeaveRecorded
                for d in e["days"]:
                    leave.append((e["employee"], d["day"], d["paid_fraction"], e["leave_type"]))
        insert_rows(conn, hr_employees, employees)
        insert_rows(conn, hr_record_changes, changes)
        insert_rows(conn, hr_personal, personal)
        insert_rows(conn, hr_leave, leave)
        insert_rows(conn, hr_activity, activity)


def _destroy_key(conn: Connection, employee: str, reason: str, when: str) -> None:
    from erp_core.infra.keys import destroy_key, has_keys_table

    if has_keys_table(conn):  # a replay's scratch database has no keys at all
        destroy_key(conn, employee, reason, when)


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
    # imported here: the HR models are not needed to open the books (start-up)
    from erp_core.hr.employees import typed_changes
    from erp_core.hr.events import PERSONAL_FIELDS
    from erp_core.hr.records import RecordChange, record_as_of

    by_employee: dict[str, list[RecordChange]] = {}
    for row in conn.execute(
        select(hr_record_changes).order_by(hr_record_changes.c.position)
    ).mappings():
        raw = json.loads(row["changes"])
        by_employee.setdefault(row["employee"], []).append(
            RecordChange(_date(row["effective"]), typed_changes(raw), sequence=row["position"])
        )
    personal = _personal_data(conn)
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


def _personal_data(conn: Connection) -> dict[str, dict[str, str | None]]:
    """Each employee's personal fields, decrypted through the key table (`[erased]` once an
    erasure destroyed the key)."""
    from erp_core.hr.events import PERSONAL_FIELDS
    from erp_core.hr.personal import ERASED, decrypt_fields
    from erp_core.infra.keys import read_keys

    rows = conn.execute(select(hr_personal).order_by(hr_personal.c.position)).mappings().all()
    keys = read_keys(conn, {row["employee"] for row in rows})
    personal: dict[str, dict[str, str | None]] = {}
    for row in rows:
        employee = row["employee"]
        stored = json.loads(row["fields"])
        if "erased" in stored:
            personal[employee] = {f: ERASED for f in PERSONAL_FIELDS}
            continue
        encrypted = "encrypted" in stored
        fields = stored["encrypted"] if encrypted else stored
        state = keys.get(employee)
        personal.setdefault(employee, {}).update(decrypt_fields(state, employee, fields, encrypted))
    return personal


# --- performance reviews ---------------------------------------------------------------------


def fold_stream(conn: Connection, stream: str, aggregate: Any) -> Any:
    """Replay the stored activity of one stream into a fresh aggregate (the handlers' fold)."""
    from erp_core.kernel.events import EVENT_TYPES

    rows = conn.execute(
        select(hr_activity.c.topic, hr_activity.c.payload)
        .where(hr_activity.c.stream == stream)
        .order_by(hr_activity.c.position)
    ).all()
    aggregate.replay(
        (i, EVENT_TYPES[topic].model_validate_json(payload))
        for i, (topic, payload) in enumerate(rows, 1)
    )
    return aggregate


class AppraisalRow(BaseModel):
    cycle: str
    employee: str
    name: str
    department: str
    kras: int
    self_score: str | None
    manager_score: str | None
    peers_score: str | None
    peers: int
    missing: str
    weighted: str | None
    final: str | None
    calibrated: str | None
    rating: str | None
    status: str


def appraisals(conn: Connection, cycle: str) -> list[AppraisalRow]:
    """Every appraisal of a cycle: each rater's score, the final score and rating."""
    from erp_core.hr.appraisals import AppraisalCycle, cycle_stream
    from erp_core.kernel.errors import NotFound

    state = fold_stream(conn, cycle_stream(cycle), AppraisalCycle(cycle_stream(cycle)))
    if state.opened is None:
        raise NotFound(f"cycle: unknown appraisal cycle {cycle!r}")
    people = {r.employee: r for r in employees_as_of(conn, state.opened.period_to, False, True)}
    out: list[AppraisalRow] = []

    def f(d: Any) -> str | None:
        return None if d is None else f"{d.quantize(Decimal('0.0001')).normalize():f}"

    for employee, a in sorted(state.appraisals.items()):
        person = people.get(employee)
        peers = [p.score for p in a.peers.values()]
        fin = a.finalised
        status = "goals set"
        if a.rated:
            status = "rated"
        if fin is not None:
            status = "finalised"
        if a.calibrated is not None:
            status = "calibrated"
        out.append(
            AppraisalRow(
                cycle=cycle,
                employee=employee,
                name=person.name if person else "",
                department=person.department if person else "",
                kras=len(a.goals.kras),
                self_score=f(a.self_rating.score) if a.self_rating else None,
                manager_score=f(a.manager_rating.score) if a.manager_rating else None,
                peers_score=f(sum(peers, Decimal(0)) / len(peers)) if peers else None,
                peers=len(peers),
                missing=", ".join(fin.missing) if fin else "",
                weighted=f(fin.weighted) if fin else None,
                final=f"{fin.final:f}" if fin else None,
                calibrated=f"{a.calibrated.score:f}" if a.calibrated else None,
                rating=(a.calibrated.rating if a.calibrated else fin.rating if fin else None),
                status=status,
            )
        )
    return out


class RatingDistributionRow(BaseModel):
    department: str
    rating: str
    count: int
    share: str  # percent of the department's rated appraisals


def rating_distribution(conn: Connection, cycle: str) -> list[RatingDistributionRow]:
    """How many appraisals of each department got each rating (finalised or calibrated)."""
    counts: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for row in appraisals(conn, cycle):
        if row.rating is None:
            continue
        key = (row.department, row.rating)
        counts[key] = counts.get(key, 0) + 1
        totals[row.department] = totals.get(row.department, 0) + 1
    return [
        RatingDistributionRow(
            department=dept,
            rating=rating,
            count=n,
            share=f"{(Decimal(100) * n / totals[dept]).quantize(Decimal('0.1'))}",
        )
        for (dept, rating), n in sorted(counts.items())
    ]


# --- recruitment -----------------------------------------------------------------------------


class RequisitionRow(BaseModel):
    requisition: str
    position: str
    department: str
    count: int
    status: str
    raised: dt.date
    approved: dt.date | None
    opened: dt.date | None
    applied: int  # by stage: where each applicant is now
    interviewed: int
    offered: int
    rejected: int
    hired: int
    offers_accepted: int  # offers ever accepted (hired ones included)
    offers_declined: int
    acceptance_rate: str | None  # accepted / (accepted + declined), percent
    vacancies: int  # count - hires - offers open or accepted
    filled_on: dt.date | None
    days_to_fill: int | None  # approval to the acceptance that filled the count


def recruitment(conn: Connection, requisition: str | None = None) -> list[RequisitionRow]:
    """Every requisition: pipeline by stage, vacancies, time to fill, offer acceptance rate."""
    from erp_core.hr.recruitment import Requisition, requisition_stream

    if requisition is not None:
        streams = [requisition_stream(requisition)]
    else:
        streams = [
            s
            for (s,) in conn.execute(
                select(hr_activity.c.stream)
                .where(hr_activity.c.topic == "RequisitionRaised")
                .order_by(hr_activity.c.position)
            )
        ]
    out: list[RequisitionRow] = []
    for stream in streams:
        req = fold_stream(conn, stream, Requisition(stream))
        raised = req.raised
        if raised is None:
            from erp_core.kernel.errors import NotFound

            raise NotFound(f"requisition: unknown requisition {requisition!r}")
        stages = [a.stage for a in req.applicants.values()]
        accepted = sum(1 for o in req.offers.values() if o.accepted)
        declined = sum(1 for o in req.offers.values() if o.declined)
        decided = accepted + declined
        filled = req.filled_on
        out.append(
            RequisitionRow(
                requisition=raised.requisition,
                position=raised.position,
                department=raised.department,
                count=raised.count,
                status=req.status,
                raised=raised.date,
                approved=req.approved.date if req.approved else None,
                opened=req.opened.date if req.opened else None,
                applied=stages.count("applied"),
                interviewed=stages.count("interviewed"),
                offered=stages.count("offered"),
                rejected=stages.count("rejected"),
                hired=stages.count("hired"),
                offers_accepted=accepted,
                offers_declined=declined,
                acceptance_rate=(
                    f"{(Decimal(100) * accepted / decided).quantize(Decimal('0.1'))}"
                    if decided
                    else None
                ),
                vacancies=0 if req.cancelled else req.vacancies,
                filled_on=filled,
                days_to_fill=(
                    (filled - req.approved.date).days if filled and req.approved else None
                ),
            )
        )
    return out


# --- headcount -------------------------------------------------------------------------------


class HeadcountRow(BaseModel):
    department: str
    headcount: int  # employed on `as_of`
    joiners: int  # joined from `since` to `as_of`
    leavers: int  # last day from `since` to `as_of` (before `as_of`: no longer counted)
    open_requisitions: int
    vacancies: int  # of open or approved requisitions: count - hires - open/accepted offers


def headcount(conn: Connection, as_of: dt.date, since: dt.date | None = None) -> list[HeadcountRow]:
    """Headcount per department on a date, joiners and leavers since a date (default the first
    of `as_of`'s month), and the vacancies of the requisitions not filled or cancelled."""
    start = since or as_of.replace(day=1)
    rows = employees_as_of(conn, as_of, False, True)
    out: dict[str, dict[str, int]] = {}

    def bucket(dept: str) -> dict[str, int]:
        return out.setdefault(
            dept,
            {"headcount": 0, "joiners": 0, "leavers": 0, "open_requisitions": 0, "vacancies": 0},
        )

    for r in rows:
        b = bucket(r.department)
        if r.employed:
            b["headcount"] += 1
        if start <= r.joining_date <= as_of:
            b["joiners"] += 1
        if r.leaving_date is not None and start <= r.leaving_date <= as_of:
            b["leavers"] += 1
    for req in recruitment(conn):
        if req.status in ("filled", "cancelled") or req.raised > as_of:
            continue
        b = bucket(req.department)
        b["open_requisitions"] += 1
        b["vacancies"] += req.vacancies
    return [HeadcountRow(department=d, **v) for d, v in sorted(out.items())]


# --- time and leave --------------------------------------------------------------------------


class LeaveBalanceRow(BaseModel):
    employee: str
    name: str
    leave_type: str
    credited: Decimal  # allocations and accrual up to `as_of`
    taken: Decimal  # approved days up to `as_of`
    booked: Decimal  # approved days after `as_of` and pending requests
    balance: Decimal  # credited - taken - booked
    allow_negative: bool


def leave_balances(
    conn: Connection, as_of: dt.date, employee: str | None = None
) -> list[LeaveBalanceRow]:
    """Each employee's balance per leave type as of a date (types with accrual, allocations or
    requests), by the handlers' own fold of the leave streams."""
    from erp_core.hr.leave import LEAVE_TYPES_STREAM, LeaveAccount, LeaveTypes, leave_stream

    types = fold_stream(conn, LEAVE_TYPES_STREAM, LeaveTypes()).types
    out: list[LeaveBalanceRow] = []
    for row in employees_as_of(conn, as_of, False, True):
        if employee and row.employee != employee:
            continue
        stream = leave_stream(row.employee)
        account = fold_stream(conn, stream, LeaveAccount(stream))
        for code, kind in sorted(types.items()):
            mine = [r for r in account.requests.values() if r.leave_type == code and r.booked]
            allocated = any(a.leave_type == code for a in account.allocations)
            if not (mine or allocated or kind.accrual_per_month):
                continue
            credited = account.credited(kind, row.joining_date, row.leaving_date, as_of)
            taken = Decimal(
                sum(1 for r in mine if r.status == "approved" for d in r.days if d <= as_of)
            )
            booked = account.used(code) - taken
            out.append(
                LeaveBalanceRow(
                    employee=row.employee,
                    name=row.name,
                    leave_type=code,
                    credited=credited,
                    taken=taken,
                    booked=booked,
                    balance=credited - taken - booked,
                    allow_negative=kind.allow_negative,
                )
            )
    return out


class LeaveRequestRow(BaseModel):
    request: str
    employee: str
    leave_type: str
    date_from: dt.date
    date_to: dt.date
    days: int
    status: str
    paid_fraction: Decimal | None
    reason: str


def leave_requests(
    conn: Connection, status: str | None = None, employee: str | None = None
) -> list[LeaveRequestRow]:
    """Every leave request (numbered LR-...), with its status."""
    from erp_core.hr.leave import LeaveAccount

    streams = [
        s
        for (s,) in conn.execute(
            select(hr_activity.c.stream)
            .where(hr_activity.c.topic == "LeaveRequested")
            .distinct()
            .order_by(hr_activity.c.stream)
        ).all()
    ]
    out = []
    for stream in streams:
        if employee and stream != f"leave:{employee}":
            continue
        account = fold_stream(conn, stream, LeaveAccount(stream))
        for r in account.requests.values():
            if status and r.status != status:
                continue
            out.append(
                LeaveRequestRow(
                    request=r.request,
                    employee=stream.removeprefix("leave:"),
                    leave_type=r.leave_type,
                    date_from=r.date_from,
                    date_to=r.date_to,
                    days=len(r.days),
                    status=r.status,
                    paid_fraction=r.paid_fraction if r.status == "approved" else None,
                    reason=r.reason,
                )
            )
    return sorted(out, key=lambda r: r.request)


class AttendanceRow(BaseModel):
    employee: str
    name: str
    present: int
    half_days: int
    absent: int
    hours: Decimal
    overtime_hours: Decimal


def attendance_summary(conn: Connection, month: str) -> list[AttendanceRow]:
    """Attendance per employee in a month (YYYY-MM): days present, half days, absences, hours
    and overtime hours (what payroll reads)."""
    from erp_core.hr.leave import LeaveAccount

    names = dict(conn.execute(select(hr_employees.c.employee, hr_employees.c.name)).all())
    streams = [
        s
        for (s,) in conn.execute(
            select(hr_activity.c.stream)
            .where(hr_activity.c.topic == "AttendanceRecorded")
            .distinct()
            .order_by(hr_activity.c.stream)
        ).all()
    ]
    out = []
    for stream in streams:
        account = fold_stream(conn, stream, LeaveAccount(stream))
        days = [a for d, a in account.attendance.items() if d.isoformat()[:7] == month]
        if not days:
            continue
        emp = stream.removeprefix("leave:")
        out.append(
            AttendanceRow(
                employee=emp,
                name=names.get(emp, ""),
                present=sum(1 for a in days if a.status == "present"),
                half_days=sum(1 for a in days if a.status == "half_day"),
                absent=sum(1 for a in days if a.status == "absent"),
                hours=sum((a.hours for a in days), Decimal(0)),
                overtime_hours=sum((a.overtime_hours for a in days), Decimal(0)),
            )
        )
    return out
