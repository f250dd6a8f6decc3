"""A small company migrated end to end from messy files (tests/imports/data/migration/).

The files (written by ``make_fixture.py`` there, which documents every figure): a chart row,
two warehouses, two items, 205 customer rows (a BOM, Windows line endings, ``;``, decimal commas,
lower-case codes, stray spaces, three likely duplicates, two bad rows), 40 open invoices, four
opening stock lines with batches and the opening balances voucher; one mapping for all of them,
with the old books' control totals. Every figure below is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

from conftest import trial_balance_by_account
from test_imports_cli import log_position, report_rows, run

from erp_core.api import Erp

D = Decimal
DATA = Path(__file__).parent / "data" / "migration"
ORDER = (
    "chart",
    "warehouses",
    "items",
    "customers",
    "open_receivables",
    "opening_stock",
    "opening_balances",
)


def _customers(conn: object) -> dict[str, tuple[str, int]]:
    from erp_core.projections.schema import customers
    from sqlalchemy import select

    rows = conn.execute(  # type: ignore[attr-defined]
        select(customers.c.code, customers.c.name, customers.c.payment_terms_days)
    )
    return {code: (name, terms) for code, name, terms in rows}


def _import(erp: Erp, folder: Path, kind: str, *extra: str) -> tuple[int, list[dict[str, str]]]:
    result = run(
        erp,
        kind,
        str(folder / f"{kind}.csv"),
        "--mapping",
        str(folder / "migration.toml"),
        "--format",
        "csv",
        *extra,
    )
    return result.exit_code, report_rows(result)


def _statuses(rows: list[dict[str, str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in rows:
        found[row["status"]] = found.get(row["status"], 0) + 1
    return found


def test_a_small_company_is_migrated_checked_and_re_run(erp: Erp, tmp_path: Path) -> None:
    folder = tmp_path / "migration"
    shutil.copytree(DATA, folder)
    start = log_position(erp)

    # all or nothing: the two bad customer rows stop everything, each named
    code, rows = _import(erp, folder, "customers", "--all-or-nothing")
    assert code == 1
    refused = {(r["row"], r["column"], r["message"]) for r in rows if r["status"] == "refused"}
    assert ("205", "Name", "is required but empty") in refused
    assert ("206", "Kreditlimit", "'zehn' is not a number") in refused
    assert not [r for r in rows if r["status"] == "applied"]
    assert log_position(erp) == start

    # the migration, kind by kind; only the customers have refused rows (exit status 1)
    reports = {}
    for kind in ORDER:
        code, reports[kind] = _import(erp, folder, kind)
        assert code == (1 if kind == "customers" else 0), (kind, reports[kind])
    customers = _statuses(reports["customers"])
    # 205 rows: 200 customers stored; K0201 ~ K0121 (Müller/Mueller Metallbau GmbH), K0202 ~
    # K0182 (Schröder/Schroeder Holzhandel KG) and K0203 (K0050's VAT number) merged; K0204
    # (no name) and K0205 (credit limit 'zehn') refused; 50 cleansing changes: every seventh
    # code (28 codes " k0007 " -> "K0007") and every ninth name (22 names with stray spaces)
    assert customers == {"applied": 200, "merged": 3, "refused": 2, "cleansed": 50}
    merged = {r["row"]: r["document"] for r in reports["customers"] if r["status"] == "merged"}
    assert merged == {"202": "K0121", "203": "K0182", "204": "K0050"}
    (vat,) = [r["message"] for r in reports["customers"] if r["row"] == "204"]
    assert vat == (
        "'Nordlicht Handel AG' merged into row 51 (K0050) 'Engel Optik KG' (the same "
        "'USt-IdNr'); not stored"
    )
    stored = erp.query(_customers)
    assert len(stored) == 200 and sorted(stored)[0] == "K0001" and sorted(stored)[-1] == "K0200"
    assert stored["K0007"] == ("Albers Gartenpflege AG", 30)  # code " k0007 "; 14 + 1 x 16
    assert stored["K0009"] == ("Albers Kältetechnik GmbH", 14)  # "  Albers  Kältetechnik GmbH"
    assert stored["K0010"] == ("Albers Optik KG", 30)  # no terms: the default 30
    assert _statuses(reports["open_receivables"]) == {"applied": 40}
    assert _statuses(reports["opening_balances"]) == {"applied": 5}

    # trial balance: the open items (62.50 x (1 + ... + 40) + 40 x 0.35 = 51,264.00) and the
    # stock (1000 x 0.12 + 40 x 8.50 + 10 x 9.10 + 500 x 0.125 = 613.50) against 3900, which
    # the opening voucher debits with 51,877.50: the offset nets to zero
    tb = trial_balance_by_account(erp)
    assert tb == {
        "1120": D("25000.00"),
        "1200": D("51264.00"),
        "1300": D("613.50"),
        "1610": D("12000.00"),
        "2500": D("-10000.00"),
        "3100": D("-78877.50"),
    }
    # aging on 31 January 2026: invoices of December due 30 days later; only K0140's
    # (62.50 x 28 + 0.35 = 1,750.35, invoiced 1 December, due 31 December) is 31 days late
    aging = erp.receivables_aging(dt.date(2026, 1, 31))
    assert len(aging.rows) == 40
    assert sum((r.days_1_30 for r in aging.rows), D(0)) == D("49513.65")
    assert sum((r.days_31_60 for r in aging.rows), D(0)) == D("1750.35")
    assert sum((r.not_due + r.days_61_90 + r.over_90 for r in aging.rows), D(0)) == 0
    (k140,) = [r for r in aging.rows if r.customer == "K0140"]
    assert (k140.days_31_60, k140.balance) == (D("1750.35"), D("1750.35"))
    # stock by bin and batch
    balance = erp.stock_balance(dt.date(2026, 1, 1), by_batch=True)
    bins = {(r.item, r.warehouse, r.batch or ""): (r.quantity, r.value) for r in balance.rows}
    assert bins == {
        ("BOLT-M8", "MAIN", ""): (D("1000"), D("120.00")),
        ("BOLT-M8", "EAST", ""): (D("500"), D("62.50")),
        ("GLUE-1", "MAIN", "L2025-11"): (D("40"), D("340.00")),
        ("GLUE-1", "MAIN", "L2025-12"): (D("10"), D("91.00")),
    }
    assert [c.name for c in erp.check() if not c.ok] == []

    # the same files again: nothing new stored, and every report says so
    position = log_position(erp)
    for kind in ORDER:
        code, rows = _import(erp, folder, kind)
        statuses = set(_statuses(rows)) - {"cleansed"}
        expected = {"skipped", "merged", "refused"} if kind == "customers" else {"skipped"}
        assert statuses == expected, (kind, rows)
    assert log_position(erp) == position
    assert trial_balance_by_account(erp) == tb


def test_open_items_off_the_control_total_store_nothing(erp: Erp, tmp_path: Path) -> None:
    folder = tmp_path / "migration"
    shutil.copytree(DATA, folder)
    for kind in ("customers",):
        _import(erp, folder, kind)
    position = log_position(erp)
    # one invoice's open amount mistyped: 2.500,35 -> 2.500,53 (R-2025-1040 of K0200)
    text = (folder / "open_receivables.csv").read_text(encoding="utf-8")
    assert text.count("2.500,35") == 1
    (folder / "open_receivables.csv").write_text(text.replace("2.500,35", "2.500,53"))
    code, rows = _import(erp, folder, "open_receivables")
    assert code == 1
    (problem,) = [r["message"] for r in rows if r["row"] == ""]
    assert (
        problem == "open items total 51264.18, but the control total is 51264.00: difference 0.18"
    )
    assert log_position(erp) == position
    assert "1200" not in trial_balance_by_account(erp)


def test_the_fixture_files_are_what_their_generator_writes(tmp_path: Path) -> None:
    """The figures worked out in make_fixture.py are the files' figures."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixture", DATA / "make_fixture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_all(tmp_path)
    for name in ("customers.csv", "open_receivables.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    raw = (DATA / "customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 206  # BOM, CRLF
