"""Issue 10 item 20: a partly delivered sales order can be closed; its undelivered rest leaves
the customer's credit exposure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_clock, open_company

from erp_core import Erp
from erp_core.kernel.errors import ErpError
from erp_core.sales.documents import Customer, customer_stream


def _books(url: str, clock: Callable[[], dt.datetime] | None = None) -> Erp:
    erp = open_company(url, clock)
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.receive_stock(date="2026-06-01", account="3100",
                      lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "100",
                              "unit_cost": "1.00"}])  # fmt: skip
    erp.register_customer(code="K1", name="Kappa One", credit_limit="1000.00")
    return erp


def _order(erp: Erp, quantity: str) -> str:
    doc = erp.create_sales_order(
        date="2026-06-01", customer="K1", delivery_date="2026-06-15",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": quantity, "price": "10.00"}],
    ).documents[0]  # fmt: skip
    erp.confirm_sales_order(document=doc)
    return doc


def exposure(erp: Erp) -> Decimal:
    return erp.ledger.load(Customer, customer_stream("K1"), refreshed=True).exposure


def test_defects_close_releases_the_undelivered_rest(sqlite_url: str) -> None:
    erp = _books(sqlite_url)
    doc = _order(erp, "80")  # 800.00 of 1000.00
    erp.deliver_sales_order(document=doc, date="2026-06-10", lines=[{"line": 1, "quantity": "30"}])
    assert exposure(erp) == Decimal("800.00")
    with pytest.raises(ErpError, match="reason"):
        erp.apply({"action": "close_sales_order", "document": doc})
    erp.close_sales_order(document=doc, reason="customer needs no more")
    assert exposure(erp) == Decimal("300.00")  # delivered, not yet invoiced
    with pytest.raises(ErpError, match="closed"):
        erp.deliver_sales_order(document=doc, date="2026-06-11",
                                lines=[{"line": 1, "quantity": "1"}])  # fmt: skip
    with pytest.raises(ErpError, match="closed"):
        erp.close_sales_order(document=doc, reason="again")
    erp.invoice_sales_order(document=doc, date="2026-06-12")
    assert exposure(erp) == Decimal("300.00")  # now a receivable
    open_lines = erp.sales_open_orders()
    assert [x.document for x in open_lines] == []
    assert all(r.ok for r in erp.check())
    before = erp.sales_open_orders()
    erp.rebuild()
    assert erp.sales_open_orders() == before


def test_defects_close_needs_a_delivery_and_an_open_order(sqlite_url: str) -> None:
    erp = _books(sqlite_url)
    doc = _order(erp, "10")
    with pytest.raises(ErpError, match="cancel"):
        erp.close_sales_order(document=doc, reason="nothing delivered")  # cancel it instead


def test_defects_release_is_seen_by_a_concurrent_credit_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/books.sqlite"
    first = _books(url, make_clock())
    doc = _order(first, "80")
    first.deliver_sales_order(
        document=doc, date="2026-06-10", lines=[{"line": 1, "quantity": "30"}]
    )
    second = Erp.open(url, actor="other", clock=make_clock())
    draft = second.create_sales_order(
        date="2026-06-02", customer="K1", delivery_date="2026-06-15",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "50", "price": "10.00"}],
    ).documents[0]  # fmt: skip
    with pytest.raises(ErpError, match="credit"):
        second.confirm_sales_order(document=draft)  # 800 + 500 > 1000
    first.close_sales_order(document=doc, reason="rest not needed")  # releases 500.00
    second.confirm_sales_order(document=draft)  # the other writer sees the release
    assert exposure(second) == Decimal("800.00")
    third = second.create_sales_order(
        date="2026-06-03", customer="K1", delivery_date="2026-06-15",
        lines=[{"item": "BOLT", "warehouse": "MAIN", "quantity": "21", "price": "10.00"}],
    ).documents[0]  # fmt: skip
    with pytest.raises(ErpError, match="credit"):
        first.confirm_sales_order(document=third)  # 800 + 210 > 1000, seen by the first
    first.close()
    second.close()
