"""Open customer invoices taken over from the old books: aging, receipts, checks, rebuild."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import trial_balance_by_account
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.kernel.errors import ErpError, ValidationError

D = Decimal


def _import(erp: Erp, tmp: Path) -> list[str]:
    for kind in ("customers", "open_receivables"):
        data, spec = write_template(tmp, kind)
        result = run(erp, kind, str(data), "--mapping", str(spec), "--format", "csv")
        assert result.exit_code == 0, result.output
    rows = report_rows(result)
    return [r["document"] for r in rows if r["status"] == "applied"]


def _tables(erp: Erp) -> dict[str, list[tuple[object, ...]]]:
    from erp_core.projections.schema import metadata, projection_position
    from sqlalchemy import select

    tables = [t for t in metadata.sorted_tables if t is not projection_position]
    with erp.reader.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
            for t in tables
        }


def test_open_receivables_age_from_day_one_and_are_paid_like_invoices(
    erp: Erp, tmp_path: Path
) -> None:
    # the template: C100 owes R-2025-311 (2,400.00, due 2025-12-20) and R-2025-342 (310.75,
    # due 2026-01-14), taken over on 2026-01-01 against 3200
    documents = _import(erp, tmp_path)
    assert documents == ["OR-2026-000001", "OR-2026-000002"]
    tb = trial_balance_by_account(erp)
    assert tb["1200"] == D("2710.75")
    assert tb["3200"] == D("-2710.75")
    # on 2026-01-10: the first is 21 days overdue, the second not due yet
    (row,) = erp.receivables_aging(dt.date(2026, 1, 10)).rows
    assert (row.customer, row.not_due, row.days_1_30, row.balance) == (
        "C100",
        D("310.75"),
        D("2400.00"),
        D("2710.75"),
    )
    # on 2026-02-20: 62 days (61-90) and 37 days (31-60) overdue
    (row,) = erp.receivables_aging(dt.date(2026, 2, 20)).rows
    assert (row.days_61_90, row.days_31_60, row.not_due, row.over_90) == (
        D("2400.00"),
        D("310.75"),
        D(0),
        D(0),
    )
    ledger = erp.customer_ledger("C100")
    assert [(r.document, r.kind, r.amount) for r in ledger] == [
        ("OR-2026-000001", "opening_receivable", D("2400.00")),
        ("OR-2026-000002", "opening_receivable", D("310.75")),
    ]
    assert not [c for c in erp.check() if not c.ok]
    # a receipt allocated at once, and one allocated later
    erp.receive_customer_payment(
        customer="C100",
        date="2026-01-20",
        amount="2400.00",
        bank_account="1120",
        allocations=[{"invoice": "OR-2026-000001", "amount": "2400.00"}],
    )
    receipt = erp.receive_customer_payment(
        customer="C100", date="2026-01-25", amount="400.00", bank_account="1120"
    ).documents[0]
    erp.allocate_customer_receipt(
        receipt=receipt,
        date="2026-01-26",
        allocations=[{"invoice": "OR-2026-000002", "amount": "310.75"}],
    )
    (row,) = erp.receivables_aging(dt.date(2026, 2, 20)).rows
    assert (row.days_61_90, row.days_31_60, row.unallocated_credits, row.balance) == (
        D(0),
        D(0),
        D("89.25"),
        D("-89.25"),
    )
    with pytest.raises(ValidationError):  # nothing left open on it
        erp.allocate_customer_receipt(
            receipt=receipt,
            date="2026-01-27",
            allocations=[{"invoice": "OR-2026-000002", "amount": "0.01"}],
        )
    assert trial_balance_by_account(erp)["1200"] == D("-89.25")
    assert not [c for c in erp.check() if not c.ok]
    before = _tables(erp)
    erp.rebuild()
    assert _tables(erp) == before


def test_opening_receivables_count_in_credit_exposure(erp: Erp, tmp_path: Path) -> None:
    _import(erp, tmp_path)
    erp.register_item(code="BOX", name="Box", uom="pcs")
    erp.register_warehouse(code="W1", name="W1")
    # C100's limit is 10,000.00 and it owes 2,710.75: an order of 7,300.00 goes over it
    so = erp.create_sales_order(
        date="2026-01-05",
        customer="C100",
        delivery_date="2026-01-10",
        lines=[{"item": "BOX", "quantity": "1", "price": "7300.00", "warehouse": "W1"}],
    ).documents[0]
    with pytest.raises(ErpError, match="credit"):
        erp.confirm_sales_order(document=so)


def test_bad_opening_receivables_store_nothing(erp: Erp, tmp_path: Path) -> None:
    _import(erp, tmp_path)
    before = log_position(erp)
    base = {
        "customer": "C101",
        "invoice_reference": "X-1",
        "date": "2026-01-01",
        "invoice_date": "2025-12-01",
        "due": "2025-12-31",
        "amount": "100.00",
    }
    cases = [
        ({"customer": "NOPE"}, "unknown customer"),
        ({"amount": "0"}, "greater than zero"),
        ({"amount": "1.001"}, "decimal"),
        ({"invoice_date": "2026-01-02"}, "after the opening day"),
        ({"due": "2025-11-30"}, "before the invoice date"),
        ({"offset_account": "1200"}, "receivables"),
        ({"customer": "C100", "invoice_reference": "R-2025-311"}, "already taken over"),
        ({"date": "2031-01-01", "invoice_date": None}, "fiscal year"),
    ]
    for change, message in cases:
        with pytest.raises(ErpError, match=message):
            erp.record_opening_receivable(**{**base, **change})
    assert log_position(erp) == before
    # a credit note needs order lines: an opening invoice has none
    with pytest.raises(ValidationError, match="taken over from the old books"):
        erp.post_credit_note(
            invoice="OR-2026-000001",
            date="2026-01-05",
            reason="damaged",
            lines=[{"line": 1, "quantity": "1"}],
        )
    assert log_position(erp) == before


def test_open_receivables_import_refuses_unknown_customers(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "open_receivables")
    before = log_position(erp)
    result = run(erp, "open_receivables", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    refused = [r for r in report_rows(result) if r["status"] == "refused"]
    assert {(r["row"], r["column"]) for r in refused} == {("2", "Customer"), ("3", "Customer")}
    assert log_position(erp) == before
    # and a second run of a good file stores nothing new
    _import(erp, tmp_path)
    after = log_position(erp)
    result = run(erp, "open_receivables", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0
    assert log_position(erp) == after
