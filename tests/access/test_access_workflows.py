"""Approval workflows: multi-level approval by amount, segregation of duties per level,
delegation for a period, rejection back to draft or to cancellation, refusals storing nothing,
and the area's own rule kept when no workflow is configured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from pydantic import ValidationError as PydanticError

from erp_core import Erp
from erp_core.access.events import DocumentApprovalGiven, DocumentApprovalRejected
from erp_core.access.tokens import create_token
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError

D = Decimal
LEVELS = [
    {"above": "500.00", "role": "purchasing_manager"},
    {"above": "50000.00", "role": "director"},
]


class Books:
    def __init__(self, erp: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.erp = erp
        self.clock = clock
        self.opened: dict[str, Erp] = {}

    def as_(self, actor: str) -> Erp:
        if actor not in self.opened:
            self.opened[actor] = Erp.open(self.erp.url.raw, actor=actor, clock=self.clock)
        return self.opened[actor]

    def order(self, actor: str, quantity: str) -> str:
        return (
            self.as_(actor)
            .create_purchase_order(
                date="2026-03-02",
                supplier="ACME",
                expected_delivery="2026-03-15",
                lines=[
                    {"item": "BOLT", "quantity": quantity, "price": "10.00", "warehouse": "MAIN"}
                ],
            )
            .documents[0]
        )

    def status(self, po: str) -> str:
        return next(r.status for r in self.erp.open_orders() if r.document == po)

    def approve(self, actor: str, po: str) -> None:
        self.as_(actor).approve_document(document_type="purchase_order", document=po)

    def refused(self, pattern: str, attempt: Callable[[], object]) -> None:
        before = self.erp.store.last_position()
        with pytest.raises(ErpError, match=pattern):
            attempt()
        assert self.erp.store.last_position() == before


@pytest.fixture
def books(any_erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Books]:
    erp = any_erp
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.configure_procurement(approval_threshold="500.00")
    erp.register_supplier(code="ACME", name="Acme Parts")
    erp.define_role(code="director", name="Director", permissions=["report:*"])
    staff = {
        "alice": "purchasing_clerk",
        "carol": "purchasing_manager",
        "mike": "purchasing_manager",
        "dan": "director",
        "erin": "purchasing_clerk",
    }
    for user, role in staff.items():
        erp.create_user(code=user, name=user.title())
        erp.grant_role(user=user, role=role)
    erp.define_approval_workflow(document_type="purchase_order", levels=LEVELS)
    team = Books(erp, clock)
    yield team
    for opened in team.opened.values():
        opened.close()


def approvals(erp: Erp, po: str) -> list[DocumentApprovalGiven]:
    stream = erp.store.stream(f"approval:purchase_order:{po}")
    return [e for _, e in stream if isinstance(e, DocumentApprovalGiven)]


def test_an_order_above_50000_needs_a_manager_then_a_director(books: Books) -> None:
    po = books.order("alice", "6000")  # 60,000.00
    # the area's own approval is closed while the workflow holds
    books.refused(
        "follows its approval workflow", lambda: books.as_("carol").approve_purchase_order(po)
    )
    books.refused("needs role purchasing_manager", lambda: books.approve("erin", po))
    books.refused("needs role purchasing_manager", lambda: books.approve("dan", po))
    books.approve("carol", po)
    assert books.status(po) == "draft"  # one level of two
    books.refused("needs role director", lambda: books.approve("carol", po))
    books.as_("tester").grant_role(user="carol", role="director")
    books.refused("approved an earlier level", lambda: books.approve("carol", po))
    books.refused("needs role director", lambda: books.approve("mike", po))
    books.approve("dan", po)
    assert books.status(po) == "approved"
    given = approvals(books.erp, po)
    assert [(e.level, e.of_levels, e.role, e.actor, e.final) for e in given] == [
        (1, 2, "purchasing_manager", "carol", False),
        (2, 2, "director", "dan", True),
    ]
    books.refused("not waiting for approval", lambda: books.approve("mike", po))


def test_an_order_of_800_needs_the_manager_only(books: Books) -> None:
    po = books.order("alice", "80")
    books.approve("mike", po)
    assert books.status(po) == "approved"
    assert [e.of_levels for e in approvals(books.erp, po)] == [1]


def test_the_creator_may_not_approve_unless_the_level_allows(books: Books) -> None:
    po = books.order("carol", "80")
    books.refused("segregation of duties: carol created", lambda: books.approve("carol", po))
    erp = books.as_("tester")
    erp.define_approval_workflow(
        document_type="purchase_order",
        levels=[
            {"above": "0", "role": "purchasing_manager", "self_approval": True},
            {"above": "500.00", "role": "director"},
        ],
    )
    books.approve("carol", po)  # the first level allows it
    books.approve("dan", po)
    assert books.status(po) == "approved"


def test_a_delegation_lets_a_deputy_approve_for_its_period_only(
    books: Books, clock: Callable[[], dt.datetime]
) -> None:
    today = clock().date()
    books.refused(
        "only dan or an administrator",
        lambda: books.as_("erin").delegate_approval(
            delegator="dan", delegate="erin", date_from=today, date_to=today
        ),
    )
    books.as_("dan").delegate_approval(
        delegator="dan",
        delegate="erin",
        date_from=today,
        date_to=today + dt.timedelta(days=6),
        reason="holiday",
    )
    po = books.order("alice", "6000")
    books.approve("carol", po)
    books.approve("erin", po)  # with dan's right
    final = approvals(books.erp, po)[-1]
    assert (final.actor, final.on_behalf_of, final.role) == ("erin", "dan", "director")
    assert books.status(po) == "approved"
    # a week later the delegation is over
    later = books.order("alice", "6000")
    books.approve("carol", later)
    after = Erp.open(
        books.erp.url.raw,
        actor="erin",
        clock=lambda: dt.datetime.combine(today + dt.timedelta(days=7), dt.time(9), dt.UTC),
    )
    try:
        before = books.erp.store.last_position()
        with pytest.raises(AccessDenied, match="needs role director"):
            after.approve_document(document_type="purchase_order", document=later)
        assert books.erp.store.last_position() == before
    finally:
        after.close()


def test_rejection_sends_back_to_draft_or_cancels(books: Books) -> None:
    po = books.order("alice", "6000")
    books.approve("carol", po)
    books.refused(
        "needs role director",
        lambda: books.as_("mike").reject_document(
            document_type="purchase_order", document=po, reason="no"
        ),
    )
    books.as_("dan").reject_document(
        document_type="purchase_order", document=po, reason="price too high"
    )
    assert books.status(po) == "draft"
    rejected = [
        e
        for _, e in books.erp.store.stream(f"approval:purchase_order:{po}")
        if isinstance(e, DocumentApprovalRejected)
    ]
    assert [(r.actor, r.reason, r.outcome, r.level) for r in rejected] == [
        ("dan", "price too high", "draft", 2)
    ]
    # a new round: the manager's approval of round 1 no longer counts
    books.refused("needs role purchasing_manager", lambda: books.approve("dan", po))
    books.approve("carol", po)
    assert approvals(books.erp, po)[-1].round == 2
    books.as_("dan").reject_document(
        document_type="purchase_order", document=po, reason="not needed", outcome="cancel"
    )
    names = [type(e).__name__ for _, e in books.erp.store.stream(f"po:{po}")]
    assert names[-1] == "PurchaseOrderCancelled"
    books.refused("not waiting for approval", lambda: books.approve("carol", po))


def test_bad_workflows_are_refused(books: Books) -> None:
    erp = books.as_("tester")
    books.refused(
        "unknown role",
        lambda: erp.define_approval_workflow(
            document_type="purchase_order", levels=[{"above": "0", "role": "pope"}]
        ),
    )
    books.refused(
        "two levels start above",
        lambda: erp.define_approval_workflow(
            document_type="purchase_order",
            levels=[{"above": "5", "role": "director"}, {"above": "5", "role": "director"}],
        ),
    )
    books.refused(
        "no workflow to remove",
        lambda: erp.define_approval_workflow(document_type="sales_credit", levels=[]),
    )
    with pytest.raises((ValidationError, PydanticError), match="must not be negative"):
        erp.define_approval_workflow(
            document_type="purchase_order", levels=[{"above": "-1", "role": "director"}]
        )


def test_without_a_workflow_the_area_rule_holds_as_before(books: Books) -> None:
    books.as_("tester").define_approval_workflow(document_type="purchase_order", levels=[])
    po = books.order("alice", "6000")
    books.refused("no approval workflow", lambda: books.approve("carol", po))
    books.as_("erin").approve_purchase_order(po)  # procurement's own rule: another actor
    assert books.status(po) == "approved"


def test_workflow_with_access_control_on(books: Books) -> None:
    erp = books.erp
    tokens = {u: create_token(erp, u) for u in ("tester", "alice", "carol", "dan")}
    erp.enable_access_control()
    opened = {u: Erp.open(erp.url.raw, token=t, clock=books.clock) for u, t in tokens.items()}
    try:
        po = (
            opened["alice"]
            .create_purchase_order(
                date="2026-03-02",
                supplier="ACME",
                expected_delivery="2026-03-15",
                lines=[{"item": "BOLT", "quantity": "80", "price": "10.00", "warehouse": "MAIN"}],
            )
            .documents[0]
        )
        # a typed name proves nothing, as for every action
        books.refused("not authenticated", lambda: books.approve("carol", po))
        opened["carol"].approve_document(document_type="purchase_order", document=po)
        rows = opened["tester"].open_orders()
        assert next(r.status for r in rows if r.document == po) == "approved"
    finally:
        for e in opened.values():
            e.close()


def test_approval_reports(books: Books, clock: Callable[[], dt.datetime]) -> None:
    from erp_core.projections.access import approval_history, approvals_waiting, sod_breaches

    erp = books.erp
    big = books.order("alice", "6000")
    small = books.order("carol", "80")
    books.approve("carol", big)
    later = clock() + dt.timedelta(days=3)
    waiting = erp.query(approvals_waiting, later)
    # the big order waits for a director (dan); the small one for a manager other than carol
    assert {(r.approver, r.document, r.level, r.of_levels, r.role) for r in waiting} == {
        ("dan", big, 2, 2, "director"),
        ("mike", small, 1, 1, "purchasing_manager"),
    }
    assert all(r.age_days == 3 for r in waiting)
    # a delegation adds the deputy, on the delegator's right
    books.as_("dan").delegate_approval(
        delegator="dan", delegate="erin", date_from=later.date(), date_to=later.date()
    )
    deputies = [r for r in erp.query(approvals_waiting, later) if r.approver == "erin"]
    assert [(r.document, r.on_behalf_of) for r in deputies] == [(big, "dan")]
    # history of the big order, approved by erin on dan's right after a rejection
    books.as_("dan").reject_document(document_type="purchase_order", document=big, reason="why?")
    books.approve("mike", big)
    books.approve("dan", big)
    steps = [(h.step, h.round, h.level, h.actor) for h in erp.query(approval_history, big)]
    assert steps == [
        ("created", 1, 0, "alice"),
        ("approved", 1, 1, "carol"),
        ("rejected (draft)", 1, 2, "dan"),
        ("approved", 2, 1, "mike"),
        ("approved", 2, 2, "dan"),
        ("approved (document)", 0, 0, "dan"),
    ]
    assert big not in {r.document for r in erp.query(approvals_waiting, later)}
    # no breach so far; a level allowing self-approval lets carol approve her own: listed
    assert erp.query(sod_breaches) == []
    books.as_("tester").define_approval_workflow(
        document_type="purchase_order",
        levels=[
            {"above": "0", "role": "purchasing_manager", "self_approval": True},
            {"above": "500.00", "role": "director"},
        ],
    )
    books.approve("carol", small)
    breaches = erp.query(sod_breaches)
    assert [(b.document, b.creator, b.approver) for b in breaches] == [(small, "carol", "carol")]
    # a stuck document: nobody holds the pending role
    books.as_("tester").revoke_role(user="dan", role="director")
    stuck = [r for r in erp.query(approvals_waiting, later) if r.document == small]
    assert [(r.approver, r.role) for r in stuck] == [("", "director")]
    # the read models rebuilt from the log say the same
    before = (
        erp.query(approvals_waiting, later),
        erp.query(approval_history, big),
        erp.query(sod_breaches),
    )
    erp.rebuild()
    assert before == (
        erp.query(approvals_waiting, later),
        erp.query(approval_history, big),
        erp.query(sod_breaches),
    )


def test_approval_reports_on_the_command_line(books: Books) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    po = books.order("alice", "80")
    url = books.erp.url.raw
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", url, "report", "approvals-waiting", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert po in out.output and "carol" in out.output and "mike" in out.output
    fields = ["document_type=purchase_order", f"document={po}"]
    out = runner.invoke(cli, ["--db", url, "--actor", "mike", "do", "approve_document", *fields])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["--db", url, "report", "approval-history", po, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert [s["step"] for s in __import__("json").loads(out.output)] == [
        "created",
        "approved",
        "approved (document)",
    ]
    out = runner.invoke(cli, ["--db", url, "report", "sod-breaches"])
    assert out.exit_code == 0, out.output


def test_sales_credit_workflow(books: Books) -> None:
    erp = books.erp
    erp.configure_sales(credit_approvers=["dan", "mike"])  # the area's own rule stays on top
    erp.register_customer(
        code="C1", name="Cust", credit_level="B", credit_limit="100.00", payment_terms_days=30
    )
    erp.grant_role(user="mike", role="credit_controller")
    erp.define_approval_workflow(
        document_type="sales_credit",
        levels=[
            {"above": "0", "role": "credit_controller"},
            {"above": "1000.00", "role": "director"},
        ],
    )
    so = (
        books.as_("alice")
        .create_sales_order(
            date="2026-01-10",
            customer="C1",
            delivery_date="2026-01-20",
            lines=[{"item": "BOLT", "quantity": "110", "price": "10.00", "warehouse": "MAIN"}],
        )
        .documents[0]
    )
    books.refused(
        "follows its approval workflow",
        lambda: books.as_("dan").approve_sales_credit(document=so, reason="ok"),
    )

    def approve(actor: str) -> None:
        books.as_(actor).approve_document(document_type="sales_credit", document=so, note="ok")

    books.refused("needs role credit_controller", lambda: approve("dan"))
    approve("mike")
    names = [type(e).__name__ for _, e in erp.store.stream(f"so:{so}")]
    assert "SalesOrderCreditApproved" not in names  # 1,100.00: the director too
    approve("dan")
    names = [type(e).__name__ for _, e in erp.store.stream(f"so:{so}")]
    assert names[-1] == "SalesOrderCreditApproved"
