"""Amending a purchase order (`amend_purchase_order`), told as a story with the figures worked
by hand: the number is kept, each amendment is a revision with its audit trail, the amended
amount is held against the approval threshold again, and the refusals name the problem and
store nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import make_clock
from erp_core.projections.schema import purchase_order_lines, purchase_orders
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from erp_core import Erp
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError
from erp_core.procurement.events import PurchaseOrderAmended

D = Decimal


@contextlib.contextmanager
def refused(erp: Erp, error: type[ErpError], match: str) -> Iterator[Any]:
    """The action inside is refused with `error` (message matching `match`) and stores nothing."""
    before = erp.store.last_position()
    with pytest.raises(error, match=match) as info:
        yield info
    assert erp.store.last_position() == before, "a refused action stored events"


def _order_row(erp: Erp, document: str) -> tuple[Any, ...]:
    po = purchase_orders
    return tuple(
        erp.query(
            lambda conn: conn.execute(
                select(po.c.status, po.c.total_minor, po.c.expected_delivery).where(
                    po.c.document == document
                )
            ).one()
        )
    )


def _line_rows(erp: Erp, document: str) -> list[tuple[Any, ...]]:
    pol = purchase_order_lines
    return [
        tuple(r)
        for r in erp.query(
            lambda conn: conn.execute(
                select(pol.c.line, pol.c.item, pol.c.quantity_micro, pol.c.price)
                .where(pol.c.document == document)
                .order_by(pol.c.line)
            ).all()
        )
    ]


@pytest.fixture
def book(any_url: str) -> Iterator[Erp]:
    erp = Erp.open(any_url, actor="buyer", clock=make_clock())
    erp.init("Amend Co", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="1000", over_receipt_tolerance="0")
    erp.register_item(code="BOLT", name="Bolt", uom="pcs")
    erp.register_item(code="NUT", name="Nut", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")
    yield erp
    erp.close()


def _order(erp: Erp, quantity: str = "10") -> str:
    # 10 bolts at 50.00 = 500.00: under the 1,000 threshold, approved at once
    return erp.create_purchase_order(
        date="2026-03-02",
        supplier="ACME",
        expected_delivery="2026-03-09",
        lines=[{"item": "BOLT", "quantity": quantity, "price": "50", "warehouse": "MAIN"}],
    ).documents[0]


def test_an_amendment_over_the_threshold_waits_for_a_second_approval(book: Erp) -> None:
    erp = book
    po = _order(erp, "30")  # 30 x 50.00 = 1,500.00: above 1,000, waits for approval
    assert _order_row(erp, po)[0] == "draft"
    erp.actor = "boss"
    erp.approve_purchase_order(po)
    assert _order_row(erp, po)[0] == "approved"

    # the buyer raises it to 40 bolts and adds 100 nuts at 0.25:
    # 40 x 50.00 + 100 x 0.25 = 2,000.00 + 25.00 = 2,025.00, above 1,000: approval again
    erp.actor = "buyer"
    result = erp.amend_purchase_order(
        document=po,
        date="2026-03-03",
        lines=[
            {"item": "BOLT", "quantity": "40", "price": "50", "warehouse": "MAIN"},
            {"item": "NUT", "quantity": "100", "price": "0.25", "warehouse": "MAIN"},
        ],
        expected_delivery="2026-03-12",
        reason="the project needs more",
    )
    assert result.documents == [po]  # the number is kept
    status, total_minor, expected = _order_row(erp, po)
    assert (status, total_minor) == ("draft", 202500)
    assert str(expected) == "2026-03-12"
    assert _line_rows(erp, po) == [
        (1, "BOLT", 40_000_000, "50"),
        (2, "NUT", 100_000_000, "0.25"),
    ]
    # the approvals read model follows: waiting again, on the amended total, with the step
    from erp_core.projections.access import approval_documents, approval_steps

    d, st = approval_documents, approval_steps
    row = erp.query(
        lambda conn: conn.execute(select(d.c.state, d.c.total).where(d.c.document == po)).one()
    )
    assert tuple(row) == ("waiting", "2025.00")
    steps = erp.query(
        lambda conn: conn.execute(
            select(st.c.step, st.c.actor, st.c.reason)
            .where(st.c.document == po)
            .order_by(st.c.position)
        ).all()
    )
    assert [tuple(x) for x in steps] == [
        ("approved (document)", "boss", ""),
        ("amended (revision 1)", "buyer", "the project needs more"),
    ]
    # receiving is refused until it is approved again
    with refused(erp, ValidationError, rf"{po} is not approved yet"):
        erp.receive_purchase_order(
            document=po, date="2026-03-10", lines=[{"line": 1, "accepted": "40"}]
        )
    # the buyer created and amended it: someone else approves
    with refused(erp, ValidationError, rf"buyer created {po} and cannot approve it"):
        erp.approve_purchase_order(po)
    erp.actor = "boss"
    erp.approve_purchase_order(po)
    assert _order_row(erp, po)[0] == "approved"

    # the amended lines are what is received: line 2 exists now (100 nuts)
    erp.actor = "clerk"
    erp.receive_purchase_order(
        document=po,
        date="2026-03-10",
        lines=[{"line": 1, "accepted": "40"}, {"line": 2, "accepted": "100"}],
    )
    assert _order_row(erp, po)[0] == "received"

    # the audit trail: one revision, what it replaced, who and why
    (amended,) = [e for _, e in erp.store.stream(f"po:{po}") if isinstance(e, PurchaseOrderAmended)]
    assert (amended.revision, amended.previous_total, amended.total) == (
        1,
        D("1500.00"),
        D("2025.00"),
    )
    assert (amended.actor, amended.reason, amended.needs_approval) == (
        "buyer",
        "the project needs more",
        True,
    )


def test_an_amendment_under_the_threshold_stays_approved_and_revisions_count(book: Erp) -> None:
    erp = book
    po = _order(erp)  # 500.00, approved at once
    # 12 bolts at 48.00 = 576.00: still under the threshold
    erp.amend_purchase_order(
        document=po,
        date="2026-03-02",
        lines=[{"item": "BOLT", "quantity": "12", "price": "48", "warehouse": "MAIN"}],
        reason="price agreed",
    )
    assert _order_row(erp, po)[:2] == ("approved", 57600)
    # a draft order brought under the threshold needs no approval any more either:
    # 30 x 48.00 = 1,440.00 (draft), then 20 x 48.00 = 960.00 (approved)
    erp.amend_purchase_order(
        document=po,
        date="2026-03-03",
        lines=[{"item": "BOLT", "quantity": "30", "price": "48", "warehouse": "MAIN"}],
        reason="more",
    )
    assert _order_row(erp, po)[:2] == ("draft", 144000)
    erp.amend_purchase_order(
        document=po,
        date="2026-03-04",
        lines=[{"item": "BOLT", "quantity": "20", "price": "48", "warehouse": "MAIN"}],
        reason="less after all",
    )
    assert _order_row(erp, po)[:2] == ("approved", 96000)
    revisions = [
        (e.revision, e.previous_total, e.total)
        for _, e in erp.store.stream(f"po:{po}")
        if isinstance(e, PurchaseOrderAmended)
    ]
    assert revisions == [
        (1, D("500.00"), D("576.00")),
        (2, D("576.00"), D("1440.00")),
        (3, D("1440.00"), D("960.00")),
    ]
    # the projection rebuilt from the log equals the live one
    live = (_order_row(erp, po), _line_rows(erp, po))
    erp.rebuild()
    assert (_order_row(erp, po), _line_rows(erp, po)) == live


def test_whoever_amended_an_order_cannot_approve_it(book: Erp) -> None:
    erp = book
    po = _order(erp)
    erp.actor = "boss"
    erp.amend_purchase_order(
        document=po,
        date="2026-03-03",
        lines=[{"item": "BOLT", "quantity": "25", "price": "50", "warehouse": "MAIN"}],
        reason="bigger lot",
    )  # 1,250.00: waits for approval
    with refused(erp, ValidationError, rf"boss amended {po} and cannot approve it"):
        erp.approve_purchase_order(po)
    erp.actor = "chief"
    erp.approve_purchase_order(po)
    assert _order_row(erp, po)[0] == "approved"


def test_the_creator_cannot_approve_an_order_amended_over_the_threshold(book: Erp) -> None:
    """The order was created under the threshold (approved at once, no approval step) and
    approved again earlier; someone else amends it above: it waits on its amended total, so
    the default workflow's creator rule holds again, and an approval given before the
    amendment does not count."""
    erp = book
    po = _order(erp)  # 500.00 by the buyer: approved at once
    erp.actor = "boss"
    erp.amend_purchase_order(
        document=po,
        date="2026-03-03",
        lines=[{"item": "BOLT", "quantity": "25", "price": "50", "warehouse": "MAIN"}],
        reason="bigger lot",
    )  # 1,250.00: waits
    erp.actor = "chief"
    erp.approve_purchase_order(po)
    erp.actor = "boss"
    erp.amend_purchase_order(
        document=po,
        date="2026-03-04",
        lines=[{"item": "BOLT", "quantity": "30", "price": "50", "warehouse": "MAIN"}],
        reason="even bigger lot",
    )  # 1,500.00: waits again, after chief's approval
    assert _order_row(erp, po)[0] == "draft"
    erp.actor = "buyer"
    before = erp.store.last_position()
    with refused(erp, ValidationError, rf"buyer created {po} and cannot approve it"):
        erp.approve_purchase_order(po)
    assert erp.store.last_position() == before
    erp.actor = "chief"
    erp.approve_purchase_order(po)
    assert _order_row(erp, po)[0] == "approved"


def test_refusals_name_the_problem_and_store_nothing(book: Erp) -> None:
    erp = book
    bolts = [{"item": "BOLT", "quantity": "11", "price": "50", "warehouse": "MAIN"}]
    received = _order(erp)
    erp.receive_purchase_order(
        document=received, date="2026-03-05", lines=[{"line": 1, "accepted": "4"}]
    )
    with refused(erp, ValidationError, rf"goods were received against {received}"):
        erp.amend_purchase_order(document=received, date="2026-03-06", lines=bolts, reason="x")
    rejected = _order(erp)
    erp.receive_purchase_order(
        document=rejected,
        date="2026-03-05",
        lines=[{"line": 1, "accepted": "0", "rejected": "2", "reason": "rusty"}],
    )
    with refused(erp, ValidationError, rf"goods were received against {rejected}"):
        erp.amend_purchase_order(document=rejected, date="2026-03-06", lines=bolts, reason="x")
    cancelled = _order(erp)
    erp.cancel_purchase_order(cancelled, reason="not needed")
    with refused(erp, ValidationError, rf"{cancelled} is cancelled; it cannot be amended"):
        erp.amend_purchase_order(document=cancelled, date="2026-03-06", lines=bolts, reason="x")
    closed = _order(erp)
    erp.close_purchase_order(closed, reason="done")
    with refused(erp, ValidationError, rf"{closed} is closed; it cannot be amended"):
        erp.amend_purchase_order(document=closed, date="2026-03-06", lines=bolts, reason="x")

    po = _order(erp)
    with refused(erp, ErpError, "unknown purchase order 'PO-2026-999999'"):
        erp.amend_purchase_order(document="PO-2026-999999", date="2026-03-06", lines=bolts,
                                 reason="x")  # fmt: skip
    with refused(erp, ValidationError, "date: is before the order date 2026-03-02"):
        erp.amend_purchase_order(document=po, date="2026-03-01", lines=bolts, reason="x")
    with refused(erp, ValidationError, "expected_delivery: is before the order date"):
        erp.amend_purchase_order(
            document=po, date="2026-03-03", lines=bolts, expected_delivery="2026-03-01",
            reason="x",
        )  # fmt: skip
    with refused(erp, ValidationError, rf"lines: change nothing on {po}"):
        erp.amend_purchase_order(
            document=po,
            date="2026-03-03",
            lines=[{"item": "BOLT", "quantity": "10", "price": "50", "warehouse": "MAIN"}],
            reason="x",
        )
    with refused(erp, ErpError, r"lines\[0\]\.item"):
        erp.amend_purchase_order(
            document=po,
            date="2026-03-03",
            lines=[{"item": "GHOST", "quantity": "1", "price": "50", "warehouse": "MAIN"}],
            reason="x",
        )
    with refused(erp, ValidationError, r"lines\[0\]\.price: must not be negative"):
        erp.amend_purchase_order(
            document=po,
            date="2026-03-03",
            lines=[{"item": "BOLT", "quantity": "1", "price": "-1", "warehouse": "MAIN"}],
            reason="x",
        )
    # a malformed action is refused before it reaches the books
    before = erp.store.last_position()
    with pytest.raises(PydanticValidationError, match="reason"):
        erp.amend_purchase_order(document=po, date="2026-03-03", lines=bolts, reason="")
    with pytest.raises(PydanticValidationError, match="lines"):
        erp.amend_purchase_order(document=po, date="2026-03-03", lines=[], reason="x")
    assert erp.store.last_position() == before


def test_an_approval_limit_holds_against_the_amended_total(book: Erp) -> None:
    """A purchasing clerk approves up to 1,000.00. Bob approves Alice's 800.00 order; Alice
    raises it to 1,200.00 and it waits again: Bob's limit is held against 1,200.00, not against
    what was first entered, so he cannot approve it a second time."""
    from erp_core.access.tokens import create_token

    admin = book
    admin.configure_procurement(approval_threshold="500", over_receipt_tolerance="0")
    tokens = {"buyer": create_token(admin, "buyer", "set-up")}
    for code in ("alice", "bob"):
        admin.create_user(code=code, name=code.title())
        admin.grant_role(user=code, role="purchasing_clerk")
        tokens[code] = create_token(admin, code)
    admin.enable_access_control()

    def as_(code: str) -> Erp:
        return Erp.open(admin.url.raw, token=tokens[code], clock=make_clock())

    with as_("alice") as alice, as_("bob") as bob:
        po = alice.create_purchase_order(
            date="2026-03-02",
            supplier="ACME",
            expected_delivery="2026-03-09",
            lines=[{"item": "BOLT", "quantity": "20", "price": "40", "warehouse": "MAIN"}],
        ).documents[0]  # 20 x 40.00 = 800.00: above 500, within Bob's 1,000.00
        bob.approve_purchase_order(po)
        alice.amend_purchase_order(
            document=po,
            date="2026-03-03",
            lines=[{"item": "BOLT", "quantity": "30", "price": "40", "warehouse": "MAIN"}],
            reason="more",
        )  # 30 x 40.00 = 1,200.00: waits for approval again
        with refused(bob, AccessDenied, rf"approves up to 1,000.00 and {po} totals 1,200.00"):
            bob.approve_purchase_order(po)


def test_the_printed_order_shows_the_last_revision_and_its_approval(book: Erp) -> None:
    from erp_core.documents import service

    erp = book
    po = _order(erp, "30")  # 1,500.00, waits for approval
    erp.actor = "boss"
    erp.approve_purchase_order(po)
    erp.actor = "buyer"
    erp.amend_purchase_order(
        document=po,
        date="2026-03-03",
        lines=[
            {"item": "BOLT", "quantity": "40", "price": "50", "warehouse": "MAIN"},
            {"item": "NUT", "quantity": "100", "price": "0.25", "warehouse": "MAIN"},
        ],
        reason="more",
    )
    doc = service.document(erp, po)
    lines = doc.table("lines")
    assert lines is not None
    assert [(r["item"], r["quantity"], r["amount"]) for r in lines.rows] == [
        ("BOLT", "40", "2,000.00"),
        ("NUT", "100", "25.00"),
    ]
    fields = dict(doc.fields)
    assert fields["Revision"].startswith("1 (")
    # the approval given before the change does not cover it
    assert doc.status == "Awaiting approval"
    erp.actor = "boss"
    erp.approve_purchase_order(po)
    assert service.document(erp, po).status == "Approved by boss"
