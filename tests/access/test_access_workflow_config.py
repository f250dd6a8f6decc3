"""One approval mechanism: procurement's threshold and sales' credit approvers are the default
configuration of the purchase-order and sales-credit workflows (the areas decide nothing about
approval themselves), a company's own workflow replaces them, and the issue's scenarios run
through workflow configuration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from erp_core.projections.access import approvals_waiting

from erp_core import Erp
from erp_core.access.events import ApprovalLevel, DocumentApprovalGiven
from erp_core.access.workflow import Workflow, workflow_of
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError
from erp_core.kernel.unit_of_work import UnitOfWork

D = Decimal


class Books:
    """Test Co on SQLite with a supplier, a customer and staff; opened as anyone."""

    def __init__(self, erp: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.erp = erp
        self.clock = clock
        self.opened: dict[tuple[str, dt.date | None], Erp] = {}

    def as_(self, actor: str, day: dt.date | None = None) -> Erp:
        """The books as `actor`, on `day` at 09:00 (default: the test's clock)."""
        if (actor, day) not in self.opened:
            clock = (
                self.clock
                if day is None
                else (lambda: dt.datetime.combine(day, dt.time(9), dt.UTC))
            )
            self.opened[(actor, day)] = Erp.open(self.erp.url.raw, actor=actor, clock=clock)
        return self.opened[(actor, day)]

    def order(self, actor: str, quantity: str) -> str:
        """A purchase order of `quantity` bolts at 10.00."""
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

    def approve(self, actor: str, po: str, day: dt.date | None = None) -> None:
        self.as_(actor, day).approve_document(document_type="purchase_order", document=po)

    def refused(self, error: type[ErpError], pattern: str, attempt: Callable[[], object]) -> None:
        before = self.erp.store.last_position()
        with pytest.raises(error, match=pattern):
            attempt()
        assert self.erp.store.last_position() == before

    def workflow(self, document_type: str) -> Workflow | None:
        service = self.erp.ledger  # the books' command service
        return workflow_of(UnitOfWork(service), document_type)


@pytest.fixture
def books(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Books]:
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.configure_procurement(approval_threshold="500.00")
    erp.register_supplier(code="ACME", name="Acme Parts")
    erp.define_role(code="director", name="Director", permissions=["report:*"])
    staff = {
        "alice": "purchasing_clerk",
        "bob": "purchasing_clerk",
        "erin": "purchasing_clerk",
        "carol": "purchasing_manager",
        "mike": "purchasing_manager",
        "dan": "director",
    }
    for user, role in staff.items():
        erp.create_user(code=user, name=user.title())
        erp.grant_role(user=user, role=role)
    team = Books(erp, clock)
    yield team
    for opened in team.opened.values():
        opened.close()


# --- the default configuration: the areas' former rules ---------------------------------------


def test_procurements_threshold_is_the_default_purchase_order_workflow(books: Books) -> None:
    default = books.workflow("purchase_order")
    assert default == Workflow(
        "purchase_order",
        (ApprovalLevel(above=D("500.00"), role=""),),
        defined=False,
        enters_above=D("500.00"),
    )
    # 500.00 exactly is not above the threshold: approved when created
    assert books.status(books.order("alice", "50")) == "approved"
    po = books.order("alice", "80")  # 800.00 waits for one approval by someone else
    assert books.status(po) == "draft"
    later = books.clock() + dt.timedelta(days=2)
    waiting = books.erp.query(approvals_waiting, later)
    assert [
        (r.approver, r.document, r.creator, r.total, r.level, r.of_levels) for r in waiting
    ] == [("*", po, "alice", D("800.00"), 1, 1)]
    assert waiting[0].age_days == 2
    books.refused(
        ValidationError,
        "alice created .* cannot approve it: approval needs a different actor",
        lambda: books.as_("alice").approve_purchase_order(po),
    )
    books.as_("bob").approve_purchase_order(po)
    assert books.status(po) == "approved"
    assert books.erp.query(approvals_waiting, later) == []
    # the default records the area's approval alone, as every book did before
    assert list(books.erp.store.stream(f"approval:purchase_order:{po}")) == []
    # a company changes the default by changing the threshold
    books.erp.configure_procurement(approval_threshold="1000.00")
    assert books.workflow("purchase_order").levels[0].above == D("1000.00")  # type: ignore[union-attr]
    assert books.status(books.order("alice", "80")) == "approved"


def test_sales_credit_approvers_are_the_default_sales_credit_workflow(books: Books) -> None:
    erp = books.erp
    erp.configure_sales(credit_approvers=["dan"])
    default = books.workflow("sales_credit")
    assert default is not None and not default.defined
    assert default.approvers == ("dan",)
    assert [(lv.above, lv.self_approval) for lv in default.levels] == [(D(0), True)]
    erp.register_customer(code="C1", name="Cust", credit_limit="100.00")
    so = (
        books.as_("dan")
        .create_sales_order(
            date="2026-01-10",
            customer="C1",
            delivery_date="2026-01-20",
            lines=[{"item": "BOLT", "quantity": "20", "price": "10.00", "warehouse": "MAIN"}],
        )
        .documents[0]
    )
    books.refused(
        ValidationError,
        r"mike may not approve credit \(credit approvers: dan\)",
        lambda: books.as_("mike").approve_sales_credit(document=so, reason="ok"),
    )
    # the default level allows the approver's own order, as the sales rule always did
    books.as_("dan").approve_sales_credit(document=so, reason="known customer")
    erp.confirm_sales_order(document=so)


def test_a_defined_workflow_replaces_the_credit_approvers(books: Books) -> None:
    """No rule of the sales area stays on top: the workflow alone says who approves."""
    erp = books.erp
    erp.configure_sales(credit_approvers=["dan"])
    erp.register_customer(code="C1", name="Cust", credit_limit="100.00")
    erp.grant_role(user="mike", role="credit_controller")
    erp.define_approval_workflow(
        document_type="sales_credit", levels=[{"above": "0", "role": "credit_controller"}]
    )
    so = (
        books.as_("alice")
        .create_sales_order(
            date="2026-01-10",
            customer="C1",
            delivery_date="2026-01-20",
            lines=[{"item": "BOLT", "quantity": "20", "price": "10.00", "warehouse": "MAIN"}],
        )
        .documents[0]
    )
    books.refused(
        AccessDenied,
        "needs role credit_controller",
        lambda: books.as_("dan").approve_document(document_type="sales_credit", document=so),
    )
    # mike is no credit approver of the sales settings: the workflow's role is what counts
    books.as_("mike").approve_document(document_type="sales_credit", document=so, note="ok")
    erp.confirm_sales_order(document=so)
    names = [type(e).__name__ for _, e in erp.store.stream(f"so:{so}")]
    assert names == ["SalesOrderCreated", "SalesOrderCreditApproved", "SalesOrderConfirmed"]


def test_a_defined_level_may_let_the_creator_approve_the_last_level(books: Books) -> None:
    """Procurement's "another actor" is the default's rule, not a rule on top of a defined
    workflow: a level that allows self-approval is honoured to the end."""
    books.erp.define_approval_workflow(
        document_type="purchase_order",
        levels=[{"above": "500.00", "role": "purchasing_manager", "self_approval": True}],
    )
    po = books.order("carol", "80")
    books.approve("carol", po)
    assert books.status(po) == "approved"


def test_a_defined_workflow_decides_which_orders_wait(books: Books) -> None:
    """A level below procurement's threshold holds smaller orders too; removing the workflow
    brings the default back."""
    books.erp.define_approval_workflow(
        document_type="purchase_order", levels=[{"above": "100.00", "role": "purchasing_manager"}]
    )
    po = books.order("alice", "20")  # 200.00: under the 500.00 threshold, above the level
    assert books.status(po) == "draft"
    assert books.status(books.order("alice", "10")) == "approved"  # 100.00: no level applies
    books.approve("carol", po)
    assert books.status(po) == "approved"
    books.erp.define_approval_workflow(document_type="purchase_order", levels=[])
    assert books.status(books.order("alice", "20")) == "approved"


# --- the issue's scenarios, through workflow configuration -------------------------------------

ISSUE_LEVELS = [
    # a colleague holding the clerk's role approves from 500.00; above 1,000.00 the manager too
    {"above": "500.00", "role": "purchasing_clerk"},
    {"above": "1000.00", "role": "purchasing_manager"},
]


@pytest.fixture
def configured(books: Books) -> Books:
    books.erp.define_approval_workflow(document_type="purchase_order", levels=ISSUE_LEVELS)
    return books


def given(books: Books, po: str) -> list[tuple[int, int, str, str, str | None]]:
    return [
        (e.level, e.of_levels, e.role, e.actor, e.on_behalf_of)
        for _, e in books.erp.store.stream(f"approval:purchase_order:{po}")
        if isinstance(e, DocumentApprovalGiven)
    ]


def test_a_clerks_800_order_is_approved_by_a_colleague(configured: Books) -> None:
    po = configured.order("alice", "80")
    configured.refused(
        AccessDenied, "segregation of duties: alice", lambda: configured.approve("alice", po)
    )
    configured.approve("bob", po)
    assert configured.status(po) == "approved"
    assert given(configured, po) == [(1, 1, "purchasing_clerk", "bob", None)]


def test_a_5000_order_needs_the_manager(configured: Books) -> None:
    po = configured.order("alice", "500")
    configured.approve("bob", po)
    assert configured.status(po) == "draft"  # the colleague's approval is not enough
    configured.refused(
        AccessDenied, "needs role purchasing_manager", lambda: configured.approve("erin", po)
    )
    configured.approve("carol", po)
    assert configured.status(po) == "approved"
    assert given(configured, po) == [
        (1, 2, "purchasing_clerk", "bob", None),
        (2, 2, "purchasing_manager", "carol", None),
    ]


def test_the_manager_cannot_approve_their_own_order(configured: Books) -> None:
    configured.erp.grant_role(user="carol", role="purchasing_clerk")
    po = configured.order("carol", "500")
    configured.refused(
        AccessDenied, "segregation of duties: carol", lambda: configured.approve("carol", po)
    )
    configured.approve("bob", po)
    configured.refused(
        AccessDenied, "segregation of duties: carol", lambda: configured.approve("carol", po)
    )
    configured.approve("mike", po)
    assert configured.status(po) == "approved"


def test_a_delegation_lets_a_deputy_approve_for_a_week_and_not_after(configured: Books) -> None:
    monday = dt.date(2026, 11, 2)
    configured.as_("carol").delegate_approval(
        delegator="carol",
        delegate="erin",
        date_from=monday,
        date_to=monday + dt.timedelta(days=6),
        reason="holiday",
    )
    during = configured.order("alice", "500")
    configured.approve("bob", during)
    configured.refused(
        AccessDenied,
        "needs role purchasing_manager",
        lambda: configured.approve("erin", during, monday - dt.timedelta(days=1)),
    )
    configured.approve("erin", during, monday + dt.timedelta(days=6))  # the week's last day
    assert configured.status(during) == "approved"
    assert given(configured, during)[-1] == (2, 2, "purchasing_manager", "erin", "carol")
    after = configured.order("alice", "500")
    configured.approve("bob", after)
    configured.refused(
        AccessDenied,
        "needs role purchasing_manager, .* no delegation on 2026-11-09",
        lambda: configured.approve("erin", after, monday + dt.timedelta(days=7)),
    )
    assert configured.status(after) == "draft"
