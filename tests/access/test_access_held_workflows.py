"""Approval workflows for documents whose area posts at once (journal vouchers, payments,
supplier invoices, payroll runs, asset disposals, stock counts): the action is held by
`submit_for_approval` and applied, as its submitter, by the last approval; conditions on amount
and cost centre; escalation after a time limit; rejection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from erp_core.projections.access import approval_history, approvals_waiting, escalations_due

from erp_core import Erp
from erp_core.access.events import (
    ApprovalLevel,
    DocumentApprovalEscalated,
    SubmittedActionApplied,
)
from erp_core.access.workflow import required_levels
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.ledger.events import VoucherPosted

D = Decimal


class Clock:
    """A clock the test moves: days pass between submission and escalation."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now


class Books:
    def __init__(self, url: str) -> None:
        self.clock = Clock()
        self.url = url
        self.admin = Erp.open(url, actor="tester", clock=self.clock)
        self.admin.init("Test Co", "EUR", dt.date(2026, 1, 1))
        self.admin.add_dimension_value(dimension="cost_centre", code="RD", name="Research")
        self.admin.define_role(code="controller", name="Controller", permissions=["report:*"])
        self.admin.define_role(code="director", name="Director", permissions=["report:*"])
        for code, role in (
            ("alice", "accountant"),
            ("carol", "controller"),
            ("dan", "director"),
        ):
            self.admin.create_user(code=code, name=code.title())
            self.admin.grant_role(user=code, role=role)
        self.admin.grant_role(user="alice", role="controller")
        self.opened: dict[str, Erp] = {}

    def as_(self, actor: str) -> Erp:
        if actor not in self.opened:
            self.opened[actor] = Erp.open(self.url, actor=actor, clock=self.clock)
        return self.opened[actor]

    def close(self) -> None:
        for books in self.opened.values():
            books.close()
        self.admin.close()

    def vouchers(self) -> list[VoucherPosted]:
        return [
            e
            for r in self.admin.store.iter_log()
            if isinstance(e := r.event(), VoucherPosted) and e.kind == "manual"
        ]


def voucher(amount: str, cost_centre: str | None = None) -> dict[str, object]:
    debit: dict[str, object] = {"account": "6200", "debit": amount}
    if cost_centre:
        debit["dimensions"] = {"cost_centre": cost_centre}
    return {
        "action": "post_voucher",
        "date": "2026-03-02",
        "memo": "rent",
        "lines": [debit, {"account": "1120", "credit": amount}],
    }


@pytest.fixture
def books(tmp_path: object) -> object:
    b = Books(f"sqlite:///{tmp_path}/books.sqlite")
    b.admin.define_approval_workflow(
        document_type="journal_voucher",
        levels=[
            {
                "above": "10000.00",
                "role": "controller",
                "escalate_after_days": 3,
                "escalate_to": "director",
            },
            {"above": "50000.00", "role": "director"},
            {"above": "0", "role": "director", "cost_centres": ["RD"]},
        ],
    )
    yield b
    b.close()


def submit(erp: Erp, held: dict[str, object]) -> str:
    return erp.submit_for_approval(document_type="journal_voucher", held=held).documents[0]


def test_a_voucher_below_every_threshold_posts_at_once(books: Books) -> None:
    books.as_("alice").apply(voucher("500.00"))
    assert len(books.vouchers()) == 1
    with pytest.raises(ValidationError, match="no level .* applies"):
        submit(books.as_("alice"), voucher("500.00"))


def test_a_large_voucher_is_held_until_approved_and_posted_as_its_submitter(
    books: Books,
) -> None:
    alice, carol = books.as_("alice"), books.as_("carol")
    before = books.admin.store.last_position()
    with pytest.raises(ValidationError, match="needs approval in the journal_voucher workflow"):
        alice.apply(voucher("20000.00"))
    assert books.admin.store.last_position() == before  # refused: nothing stored

    request = submit(alice, voucher("20000.00"))
    assert request == "REQ-2026-000001"
    assert books.vouchers() == []  # held: nothing posted yet
    # alice holds controller too, but never approves what she submitted
    with pytest.raises(AccessDenied, match="segregation of duties"):
        alice.approve_document(document_type="journal_voucher", document=request)
    with pytest.raises(AccessDenied, match="needs role controller"):
        books.as_("dan").approve_document(document_type="journal_voucher", document=request)

    waiting = books.admin.query(approvals_waiting, books.clock.now)
    assert [(w.approver, w.document, w.total) for w in waiting] == [
        ("carol", request, D("20000.00"))
    ]
    result = carol.approve_document(document_type="journal_voucher", document=request)
    [posted] = books.vouchers()
    assert posted.actor == "alice"  # who entered it; the approval names carol
    assert result.documents == [request, posted.document]
    assert sum(line.amount for line in posted.lines if line.amount > 0) == D("20000.00")
    steps = [(h.step, h.actor) for h in books.admin.query(approval_history, request)]
    assert steps == [("created", "alice"), ("approved", "carol")]
    assert books.admin.query(approvals_waiting, books.clock.now) == []
    with pytest.raises(ValidationError, match="not waiting for approval"):
        books.as_("dan").approve_document(document_type="journal_voucher", document=request)


def test_above_50000_a_controller_then_a_director(books: Books) -> None:
    request = submit(books.as_("alice"), voucher("60000.00"))
    books.as_("carol").approve_document(document_type="journal_voucher", document=request)
    assert books.vouchers() == []
    books.as_("dan").approve_document(document_type="journal_voucher", document=request)
    assert len(books.vouchers()) == 1


