"""Segregation of duties found in the log: a supplier invoice paid by the actor who entered it
(the issue's "paying what they entered"), for the auditor's `sod-breaches` report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from erp_core.projections.access import sod_breaches

from erp_core import Erp


def invoice(erp: Erp, reference: str) -> str:
    po = erp.create_purchase_order(
        date="2026-03-02",
        supplier="ACME",
        expected_delivery="2026-03-15",
        lines=[{"item": "BOLT", "quantity": "10", "price": "10.00", "warehouse": "MAIN"}],
    ).documents[0]
    erp.receive_purchase_order(
        document=po, date="2026-03-03", lines=[{"line": 1, "accepted": "10"}]
    )
    return erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference=reference,
        date="2026-03-04",
        lines=[{"order": po, "line": 1, "quantity": "10", "price": "10.00"}],
    ).documents[0]


def test_an_invoice_paid_by_whoever_entered_it_is_a_breach(
    erp: Erp, clock: Callable[[], dt.datetime]
) -> None:
    erp.register_item(code="BOLT", name="Bolt", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.register_supplier(code="ACME", name="Acme")
    alice = Erp.open(erp.url.raw, actor="alice", clock=clock)
    bob = Erp.open(erp.url.raw, actor="bob", clock=clock)
    try:
        own, other, later = invoice(alice, "A-1"), invoice(alice, "A-2"), invoice(bob, "B-1")
        pay = {"supplier": "ACME", "date": "2026-03-10"}
        # alice pays her own invoice: a breach
        alice.pay_supplier(**pay, amount="100.00", allocations=[{"invoice": own, "amount": "100"}])
        # bob pays alice's: segregated
        bob.pay_supplier(**pay, amount="100.00", allocations=[{"invoice": other, "amount": "100"}])
        # bob pays unallocated, then allocates to his own invoice later: a breach too
        payment = bob.pay_supplier(**pay, amount="100.00").documents[0]
        bob.allocate_supplier_payment(
            payment=payment, date="2026-03-11", allocations=[{"invoice": later, "amount": "100"}]
        )
        found = erp.query(sod_breaches)
        assert [(b.document, b.creator, b.step.startswith("paid by")) for b in found] == [
            (own, "alice", True),
            (later, "bob", True),
        ]
    finally:
        alice.close()
        bob.close()
