"""Work orders end to end, with figures computed by hand."""

from __future__ import annotations

from decimal import Decimal

from production_helpers import balance, chair_factory

from erp_core import Erp

D = Decimal


def test_five_chairs_at_actual_cost(erp: Erp) -> None:
    chair_factory(erp)
    wo = erp.create_work_order(date="2026-03-05", item="CHAIR", quantity="5", warehouse="MAIN")
    number = wo.documents[0]
    assert number == "WO-2026-000001"
    erp.release_work_order(work_order=number, date="2026-03-05")
    # 20 legs: 12 @ 3.00 + 8 @ 3.50 = 36.00 + 28.00 = 64.00; 5 seats @ 20.00 = 100.00
    erp.issue_to_work_order(
        work_order=number,
        date="2026-03-06",
        lines=[
            {"item": "LEG", "warehouse": "MAIN", "quantity": "20"},
            {"item": "SEAT", "warehouse": "MAIN", "quantity": "5"},
        ],
    )
    assert balance(erp, "1350") == D("164.00")
    # 1.5 h at 32.00 = 48.00
    erp.report_progress(work_order=number, date="2026-03-07", work_centre="ASSY", hours="1.5")
    assert balance(erp, "1350") == D("212.00")
    assert balance(erp, "5410") == D("-48.00")
    erp.complete_work_order(work_order=number, date="2026-03-08", quantity="5")
    assert balance(erp, "1350") == D("0.00")
    rows = [r for r in erp.stock_ledger("CHAIR") if r.kind == "wo_receipt"]
    assert [(r.quantity, r.value) for r in rows] == [(D("5"), D("212.00"))]
    checks = erp.check()
    assert all(c.ok for c in checks), [c.message for c in checks]
