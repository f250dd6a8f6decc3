""" "As known at" on every page and API route, not only the statements: each equals the same
page of books opened on an independent copy of the log's first K events (copied here with
sqlite3, row by row, and projected by a fresh `Erp`), drill-downs stay at K, a document not yet
stored at K is not found, and a goods receipt's stock appears exactly at its position."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from web.web_fixtures import Users, log_in, read_page

from erp_core import Erp
from erp_core.web.app import create_app

YEAR = "from=2026-01-01&to=2026-12-31"
API = [
    "/api/stock?as_of=2026-12-31",
    "/api/stock?as_of=2026-12-31&by_batch=1",
    "/api/stock/ledger",
    "/api/receivables?as_of=2026-12-31",
    "/api/payables?as_of=2026-12-31",
    "/api/work-orders",
    "/api/assets?as_of=2026-12-31",
    "/api/payroll",
    f"/api/kpi?{YEAR}",
    f"/api/cash-flow?{YEAR}",
    "/api/accounts/1300/ledger",
    "/api/audit",
]
PAGES = [
    ("/stock?as_of=2026-12-31", "stock-balance"),
    ("/stock/ledger", "stock-ledger"),
    ("/receivables?as_of=2026-12-31", "aging"),
    ("/payables?as_of=2026-12-31", "aging"),
    ("/work-orders", "work-orders"),
    ("/assets?as_of=2026-12-31", "asset-register"),
    ("/payroll", "payroll-runs"),
    (f"/kpi?{YEAR}", "kpi"),
    (f"/cash-flow?{YEAR}", "cash-flow"),
    ("/audit", "projections"),
    ("/accounts/1300", "general-ledger"),
]


def copy_first_events(source: str, target: Path, k: int) -> str:
    """A new book holding the source's first `k` stored events and their chain rows, copied
    with sqlite3 (not the console's code); a fresh `Erp` projects them when first read."""
    url = f"sqlite:///{target}"
    Erp.open(url, actor="tester").close()  # the empty tables
    db = sqlite3.connect(target)
    with db:
        db.execute("ATTACH DATABASE ? AS src", (source.removeprefix("sqlite:///"),))
        db.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
            "SELECT rowid, originator_id, originator_version, topic, state "
            "FROM src.stored_events WHERE rowid <= ?",
            (k,),
        )
        db.execute(
            "INSERT INTO event_chain SELECT * FROM src.event_chain WHERE position <= ?", (k,)
        )
    db.execute("DETACH DATABASE src")
    db.close()
    return url


