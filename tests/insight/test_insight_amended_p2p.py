"""The issue's hand-computed purchase-to-pay case through the real actions: three purchase
orders with known step times, one changed after approval and approved a second time, one
changed but still under the approval threshold. Cycle times, the mean wait of every step, the
bottleneck and the rework are worked out by hand below (recorded times, a controlled clock).

Hours after Monday 5 January 2026 09:00 UTC; approval threshold 1,000.00, price 50.00:

  A: 10 pcs = 500.00, needs no approval
     0 create (buyer)   24 receive (clerk)   30 invoice (accountant)   72 pay + allocate
  B: 30 pcs = 1,500.00, waits for approval
     1 create (buyer)    3 approve (boss)     5 amend to 40 pcs = 2,000.00 (buyer): waits again
     8 approve (boss)   48 receive           50 invoice                98 pay + allocate
  C: 24 pcs = 1,200.00, waits for approval
     2 create (buyer)    4 approve (boss)     6 amend to 16 pcs = 800.00 (buyer): stays approved
    26 receive          75 invoice           76 pay + allocate
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from erp_core.api import Erp
from erp_core.insight.reports import conformance, load_log, process_report_of

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # Monday 09:00 UTC
H = dt.timedelta(hours=1)

CREATE, APPROVE, AMEND = "create purchase order", "approve purchase order", "amend purchase order"
RECEIVE, INVOICE = "receive goods", "post supplier invoice"
PAY, ALLOCATE = "pay supplier", "allocate supplier payment"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    clock = Clock()
    path = tmp_path_factory.mktemp("amended") / "book.sqlite"
    erp = Erp.open(f"sqlite:///{path}", actor="admin", clock=clock)
    erp.init("Amend Co", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="1000", over_receipt_tolerance="0")
    erp.register_item(code="WIDGET", name="Widget", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")

    def at(hours: float, actor: str) -> Erp:
        clock.now = T0 + dt.timedelta(hours=hours)
        erp.actor = actor
        return erp

    def lines(qty: str) -> list[dict[str, str]]:
        return [{"item": "WIDGET", "quantity": qty, "price": "50", "warehouse": "MAIN"}]

    def order(hours: float, qty: str) -> str:
        return (
            at(hours, "buyer")
            .create_purchase_order(
                date="2026-01-05", supplier="ACME", expected_delivery="2026-01-09",
                lines=lines(qty),
            )
            .documents[0]
        )  # fmt: skip

    def amend(hours: float, po: str, qty: str) -> None:
        at(hours, "buyer").amend_purchase_order(
            document=po, date="2026-01-05", lines=lines(qty), reason="quantity changed"
        )

    def receive(hours: float, po: str, qty: str) -> None:
        at(hours, "clerk").receive_purchase_order(
            document=po, date="2026-01-06", lines=[{"line": 1, "accepted": qty}]
        )

    def invoice(hours: float, po: str, qty: str, ref: str) -> str:
        return (
            at(hours, "accountant")
            .post_supplier_invoice(
                supplier="ACME", supplier_reference=ref, date="2026-01-08",
                lines=[{"order": po, "line": 1, "quantity": qty, "price": "50", "tax_rate": "0"}],
            )
            .documents[0]
        )  # fmt: skip

    def pay(hours: float, pi: str, amount: str) -> None:
        at(hours, "treasurer").pay_supplier(
            supplier="ACME", date="2026-01-09", amount=amount,
            allocations=[{"invoice": pi, "amount": amount}],
        )  # fmt: skip

    a = order(0, "10")
    b = order(1, "30")
    c = order(2, "24")
    at(3, "boss").approve_purchase_order(b)
    at(4, "boss").approve_purchase_order(c)
    amend(5, b, "40")  # 2,000.00: back to awaiting approval
    amend(6, c, "16")  # 800.00: under the threshold, stays approved
    at(8, "boss").approve_purchase_order(b)
    receive(24, a, "10")
    receive(26, c, "16")
    pa = invoice(30, a, "10", "A")
    receive(48, b, "40")
    pb = invoice(50, b, "40", "B")
    pay(72, pa, "500")
    pc = invoice(75, c, "16", "C")
    pay(76, pc, "800")
    pay(98, pb, "2000")
    yield erp, {"A": a, "B": b, "C": c}
    erp.close()


def test_cycle_times_of_the_three_orders(book: Any) -> None:
    erp, d = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    assert (rep.cases, rep.finished, rep.in_progress) == (3, 3, 0)
    # A 0 -> 72, B 1 -> 98, C 2 -> 76
    assert dict(rep.cycle.per_object) == {d["A"]: 72 * H, d["B"]: 97 * H, d["C"]: 74 * H}
    s = rep.cycle.stats
    assert s is not None
    assert (s.mean, s.median, s.max) == (81 * H, 74 * H, 97 * H)  # (72 + 97 + 74) / 3 = 81
    assert s.p90 == dt.timedelta(hours=92.4)  # 74 + 0.8 x (97 - 74)


def test_mean_wait_of_every_step(book: Any) -> None:
    erp, _ = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    arrows = {(a.source, a.target): (a.count, a.waits.mean, a.waits.total) for a in rep.arrows}
    assert arrows == {
        (CREATE, RECEIVE): (1, 24 * H, 24 * H),  # A 0 -> 24
        (CREATE, APPROVE): (2, 2 * H, 4 * H),  # B 1 -> 3, C 2 -> 4
        (APPROVE, AMEND): (2, 2 * H, 4 * H),  # B 3 -> 5, C 4 -> 6
        (AMEND, APPROVE): (1, 3 * H, 3 * H),  # B 5 -> 8
        (APPROVE, RECEIVE): (1, 40 * H, 40 * H),  # B 8 -> 48
        (AMEND, RECEIVE): (1, 20 * H, 20 * H),  # C 6 -> 26
        (RECEIVE, INVOICE): (3, 19 * H, 57 * H),  # A 24 -> 30, B 48 -> 50, C 26 -> 75
        (INVOICE, PAY): (3, dt.timedelta(hours=91 / 3), 91 * H),  # A 42, B 48, C 1
        (PAY, ALLOCATE): (3, 0 * H, 0 * H),  # paid and allocated in one action
    }
    # the waits of each order add up to its cycle time: A 24+6+42, B 2+2+3+40+2+48,
    # C 2+2+20+49+1 -> 72 + 97 + 74 = 243 hours in all
    assert sum((total for _, _, total in arrows.values()), dt.timedelta()) == 243 * H


def test_the_bottleneck_is_waiting_for_payment(book: Any) -> None:
    erp, _ = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    ranked = [(b.source, b.target, b.score) for b in rep.bottlenecks[:4]]
    # mean wait x count = the total wait on the arrow: 91 h, 57 h, 40 h, 24 h
    assert ranked == [
        (INVOICE, PAY, 91 * H),
        (RECEIVE, INVOICE, 57 * H),
        (APPROVE, RECEIVE, 40 * H),
        (CREATE, RECEIVE, 24 * H),
    ]


def test_rework_is_the_second_approval_and_the_amended_orders(book: Any) -> None:
    erp, d = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    # B was approved twice: one repeated step; B and C were amended (an amendment is rework)
    assert rep.rework.rework_count == 1
    assert [(r.object_id, r.activity, r.occurrences) for r in rep.rework.repeats] == [
        (d["B"], APPROVE, 2)
    ]
    assert sorted(rep.rework.cancelled) == sorted([d["B"], d["C"]])
    tail = (RECEIVE, INVOICE, PAY, ALLOCATE)
    assert sorted((v.activities, v.count) for v in rep.variants) == sorted(
        [
            ((CREATE, *tail), 1),
            ((CREATE, APPROVE, AMEND, APPROVE, *tail), 1),
            ((CREATE, APPROVE, AMEND, *tail), 1),
        ]
    )


def test_workload_and_conformance(book: Any) -> None:
    erp, _ = book
    rep = process_report_of(load_log(erp), "purchase-to-pay")
    # buyer: 3 created + 2 amended; boss: 3 approvals; treasurer: 3 payments + 3 allocations
    assert {w.actor: w.events for w in rep.workload} == {
        "treasurer": 6,
        "buyer": 5,
        "boss": 3,
        "clerk": 3,
        "accountant": 3,
    }
    handovers = {(h.source, h.target): h.count for h in rep.handovers}
    # B: buyer -> boss -> buyer -> boss; C: buyer -> boss -> buyer
    assert handovers[("buyer", "boss")] == 3
    assert handovers[("boss", "buyer")] == 2
    # received before invoiced, approved before paid, nobody approved their own change
    assert conformance(load_log(erp)) == ()


def test_the_amendment_is_in_the_ocel_log_with_its_revision(book: Any) -> None:
    erp, d = book
    log = load_log(erp)
    amended = [e for e in log.events if e.type == AMEND]
    assert len(amended) == 2
    b_event = next(e for e in amended if (d["B"], "order") in e.relationships)
    attrs = dict(b_event.attributes)
    assert (attrs["revision"], attrs["previous_total"], attrs["total"]) == (1, 1500, 2000)
    assert attrs["actor"] == "buyer"
    assert b_event.time == T0 + 5 * H


def test_an_approver_who_amends_the_order_afterwards_is_a_breach(tmp_path: Any) -> None:
    """The boss approves 1,500.00 and then cuts it to 900.00 (under the threshold, so nobody
    approves it again): the same actor amended and approved it."""
    erp = Erp.open(f"sqlite:///{tmp_path / 'sod.sqlite'}", actor="buyer")
    erp.init("Sod Co", "EUR", dt.date(2026, 1, 1))
    erp.configure_procurement(approval_threshold="1000", over_receipt_tolerance="0")
    erp.register_item(code="WIDGET", name="Widget", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")
    po = erp.create_purchase_order(
        date="2026-01-05", supplier="ACME", expected_delivery="2026-01-09",
        lines=[{"item": "WIDGET", "quantity": "30", "price": "50", "warehouse": "MAIN"}],
    ).documents[0]  # fmt: skip
    erp.actor = "boss"
    erp.approve_purchase_order(po)
    erp.amend_purchase_order(
        document=po, date="2026-01-06", reason="cut",
        lines=[{"item": "WIDGET", "quantity": "18", "price": "50", "warehouse": "MAIN"}],
    )  # fmt: skip
    breaches = conformance(load_log(erp))
    assert [(b.rule, b.object_id, b.reason) for b in breaches] == [
        (
            "same actor amended and approved",
            po,
            "'boss' did both 'amend purchase order' and 'approve purchase order'",
        )
    ]
    erp.close()
