"""Two OS processes confirming orders for the same customer at the same moment, on SQLite and
PostgreSQL.

The customer may owe 1000.00; each process has created ten orders of 100.00 and, once both are
ready, confirms them as fast as it can (twenty tries for room for ten). The customer stream
carries the exposure, so two confirmations racing for the last room conflict and the loser
retries on fresh state: exactly ten orders are confirmed, each recorded with the exposure it
brought the customer to (100.00, 200.00, ... 1000.00, never more), the other ten are refused
as over the credit limit, and every reconciliation check passes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import open_company

from erp_core import Erp
from erp_core.sales.documents import Customer, customer_stream

WORKERS, TRIES, LIMIT, PRICE = 2, 10, Decimal("1000.00"), Decimal("100.00")

WORKER = r"""
import json
import pathlib
import sys
import time

from erp_core import Erp
from erp_core.kernel.errors import ValidationError

url, name, tries, sync = sys.argv[1:5]
tries, sync = int(tries), pathlib.Path(sync)
out = {"created": [], "confirmed": [], "refused": [], "errors": []}
deadline = time.monotonic() + 60
with Erp.open(url, actor=name) as erp:
    for i in range(tries):
        out["created"] += erp.create_sales_order(
            date="2026-06-01",
            customer="K1",
            delivery_date="2026-06-15",
            lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "1", "price": "100.00"}],
        ).documents
    (sync / f"ready-{name}").touch()
    while not (sync / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("never got the go signal")
        time.sleep(0.002)
    for document in out["created"]:
        try:
            erp.confirm_sales_order(document=document)
            out["confirmed"].append(document)
        except ValidationError as exc:
            out["refused"].append({"document": document, "field": exc.field, "message": str(exc)})
        except Exception as exc:
            out["errors"].append(f"{type(exc).__name__}: {exc}")
print(json.dumps(out))
"""


@pytest.fixture
def books(any_url: str) -> Iterator[Erp]:
    """A customer K1 with a credit limit of 1000.00, before any worker starts."""
    erp = open_company(any_url)
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.register_customer(code="K1", name="Kappa One", credit_level="B", credit_limit=f"{LIMIT}")
    yield erp
    erp.close()


def run_workers(url: str, sync: Path) -> dict[str, Any]:
    """Start the workers, wait until each has opened the books and created its orders, then
    let them go at once."""
    sync.mkdir()
    names = [f"w{i}" for i in range(WORKERS)]
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, url, name, str(TRIES), str(sync)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    }
    try:
        deadline = time.monotonic() + 60
        while not all((sync / f"ready-{name}").exists() for name in procs):
            for name, proc in procs.items():
                if proc.poll() is not None:
                    pytest.fail(f"worker {name} exited early: {proc.communicate()[1]}")
            assert time.monotonic() < deadline, "the workers never got ready"
            time.sleep(0.01)
        (sync / "go").touch()
        reports = {}
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"worker {name} failed:\n{stderr}"
            reports[name] = json.loads(stdout.strip().splitlines()[-1])
        return reports
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.slow
def test_concurrent_confirmations_never_take_a_customer_over_its_credit_limit(
    books: Erp, any_url: str, tmp_path: Path
) -> None:
    reports = run_workers(any_url, tmp_path / "sync")

    # nothing failed for another reason (no give-up after retries, no storage error)
    assert [e for r in reports.values() for e in r["errors"]] == []
    created = [doc for r in reports.values() for doc in r["created"]]
    confirmed = [doc for r in reports.values() for doc in r["confirmed"]]
    refused = [x for r in reports.values() for x in r["refused"]]
    assert len(created) == WORKERS * TRIES
    assert sorted(created) == [f"SO-2026-{n:06d}" for n in range(1, WORKERS * TRIES + 1)]
    # every try was either confirmed or refused: 10 confirmed, 20 - 10 refused
    assert len(confirmed) == LIMIT / PRICE
    assert len(refused) == WORKERS * TRIES - len(confirmed)
    assert sorted(confirmed + [x["document"] for x in refused]) == sorted(created)
    for refusal in refused:
        assert refusal["field"] == "credit", refusal
        assert (
            f"{refusal['document']} would take K1 over its credit limit: exposure 1100.00 with "
            "this order (open receivables 0, open orders 1000.00, this order 100.00), "
            "limit 1000.00 (level B, in force on 2026-06-01)" in refusal["message"]
        ), refusal

    # each confirmation recorded the exposure it brought K1 to: 100.00 up to 1000.00, each
    # once, so no two confirmations ever saw the same exposure
    books.catch_up()
    recorded = []
    for document in confirmed:
        (event,) = [e for e in books.trail(f"so:{document}") if e.event == "SalesOrderConfirmed"]
        assert event.details["over_limit_approved"] is False
        assert Decimal(str(event.details["limit"])) == LIMIT
        recorded.append(Decimal(str(event.details["exposure"])))
    assert sorted(recorded) == [PRICE * n for n in range(1, 11)]
    for document in (x["document"] for x in refused):
        assert [e.event for e in books.trail(f"so:{document}")] == ["SalesOrderCreated"]

    customer = books.ledger.load(Customer, customer_stream("K1"))
    assert (customer.open_orders, customer.receivables) == (LIMIT, Decimal(0))
    open_lines = books.sales_open_orders()
    assert sorted(x.document for x in open_lines) == sorted(confirmed)
    assert {x.status for x in open_lines} == {"confirmed"}
    results = books.check()
    assert all(r.ok for r in results), [r.message for r in results]