@pytest.fixture(scope="module")
def cuts(demo: Erp) -> list[int]:
    _, head = demo.freshness()
    return [head // 3, (2 * head) // 3]


@pytest.fixture(scope="module")
def copies(
    demo_url: str, cuts: list[int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[int, TestClient]]:
    folder = tmp_path_factory.mktemp("copies")
    books = {k: Erp.open(copy_first_events(demo_url, folder / f"{k}.sqlite", k)) for k in cuts}
    yield {
        k: TestClient(create_app(b, allowed_hosts=["testserver"]), follow_redirects=False)
        for k, b in books.items()
    }
    for b in books.values():
        b.close()


def _with(path: str, extra: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{extra}"


def _cells(html: str, table: str) -> list[list[tuple[str, str | None]]]:
    seen = read_page(html).tables[table]
    return [[(c.text.strip(), c.amount) for c in row] for row in seen.rows]


def test_web_every_api_route_as_known_at_equals_an_independent_copy_of_the_log(
    demo_url: str, client: TestClient, copies: dict[int, TestClient], cuts: list[int]
) -> None:
    differs = set()
    for k in cuts:
        for path in API:
            then = client.get(_with(path, f"position={k}"))
            assert then.status_code == 200, (path, k, then.text[:300])
            expected = copies[k].get(path)
            assert expected.status_code == 200, (path, k, expected.text[:300])
            assert then.json() == expected.json(), (path, k)
            if then.json() != client.get(path).json():
                differs.add(path)
        audit = client.get(f"/api/audit?position={k}").json()
        assert audit["ok"] and audit["chain"]["head_position"] == k
        # the chain recomputed up to k ends on the hash the live log stores at k
        db = sqlite3.connect(demo_url.removeprefix("sqlite:///"))
        (stored,) = db.execute("SELECT hash FROM event_chain WHERE position = ?", (k,)).fetchone()
        db.close()
        assert audit["chain"]["head_hash"] == stored
        assert audit["position"] == audit["head"] == k
    # not a comparison of the live books with themselves: most routes looked different then
    assert {"/api/stock/ledger", "/api/audit", f"/api/kpi?{YEAR}"} <= differs
    assert len(differs) >= 8, differs


def test_web_every_page_as_known_at_shows_the_copys_figures(
    client: TestClient, copies: dict[int, TestClient], cuts: list[int]
) -> None:
    for k in cuts:
        for path, table in PAGES:
            then = client.get(_with(path, f"position={k}"))
            assert then.status_code == 200, (path, k, then.text[:300])
            assert f"As known at log position {k}" in then.text
            assert _cells(then.text, table) == _cells(copies[k].get(path).text, table), (path, k)


def test_web_statements_as_known_at_equal_the_copy_and_say_the_position(
    client: TestClient, copies: dict[int, TestClient], cuts: list[int]
) -> None:
    for k in cuts:
        for path in (
            "/api/trial-balance?as_of=2026-12-31",
            "/api/balance-sheet?as_of=2026-12-31",
            f"/api/income-statement?{YEAR}",
        ):
            then = client.get(_with(path, f"position={k}")).json()
            copy = copies[k].get(path).json()
            assert then.pop("as_known_at") == k and copy.pop("as_known_at") is None
            assert then == copy


def test_web_drill_downs_stay_as_known_at_the_position(client: TestClient, cuts: list[int]) -> None:
    k = cuts[1]
    for path in ("/stock?as_of=2026-12-31", "/receivables?as_of=2026-12-31", "/stock/ledger"):
        page = read_page(client.get(_with(path, f"position={k}")).text)
        live = path  # the banner's link back to the books now
        inner = [h for h in page.links if h.startswith("/") and h != live]
        assert inner and all(f"position={k}" in h for h in inner), (path, inner[:5])
    # the picker keeps it too, and the banner links back to the books now
    html = client.get(f"/stock?as_of=2026-12-31&position={k}").text
    assert f'name="position" value="{k}"' in html
    assert 'id="live-books" href="/stock?as_of=2026-12-31"' in html


def test_web_a_goods_receipt_appears_exactly_at_its_position(client: TestClient, demo: Erp) -> None:
    # the demo's first goods receipt line: the bin movement's position, its item and bin
    line = next(x for x in demo.stock_ledger() if x.document.startswith("GR-"))
    number, p = line.document, line.position
    # its value as the stored voucher event says (its line's memo names item and quantity)
    voucher = next(e for e in demo.trail(number) if e.event == "VoucherPosted")
    value = next(
        Decimal(x["amount"])
        for x in voucher.details["lines"]
        if x["memo"] == f"{line.item} x {line.quantity}"
    )

    def bin_at(k: int) -> tuple[Decimal, Decimal]:
        rows = client.get(f"/api/stock?as_of=2026-12-31&position={k}").json()["rows"]
        found = [r for r in rows if (r["item"], r["warehouse"]) == (line.item, line.warehouse)]
        return (
            sum((Decimal(r["quantity"]) for r in found), Decimal(0)),
            sum((Decimal(r["value"]) for r in found), Decimal(0)),
        )

    (qty_before, value_before), (qty_after, value_after) = bin_at(p - 1), bin_at(p)
    assert qty_after - qty_before == line.quantity
    assert value_after - value_before == value
    ledger_before = client.get(f"/api/stock/ledger?position={p - 1}").json()
    ledger_at = client.get(f"/api/stock/ledger?position={p}").json()
    assert all(x["position"] != p for x in ledger_before)
    assert [x["document"] for x in ledger_at if x["position"] == p] == [number]
    # the document's trail: not found before its first event, then only what was stored
    first = voucher.position
    assert client.get(f"/documents/{number}?position={first - 1}").status_code == 404
    assert client.get(f"/api/documents/{number}/events?position={first - 1}").status_code == 404
    events = client.get(f"/api/documents/{number}/events?position={first}").json()
    assert [e["position"] for e in events] == [first]
    page = read_page(client.get(f"/documents/{number}?position={first}").text)
    assert [r[0].text for r in page.tables["trail"].rows[1:] if r and r[0].text.isdigit()] == [
        str(first)
    ]


def test_web_as_known_at_refuses_positions_outside_the_log(client: TestClient, demo: Erp) -> None:
    _, head = demo.freshness()
    for path in (f"/stock?position={head + 1}", "/kpi?position=0"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Traceback" not in response.text
    early = client.get("/api/stock?known_at=2000-01-01T00:00:00%2B00:00")
    assert early.status_code == 400 and "nothing was in the log yet" in early.json()["error"]
    assert client.get(f"/api/audit?position={head}").json()["chain"]["head_position"] == head


def test_web_as_known_at_keeps_todays_permissions(demo_url: str, tmp_path: Path) -> None:
    """Who may see the books as known then is decided by today's permissions: a user created
    after the position sees it with `report:replay` (as `erp audit replay` needs), only the
    reports their roles allow; a keeper limited to one warehouse may not replay the books (a
    replay is not limited to warehouses), and nobody sees a page without logging in."""
    import shutil

    from erp_core.access.tokens import create_token

    path = tmp_path / "books.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    admin = Erp.open(f"sqlite:///{path}", actor="tester")
    _, k = admin.freshness()  # before the users below exist
    admin.define_role(
        code="main_keeper",
        name="Keeper of MAIN",
        permissions=["area:inventory", "report:stock-balance", "report:stock-ledger"],
        warehouses=["MAIN"],
    )
    admin.define_role(
        code="stock_auditor",
        name="Stock auditor",
        permissions=["report:stock-balance", "report:stock-ledger", "report:replay"],
    )
    tokens = {}
    for user, role in (("kim", "main_keeper"), ("ann", "stock_auditor")):
        admin.create_user(code=user, name=user.title())
        admin.grant_role(user=user, role=role)
        tokens[user] = create_token(admin, user)
    Users(admin)  # access control on from here
    app = create_app(admin, allowed_hosts=["testserver"])
    kim, ann = (TestClient(app, follow_redirects=False) for _ in range(2))
    assert kim.get(f"/stock?position={k}").status_code == 303  # log in first
    assert kim.get(f"/api/stock?position={k}").status_code == 401
    log_in(kim, tokens["kim"])
    log_in(ann, tokens["ann"])
    # kim sees MAIN today, and may not replay the books
    now = kim.get("/api/stock?as_of=2026-12-31").json()
    assert {r["warehouse"] for r in now["rows"]} == {"MAIN"}
    refused = kim.get(f"/api/stock?as_of=2026-12-31&position={k}")
    assert refused.status_code == 403 and "replay" in refused.json()["error"]
    assert kim.get(f"/stock?as_of=2026-12-31&position={k}").status_code == 403
    # ann, unknown at position k, sees the stock as known then, and only what her role allows
    then = ann.get(f"/api/stock?as_of=2026-12-31&position={k}")
    assert then.status_code == 200
    assert {r["warehouse"] for r in then.json()["rows"]} == {"MAIN", "SHOP"}
    assert ann.get(f"/stock/ledger?warehouse=SHOP&position={k}").status_code == 200
    no = ann.get(f"/trial-balance?as_of=2026-12-31&position={k}")
    assert no.status_code == 403 and "trial-balance" in no.text
    admin.close()


def test_web_as_known_at_keeps_four_copies_and_removes_them_at_shutdown(demo: Erp) -> None:
    app = create_app(demo, allowed_hosts=["testserver"])
    with TestClient(app) as client:
        folders = []
        for k in (50, 60, 70, 80, 90):
            assert client.get(f"/api/trial-balance?position={k}").json()["as_known_at"] == k
            known = app.state.console._known
            folders.append(Path(known.books[k]._tmp.name))
        assert list(known.books) == [60, 70, 80, 90]  # the oldest copy was dropped ...
        assert not folders[0].exists() and all(f.exists() for f in folders[1:])  # ... removed
        again = client.get("/api/trial-balance?position=60").json()  # from the kept copy
        assert again["as_known_at"] == 60 and list(known.books)[-1] == 60
    assert not any(f.exists() for f in folders)  # the server stopped: every copy removed


def test_web_as_known_at_on_sqlite_and_postgresql(any_erp: Erp) -> None:
    """The copy is read from either store: on PostgreSQL the positions are its notification
    ids, copied as they are. Figures by hand: capital 1,000.00, then rent 300.00."""
    any_erp.post_voucher(
        "2026-01-05",
        [{"account": "1120", "debit": "1000.00"}, {"account": "3100", "credit": "1000.00"}],
        memo="capital",
    )
    _, after_capital = any_erp.freshness()
    any_erp.post_voucher(
        "2026-01-09",
        [{"account": "6200", "debit": "300.00"}, {"account": "1120", "credit": "300.00"}],
        memo="rent",
    )
    client = TestClient(create_app(any_erp, allowed_hosts=["testserver"]))
    then = client.get(f"/api/trial-balance?as_of=2026-12-31&position={after_capital}").json()
    now = client.get("/api/trial-balance?as_of=2026-12-31").json()
    bank = {r["account"]: r["debit"] for r in then["rows"]}
    assert then["total_debit"] == "1000.00" and bank["1120"] == "1000.00"
    assert "6200" not in bank
    # now: the bank's 1,000.00 less the rent, and the rent expense (1,000.00 of debits again)
    assert {r["account"]: r["debit"] for r in now["rows"]}.items() >= {
        "1120": "700.00",
        "6200": "300.00",
    }.items()
    ledger = client.get(f"/api/accounts/1120/ledger?position={after_capital}").json()
    assert [x["base"] for x in ledger] == ["1000.00"]
    assert (
        client.get(f"/api/documents/JV-2026-000002/events?position={after_capital}").json()[
            "status"
        ]
        == 404
    )
    audit = client.get(f"/api/audit?position={after_capital}").json()
    assert audit["ok"] and audit["chain"]["head_position"] == after_capital
