"""`erp audit trail NUMBER` finds every stream of a document number: the document's own stream
(`so:`, `po:`, `wo:`, ...) and what it posted (`doc:`), in log order."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.cli import cli
from erp_core.kernel.errors import NotFound


@pytest.fixture
def book(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/book.sqlite"
    with Erp.open(url, actor="clerk") as erp:
        erp.init("Trail Ltd", "EUR", dt.date(2026, 1, 1))
        for action in (
            {"action": "register_warehouse", "code": "MAIN", "name": "Main"},
            {"action": "register_item", "code": "NUT", "name": "Nut", "uom": "pcs"},
            {"action": "register_supplier", "code": "S1", "name": "Supplier"},
            {
                "action": "create_purchase_order",
                "date": "2026-01-05",
                "supplier": "S1",
                "expected_delivery": "2026-01-06",
                "lines": [{"item": "NUT", "quantity": "10", "price": "2.00", "warehouse": "MAIN"}],
            },
            {
                "action": "receive_purchase_order",
                "document": "PO-2026-000001",
                "date": "2026-01-06",
                "lines": [{"line": 1, "accepted": "10"}],
            },
        ):
            erp.apply(action)
    return url


def test_a_document_number_shows_its_own_stream_and_its_postings(book: str) -> None:
    with Erp.open(book, actor="auditor") as erp:
        order = erp.trail("PO-2026-000001")
        receipt = erp.trail("GR-2026-000001")
    assert {e.stream for e in order} == {"po:PO-2026-000001"}
    assert order[0].event == "PurchaseOrderCreated"
    assert all(e.stream.endswith(":GR-2026-000001") for e in receipt)
    assert [e.position for e in receipt] == sorted(e.position for e in receipt)


def test_the_cli_names_the_stream_when_a_document_has_several(book: str) -> None:
    out = CliRunner().invoke(cli, ["--db", book, "audit", "trail", "PO-2026-000001"])
    assert out.exit_code == 0, out.output
    assert "PurchaseOrderCreated" in out.output and "item=NUT" in out.output
    rows = json.loads(
        CliRunner()
        .invoke(cli, ["--db", book, "audit", "trail", "PO-2026-000001", "--format", "json"])
        .output
    )
    assert rows[0]["stream"] == "po:PO-2026-000001" and rows[0]["actor"] == "clerk"


def test_a_number_nothing_was_stored_for_is_not_found(book: str) -> None:
    with Erp.open(book, actor="auditor") as erp, pytest.raises(NotFound, match="PO-2026-000009"):
        erp.trail("PO-2026-000009")
    # a pattern character is not a wildcard
    with Erp.open(book, actor="auditor") as erp, pytest.raises(NotFound):
        erp.trail("PO-2026-00000_")
    out = CliRunner().invoke(cli, ["--db", book, "audit", "trail", "PO-2026-000009"])
    assert out.exit_code != 0 and "nothing stored for 'PO-2026-000009'" in out.output
