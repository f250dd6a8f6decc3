"""A long general ledger is read a page at a time (the database counts and sums it), and each
page's running balance still starts from everything before it. Figures by hand: voucher i
debits the bank with i.00, so the first n lines add up to n(n+1)/2."""

from __future__ import annotations

from decimal import Decimal

from starlette.testclient import TestClient
from web.web_fixtures import read_page

from erp_core import Erp
from erp_core.web.app import PAGE_SIZE, create_app

N = 1100


def _books(erp: Erp) -> TestClient:
    erp.apply_many(
        [
            {
                "action": "post_voucher",
                "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "memo": f"sale {i}",
                "lines": [
                    {"account": "1120", "debit": f"{i}.00"},
                    {"account": "4100", "credit": f"{i}.00"},
                ],
            }
            for i in range(1, N + 1)
        ]
    )
    return TestClient(create_app(erp, allowed_hosts=["testserver"]))


def test_web_ledger_pages_keep_the_running_balance(erp: Erp) -> None:
    client = _books(erp)
    assert PAGE_SIZE == 500
    page = read_page(client.get("/accounts/1120?page=2").text)
    table = page.tables["general-ledger"]
    lines = [r for r, c in zip(table.rows[1:], table.classes[1:], strict=True) if c != "total"]
    assert len(lines) == 500
    assert lines[0][6].amount == "501.00"  # the 501st voucher
    assert lines[0][7].amount == "125751.00"  # 500 x 501 / 2 + 501
    assert lines[-1][7].amount == "500500.00"  # 1000 x 1001 / 2
    total = next(r for r, c in zip(table.rows, table.classes, strict=True) if c == "total")
    assert total[6].amount == "605550.00"  # 1100 x 1101 / 2
    html = client.get("/accounts/1120?page=2").text
    assert "page 2 of 3" in html
    last = read_page(client.get("/accounts/1120?page=3").text).tables["general-ledger"]
    assert len([c for c in last.classes[1:] if c != "total"]) == 100
    # a page past the end shows nothing, and still the total
    empty = read_page(client.get("/accounts/1120?page=9").text).tables["general-ledger"]
    assert any(c == "total" for c in empty.classes)


def test_web_api_ledger_offset_and_limit(erp: Erp) -> None:
    client = _books(erp)
    rows = client.get("/api/accounts/1120/ledger?offset=1000&limit=50").json()
    assert [Decimal(r["base"]) for r in rows] == [Decimal(i) for i in range(1001, 1051)]
    tail = client.get("/api/accounts/1120/ledger?offset=1090").json()
    assert [Decimal(r["base"]) for r in tail] == [Decimal(i) for i in range(1091, 1101)]
    assert len(client.get("/api/accounts/1120/ledger").json()) == N
    # dates narrow the ledger in the database too: January holds i = 12, 24, ...
    january = client.get("/api/accounts/1120/ledger?from=2026-01-01&to=2026-01-31").json()
    assert {Decimal(r["base"]) % 12 for r in january} == {Decimal(0)}
    assert len(january) == N // 12
    assert client.get("/api/accounts/9999/ledger").status_code == 404
    assert client.get("/api/accounts/1120/ledger?offset=-1").status_code == 400
