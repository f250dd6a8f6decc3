"""Recruitment as events: one stream per requisition (`requisition:<number>`) holds its
approval, the job opening, applicants, interviews, offers and hires, so the count is enforced
by one aggregate (two concurrent offers conflict on it and one retries).

Counting (erpnext#19592, staffing counts off by one): a requisition of `count` people is
*committed* by its hires plus the offers made and not declined (outstanding or accepted, not
yet hired); an offer is refused when committed >= count, a hire when hired >= count. A
declined offer frees its place. Vacancies = count - committed, never below zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
from erp_core.kernel.aggregate import Aggregate


def requisition_stream(number: str) -> str:
    return f"requisition:{number}"


@dataclass
class Applicant:
    added: ApplicantAdded
    interviews: list[InterviewRecorded] = field(default_factory=list)
    rejected: ApplicantRejected | None = None
    offers: list[str] = field(default_factory=list)
    hired: str | None = None  # the employee number

    @property
    def stage(self) -> str:
        if self.hired:
            return "hired"
        if self.rejected:
            return "rejected"
        if self.offers:
            return "offered"
        if self.interviews:
            return "interviewed"
        return "applied"


@dataclass
class Offer:
    made: OfferMade
    accepted: OfferAccepted | None = None
    declined: OfferDeclined | None = None
    hired: ApplicantHired | None = None

    @property
    def status(self) -> str:
        if self.hired:
            return "hired"
        if self.declined:
            return "declined"
        if self.accepted:
            return "accepted"
        return "outstanding"


class Requisition(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.raised: RequisitionRaised | None = None
        self.approved: RequisitionApproved | None = None
        self.cancelled: RequisitionCancelled | None = None
        self.opened: JobOpened | None = None
        self.applicants: dict[str, Applicant] = {}
        self.offers: dict[str, Offer] = {}

    def _on_raised(self, e: RequisitionRaised) -> None:
        self.raised = e

    def _on_approved(self, e: RequisitionApproved) -> None:
        self.approved = e

    def _on_cancelled(self, e: RequisitionCancelled) -> None:
        self.cancelled = e

    def _on_opened(self, e: JobOpened) -> None:
        self.opened = e

    def _on_applicant(self, e: ApplicantAdded) -> None:
        self.applicants[e.applicant] = Applicant(e)

    def _on_interview(self, e: InterviewRecorded) -> None:
        self.applicants[e.applicant].interviews.append(e)

    def _on_rejected(self, e: ApplicantRejected) -> None:
        self.applicants[e.applicant].rejected = e

    def _on_offer(self, e: OfferMade) -> None:
        self.offers[e.offer] = Offer(e)
        self.applicants[e.applicant].offers.append(e.offer)

    def _on_accepted(self, e: OfferAccepted) -> None:
        self.offers[e.offer].accepted = e

    def _on_declined(self, e: OfferDeclined) -> None:
        self.offers[e.offer].declined = e

    def _on_hired(self, e: ApplicantHired) -> None:
        self.offers[e.offer].hired = e
        self.applicants[e.applicant].hired = e.employee

    handlers = {
        RequisitionRaised: _on_raised,
        RequisitionApproved: _on_approved,
        RequisitionCancelled: _on_cancelled,
        JobOpened: _on_opened,
        ApplicantAdded: _on_applicant,
        InterviewRecorded: _on_interview,
        ApplicantRejected: _on_rejected,
        OfferMade: _on_offer,
        OfferAccepted: _on_accepted,
        OfferDeclined: _on_declined,
        ApplicantHired: _on_hired,
    }

    @property
    def count(self) -> int:
        return self.raised.count if self.raised else 0

    @property
    def hired(self) -> int:
        return sum(1 for o in self.offers.values() if o.hired)

    @property
    def committed(self) -> int:
        """Hires plus offers made and not declined."""
        return sum(1 for o in self.offers.values() if o.declined is None)

    @property
    def vacancies(self) -> int:
        return max(self.count - self.committed, 0)

    @property
    def filled_on(self) -> dt.date | None:
        """The date the offer that filled the count was accepted (None while not filled):
        time to fill runs from the approval to this date."""
        hires = sorted(o.accepted.date for o in self.offers.values() if o.hired and o.accepted)
        return hires[self.count - 1] if self.raised and len(hires) >= self.count else None

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.hired >= self.count:
            return "filled"
        if self.opened:
            return "open"
        if self.approved:
            return "approved"
        return "awaiting approval"
