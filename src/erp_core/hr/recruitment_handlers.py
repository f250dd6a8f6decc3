"""Recruitment actions: requisition -> approval -> job opening -> applicants -> interviews ->
offer -> accepted / declined -> hire (through `hr.handlers.hire`, the rules of hire_employee).
Each checks everything first, then records on the requisition's stream (one save)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.hr.commands import (
    AcceptOffer,
    AddApplicant,
    ApproveRequisition,
    CancelRequisition,
    DeclineOffer,
    HireApplicant,
    HireEmployee,
    MakeOffer,
    OpenJob,
    RaiseRequisition,
    RecordInterview,
    RejectApplicant,
)
from erp_core.hr.employees import employee_of, employee_stream, record_change
from erp_core.hr.events import (
    ApplicantAdded,
    ApplicantHired,
    ApplicantRejected,
    InterviewRecorded,
    JobOpened,
    OfferAccepted,
    OfferDeclined,
    OfferMade,
    RequisitionApproved,
    RequisitionCancelled,
    RequisitionRaised,
)
from erp_core.hr.handlers import _check_dimension, hire
from erp_core.hr.recruitment import Applicant, Offer, Requisition, requisition_stream
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.posting import check_money, company_of, next_document

SCORE_MIN, SCORE_MAX = Decimal(1), Decimal(5)
OFFER_VALID_DAYS = 14


def _requisition(uow: UnitOfWork, number: str, *, active: bool = True) -> Requisition:
    req = uow.get(Requisition, requisition_stream(number))
    if req.raised is None:
        raise NotFound(f"requisition: unknown requisition {number!r}")
    if active and req.cancelled is not None:
        raise ValidationError("requisition", f"{number} is cancelled")
    return req


def _not_before(day: dt.date, earlier: dt.date, what: str, field: str = "date") -> None:
    if day < earlier:
        raise ValidationError(field, f"{day} is before {what} ({earlier})")


def _open(req: Requisition, number: str) -> JobOpened:
    if req.opened is None:
        raise ValidationError("requisition", f"{number} has no job opening (open_job)")
    if req.hired >= req.count:
        raise ValidationError("requisition", f"{number} is filled ({req.hired} of {req.count})")
    return req.opened


def _applicant(req: Requisition, applicant: str) -> Applicant:
    a = req.applicants.get(applicant)
    if a is None:
        raise NotFound(f"applicant: {applicant!r} did not apply to this requisition")
    return a


def _offer(req: Requisition, offer: str) -> Offer:
    o = req.offers.get(offer)
    if o is None:
        raise NotFound(f"offer: {offer!r} is not an offer of this requisition")
    return o


@handles(RaiseRequisition)
def raise_requisition(cmd: RaiseRequisition, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    department = _check_dimension(uow, "department", cmd.department, "department")
    if cmd.budget is not None:
        if cmd.budget <= 0:
            raise ValidationError("budget", "must be positive when given")
        check_money(cmd.budget, company_of(uow).base_currency, "budget")
    number = next_document(uow, "REQ", cmd.date, ctx.actor, ctx.now)
    req = uow.get(Requisition, requisition_stream(number))
    req.trigger(
        ctx.event(
            RequisitionRaised,
            requisition=number,
            date=cmd.date,
            position=cmd.position,
            department=department,
            grade=cmd.grade,
            count=cmd.count,
            budget=cmd.budget,
            reason=cmd.reason,
        )
    )
    return [number]


@handles(ApproveRequisition)
def approve_requisition(cmd: ApproveRequisition, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    assert req.raised is not None
    if req.approved is not None:
        raise ValidationError("requisition", f"{cmd.requisition} is approved already")
    _not_before(cmd.date, req.raised.date, "the requisition")
    req.trigger(ctx.event(RequisitionApproved, requisition=cmd.requisition, date=cmd.date))
    return []


@handles(CancelRequisition)
def cancel_requisition(cmd: CancelRequisition, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    assert req.raised is not None
    if req.hired >= req.count:
        raise ValidationError("requisition", f"{cmd.requisition} is filled")
    pending = [n for n, o in req.offers.items() if o.status in ("outstanding", "accepted")]
    if pending:
        raise ValidationError(
            "requisition", f"offers are open: {', '.join(pending)} (decline or hire them first)"
        )
    _not_before(cmd.date, req.raised.date, "the requisition")
    req.trigger(
        ctx.event(
            RequisitionCancelled, requisition=cmd.requisition, date=cmd.date, reason=cmd.reason
        )
    )
    return []


@handles(OpenJob)
def open_job(cmd: OpenJob, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    if req.approved is None:
        raise ValidationError("requisition", f"{cmd.requisition} is not approved")
    if req.opened is not None:
        raise ValidationError("requisition", f"{cmd.requisition}'s job is open already")
    _not_before(cmd.date, req.approved.date, "the approval")
    req.trigger(
        ctx.event(
            JobOpened,
            requisition=cmd.requisition,
            date=cmd.date,
            title=cmd.title,
            description=cmd.description,
        )
    )
    return []


@handles(AddApplicant)
def add_applicant(cmd: AddApplicant, ctx: Context) -> list[str]:
    uow = ctx.uow
    req = _requisition(uow, cmd.requisition)
    opened = _open(req, cmd.requisition)
    _not_before(cmd.date, opened.date, "the job opening")
    number = next_document(uow, "APP", cmd.date, ctx.actor, ctx.now)
    req.trigger(
        ctx.event(
            ApplicantAdded,
            requisition=cmd.requisition,
            applicant=number,
            date=cmd.date,
            name=cmd.name,
            source=cmd.source,
        )
    )
    return [number]


@handles(RecordInterview)
def record_interview(cmd: RecordInterview, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    a = _applicant(req, cmd.applicant)
    if a.rejected is not None or a.hired is not None:
        raise ValidationError("applicant", f"{cmd.applicant} is {a.stage}")
    _not_before(cmd.date, a.added.date, "the application")
    for criterion, score in cmd.scores.items():
        if not SCORE_MIN <= score <= SCORE_MAX:
            raise ValidationError(
                f"scores.{criterion}", f"{score} is outside {SCORE_MIN}..{SCORE_MAX}"
            )
    average = sum(cmd.scores.values(), Decimal(0)) / len(cmd.scores)
    req.trigger(
        ctx.event(
            InterviewRecorded,
            requisition=cmd.requisition,
            applicant=cmd.applicant,
            date=cmd.date,
            interviewer=cmd.interviewer,
            round=cmd.round,
            scores=dict(cmd.scores),
            average=average.quantize(Decimal("0.01")),
            recommendation=cmd.recommendation,
            notes=cmd.notes,
        )
    )
    return []


@handles(RejectApplicant)
def reject_applicant(cmd: RejectApplicant, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    a = _applicant(req, cmd.applicant)
    if a.rejected is not None or a.hired is not None:
        raise ValidationError("applicant", f"{cmd.applicant} is {a.stage} already")
    if any(req.offers[o].status in ("outstanding", "accepted") for o in a.offers):
        raise ValidationError("applicant", f"{cmd.applicant} holds an open offer")
    _not_before(cmd.date, a.added.date, "the application")
    req.trigger(
        ctx.event(
            ApplicantRejected,
            requisition=cmd.requisition,
            applicant=cmd.applicant,
            date=cmd.date,
            reason=cmd.reason,
        )
    )
    return []


@handles(MakeOffer)
def make_offer(cmd: MakeOffer, ctx: Context) -> list[str]:
    uow = ctx.uow
    req = _requisition(uow, cmd.requisition)
    raised = req.raised
    assert raised is not None
    _open(req, cmd.requisition)
    a = _applicant(req, cmd.applicant)
    if a.rejected is not None or a.hired is not None:
        raise ValidationError("applicant", f"{cmd.applicant} is {a.stage}")
    if any(req.offers[o].status in ("outstanding", "accepted") for o in a.offers):
        raise ValidationError("applicant", f"{cmd.applicant} holds an open offer already")
    if req.committed >= req.count:
        raise ValidationError(
            "requisition",
            f"{cmd.requisition} is for {req.count}: {req.hired} hired and "
            f"{req.committed - req.hired} offers open or accepted leave no place",
        )
    if cmd.base_pay <= 0:
        raise ValidationError("base_pay", "must be positive")
    check_money(cmd.base_pay, company_of(uow).base_currency, "base_pay")
    if raised.budget is not None and cmd.base_pay > raised.budget:
        raise ValidationError(
            "base_pay", f"{cmd.base_pay:f} exceeds the requisition's budget {raised.budget:f}"
        )
    _not_before(cmd.date, a.added.date, "the application")
    _not_before(cmd.joining_date, cmd.date, "the offer", "joining_date")
    valid_until = cmd.valid_until or cmd.date + dt.timedelta(days=OFFER_VALID_DAYS)
    _not_before(valid_until, cmd.date, "the offer", "valid_until")
    number = next_document(uow, "OFF", cmd.date, ctx.actor, ctx.now)
    req.trigger(
        ctx.event(
            OfferMade,
            requisition=cmd.requisition,
            offer=number,
            applicant=cmd.applicant,
            date=cmd.date,
            position=raised.position,
            department=raised.department,
            grade=raised.grade if cmd.grade is None else cmd.grade,
            base_pay=cmd.base_pay,
            joining_date=cmd.joining_date,
            valid_until=valid_until,
        )
    )
    return [number]


def _open_offer(req: Requisition, offer: str) -> Offer:
    o = _offer(req, offer)
    if o.status != "outstanding":
        raise ValidationError("offer", f"{offer} is {o.status}")
    return o


@handles(AcceptOffer)
def accept_offer(cmd: AcceptOffer, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition)
    o = _open_offer(req, cmd.offer)
    _not_before(cmd.date, o.made.date, "the offer")
    if cmd.date > o.made.valid_until:
        raise ValidationError("date", f"the offer expired on {o.made.valid_until}")
    req.trigger(
        ctx.event(OfferAccepted, requisition=cmd.requisition, offer=cmd.offer, date=cmd.date)
    )
    return []


@handles(DeclineOffer)
def decline_offer(cmd: DeclineOffer, ctx: Context) -> list[str]:
    req = _requisition(ctx.uow, cmd.requisition, active=False)
    o = _open_offer(req, cmd.offer)
    _not_before(cmd.date, o.made.date, "the offer")
    req.trigger(
        ctx.event(
            OfferDeclined,
            requisition=cmd.requisition,
            offer=cmd.offer,
            date=cmd.date,
            reason=cmd.reason,
        )
    )
    return []


@handles(HireApplicant)
def hire_applicant(cmd: HireApplicant, ctx: Context) -> list[str]:
    uow = ctx.uow
    req = _requisition(uow, cmd.requisition)
    o = _offer(req, cmd.offer)
    if o.status != "accepted":
        raise ValidationError("offer", f"{cmd.offer} is {o.status}, not accepted")
    if req.hired >= req.count:  # cannot happen while offers are counted; checked regardless
        raise ValidationError("requisition", f"{cmd.requisition} is filled")
    made = o.made
    a = _applicant(req, made.applicant)
    number = hire(
        HireEmployee(
            name=a.added.name,
            joining_date=made.joining_date,
            department=made.department or None,
            position=made.position,
            grade=made.grade,
            manager=cmd.manager,
            cost_centre=cmd.cost_centre,
            working_pattern=cmd.working_pattern,
            birth_date=cmd.birth_date,
            national_id=cmd.national_id,
            bank_account=cmd.bank_account,
        ),
        ctx,
        offer=cmd.offer,
    )
    emp = employee_of(uow, number)
    assert emp.id == employee_stream(number)
    record_change(
        ctx, emp, made.joining_date, {"base_pay": f"{made.base_pay:f}"}, f"offer {cmd.offer}"
    )
    req.trigger(
        ctx.event(
            ApplicantHired,
            requisition=cmd.requisition,
            offer=cmd.offer,
            applicant=made.applicant,
            employee=number,
            joining_date=made.joining_date,
        )
    )
    return [number]