def test_a_cost_centre_condition(books: Books) -> None:
    """Research's vouchers need the director at any amount; others only above 10,000.00."""
    alice = books.as_("alice")
    alice.apply(voucher("900.00"))  # no cost centre: posts at once
    with pytest.raises(ValidationError, match="needs approval"):
        alice.apply(voucher("900.00", cost_centre="RD"))
    request = submit(alice, voucher("900.00", cost_centre="RD"))
    with pytest.raises(AccessDenied, match="needs role director"):
        books.as_("carol").approve_document(document_type="journal_voucher", document=request)
    books.as_("dan").approve_document(document_type="journal_voucher", document=request)
    assert len(books.vouchers()) == 2


def test_escalation_after_the_time_limit(books: Books) -> None:
    alice, dan = books.as_("alice"), books.as_("dan")
    request = submit(alice, voucher("20000.00"))
    books.clock.now += dt.timedelta(days=2)
    assert books.admin.query(escalations_due, books.clock.now) == []
    with pytest.raises(ValidationError, match="waited 2 day.*escalates after 3"):
        dan.escalate_approval(document_type="journal_voucher", document=request)
    with pytest.raises(AccessDenied, match="needs role controller"):
        dan.approve_document(document_type="journal_voucher", document=request)
    books.clock.now += dt.timedelta(days=1)
    assert books.admin.query(escalations_due, books.clock.now) == [("journal_voucher", request)]
    books.admin.escalate_approval(document_type="journal_voucher", document=request)
    [escalated] = [
        e
        for r in books.admin.store.iter_log()
        if isinstance(e := r.event(), DocumentApprovalEscalated)
    ]
    assert (escalated.from_role, escalated.to_role, escalated.waited_days) == (
        "controller",
        "director",
        3,
    )
    with pytest.raises(ValidationError, match="escalated at this level already"):
        books.admin.escalate_approval(document_type="journal_voucher", document=request)
    waiting = books.admin.query(approvals_waiting, books.clock.now)
    assert {w.approver for w in waiting} == {"carol", "dan"}
    dan.approve_document(document_type="journal_voucher", document=request)  # the manager's
    assert len(books.vouchers()) == 1
    steps = [h.step for h in books.admin.query(approval_history, request)]
    assert steps == ["created", "escalated", "approved"]


def test_rejection_cancels_a_held_action_for_good(books: Books) -> None:
    request = submit(books.as_("alice"), voucher("20000.00"))
    carol = books.as_("carol")
    with pytest.raises(ValidationError, match="cannot be edited back in draft"):
        carol.reject_document(
            document_type="journal_voucher", document=request, reason="why", outcome="draft"
        )
    carol.reject_document(
        document_type="journal_voucher", document=request, reason="wrong account", outcome="cancel"
    )
    with pytest.raises(ValidationError, match="not waiting"):
        carol.approve_document(document_type="journal_voucher", document=request)
    assert books.vouchers() == []


def test_the_held_action_is_checked_again_when_applied(books: Books) -> None:
    """The area's own rules run when the last approval applies it: a period closed meanwhile
    refuses the approval, and nothing of it is stored."""
    request = submit(books.as_("alice"), voucher("20000.00"))
    books.admin.close_period(period="2026-03")
    before = books.admin.store.last_position()
    with pytest.raises(ValidationError):
        books.as_("carol").approve_document(document_type="journal_voucher", document=request)
    assert books.admin.store.last_position() == before
    assert not [
        r for r in books.admin.store.iter_log() if isinstance(r.event(), SubmittedActionApplied)
    ]


def test_bad_submissions_are_refused(books: Books) -> None:
    alice = books.as_("alice")
    for held, message in (
        ({"action": "pay_supplier"}, "holds the action 'post_voucher'"),
        ({**voucher("20000.00"), "lines": []}, "held.lines"),
        ({**voucher("20000.00"), "bogus": 1}, "held.bogus"),
    ):
        with pytest.raises(ValidationError, match=message):
            submit(alice, held)
    with pytest.raises(ValidationError, match="no approval workflow is defined for payment"):
        alice.submit_for_approval(
            document_type="payment",
            held={"action": "pay_supplier", "supplier": "X", "date": "2026-03-02", "amount": "5"},
        )


def test_bad_workflow_levels_are_refused(books: Books) -> None:
    for level, message in (
        ({"role": "controller", "escalate_after_days": 3}, "give both"),
        ({"role": "controller", "escalate_after_days": 3, "escalate_to": "x"}, "unknown role"),
        (
            {"role": "controller", "escalate_after_days": 3, "escalate_to": "controller"},
            "its own role",
        ),
    ):
        with pytest.raises(ValidationError, match=message):
            books.admin.define_approval_workflow(document_type="payment", levels=[level])


def test_which_levels_apply() -> None:
    manager = ApprovalLevel(above=D("10000"), role="m")
    director = ApprovalLevel(above=D("50000"), role="d")
    research = ApprovalLevel(above=D("0"), role="r", cost_centres=("RD",))
    every = ApprovalLevel(above=D("0"), role="e")
    levels = [manager, director, research]
    assert required_levels(levels, D("10000.00"), held=True) == []
    assert required_levels(levels, D("10000.01"), held=True) == [manager]
    assert required_levels(levels, D("60000"), ("RD",), held=True) == [research, manager, director]
    # an amount not known before the action runs (a payroll run): levels starting at 0 apply
    assert required_levels([manager, every], None, held=True) == [every]
    # a document its area holds in draft needs at least the first level
    assert required_levels([manager], D("5"), held=False) == [manager]
