"""`erp import` end to end: every kind from its own template, bad inputs, re-runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import trial_balance_by_account

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.imports.run import template

ORDER = (
    "chart",
    "warehouses",
    "items",
    "customers",
    "suppliers",
    "opening_balances",
    "open_payables",
    "opening_stock",
)


def write_template(tmp: Path, kind: str, controls: bool = False) -> tuple[Path, Path]:
    """The kind's template files; without its control totals unless `controls` (most tests
    change the sample's figures)."""
    sample, mapping = template(kind)
    if not controls:
        mapping = mapping.split(f"\n[kinds.{kind}.control]")[0]
    data, spec = tmp / f"{kind}.csv", tmp / f"{kind}.toml"
    data.write_text(sample, encoding="utf-8")
    spec.write_text(mapping, encoding="utf-8")
    return data, spec


def run(erp: Erp, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", erp.url.raw, "import", *args], catch_exceptions=False)


def report_rows(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def log_position(erp: Erp) -> int:
    return erp.store.last_position()


def import_all(erp: Erp, tmp: Path) -> dict[str, list[dict[str, str]]]:
    reports = {}
    for kind in ORDER:
        data, spec = write_template(tmp, kind, controls=True)  # the templates' totals agree
        result = run(erp, kind, str(data), "--mapping", str(spec), "--format", "csv")
        assert result.exit_code == 0, result.output
        reports[kind] = report_rows(result)
    return reports


def test_every_kind_imports_from_its_template(erp: Erp, tmp_path: Path) -> None:
    reports = import_all(erp, tmp_path)
    for kind, rows in reports.items():
        outcomes = [r["status"] for r in rows if r["status"] not in ("cleansed", "near-duplicate")]
        assert outcomes and set(outcomes) == {"applied"}, (kind, rows)
    tb = trial_balance_by_account(erp)
    assert tb["1120"] == Decimal("25000.00")
    assert tb["1610"] == Decimal("12000.00")
    assert tb["2500"] == Decimal("-15000.00")
    assert tb["3100"] == Decimal("-22000.00")
    assert tb["1300"] == Decimal("460.00")  # 1000 x 0.12 + 40 x 8.50
    assert tb["2100"] == Decimal("-1730.50")  # open payables 1,250.00 + 480.50
    assert tb["3200"] == Decimal("1730.50") - Decimal("460.00")  # the offsets
    assert sum(tb.values()) == 0
    aging = erp.payables_aging(dt.date(2026, 1, 15))
    (row,) = aging.rows
    assert (row.not_due, row.days_1_30, row.balance) == (
        Decimal("480.50"),
        Decimal("1250.00"),
        Decimal("1730.50"),
    )
    # the opening balances are ONE voucher
    opening = {r["document"] for r in reports["opening_balances"] if r["status"] == "applied"}
    assert len(opening) == 1 and len(reports["opening_balances"]) == 4
    balance = erp.stock_balance(dt.date(2026, 1, 31), by_batch=True)
    assert sum((row.value for row in balance.rows), Decimal(0)) == Decimal("460.00")
    assert any(row.batch == "L2025-11" for row in balance.rows)
    accounts = {r["code"] for r in erp.query(_accounts)}
    assert {"1700", "1710"} <= accounts
    assert not [c for c in erp.check() if not c.ok]


def _accounts(conn: object) -> list[dict[str, object]]:
    from erp_core.projections.schema import accounts
    from sqlalchemy import select

    return [dict(r._mapping) for r in conn.execute(select(accounts))]  # type: ignore[attr-defined]


def test_a_second_run_stores_nothing_and_says_so(erp: Erp, tmp_path: Path) -> None:
    import_all(erp, tmp_path)
    before = log_position(erp)
    for kind in ORDER:
        data, spec = write_template(tmp_path, kind)
        result = run(erp, kind, str(data), "--mapping", str(spec))
        assert result.exit_code == 0, result.output
        assert "nothing new stored" in result.output
        csv_result = run(erp, kind, str(data), "--mapping", str(spec), "--format", "csv")
        statuses = {r["status"] for r in report_rows(csv_result)} - {"cleansed", "near-duplicate"}
        assert statuses == {"skipped"}, kind
    assert log_position(erp) == before


def test_a_changed_row_is_a_conflict_not_a_duplicate(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "customers")
    assert run(erp, "customers", str(data), "--mapping", str(spec)).exit_code == 0
    before = log_position(erp)
    data.write_text(data.read_text().replace("Nordwind AG,,14", "Nordwind AG,,21"))
    report = tmp_path / "report.csv"
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--report", str(report))
    assert result.exit_code == 1
    rows = list(csv.DictReader(report.open()))
    by_row = {r["row"]: r["status"] for r in rows}
    assert by_row == {"2": "skipped", "3": "conflict"}
    assert log_position(erp) == before


def test_dry_run_reports_and_stores_nothing(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "chart")
    before = log_position(erp)
    result = run(erp, "chart", str(data), "--mapping", str(spec), "--dry-run", "--format", "csv")
    assert result.exit_code == 0
    assert {r["status"] for r in report_rows(result)} == {"would apply"}
    assert log_position(erp) == before


def opening(tmp: Path, rows: list[str]) -> tuple[Path, Path]:
    data, spec = write_template(tmp, "opening_balances")
    data.write_text("Date,Account,Debit,Credit,Text\n" + "\n".join(rows) + "\n")
    return data, spec


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            ['01.01.2026,1120,"100,00",,', '01.01.2026,3100,,"90,00",'],
            "debits 100.00, credits 90.00, debits exceed by 10.00",
        ),
        (['01.01.2026,1120,"100,00",,', '01.01.2026,9999,,"100,00",'], "'9999' is not a known"),
        (['01.01.2026,1120,"100,00",,', '01.01.2026,1000,,"100,00",'], "'1000' is not a known"),
        (['01.01.2026,1120,"1x0,00",,', '01.01.2026,3100,,"100,00",'], "is not a number"),
        (['01.01.2026,1120,"100,00",,', '02.01.2026,3100,,"100,00",'], "one date"),
    ],
)
def test_bad_opening_balances_change_nothing(
    erp: Erp, tmp_path: Path, rows: list[str], expected: str
) -> None:
    data, spec = opening(tmp_path, rows)
    before = log_position(erp)
    result = run(erp, "opening-balances", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    assert expected in result.stdout
    assert log_position(erp) == before


def test_unknown_account_is_named_by_row_and_column(erp: Erp, tmp_path: Path) -> None:
    data, spec = opening(tmp_path, ['01.01.2026,1120,"100,00",,', '01.01.2026,9999,,"100,00",'])
    result = run(erp, "opening_balances", str(data), "--mapping", str(spec), "--format", "csv")
    refused = [r for r in report_rows(result) if r["status"] == "refused" and r["row"]]
    assert [(r["row"], r["column"]) for r in refused] == [("3", "Account")]


def test_duplicate_external_ids_change_nothing(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "warehouses")
    data.write_text("Code,Name\nMAIN,Main\nEAST,East\nMAIN,Main again\n")
    before = log_position(erp)
    result = run(erp, "warehouses", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    assert "external id 'MAIN' appears at rows 2, 4" in result.stdout
    assert log_position(erp) == before


def test_malformed_file_changes_nothing(erp: Erp, tmp_path: Path) -> None:
    _, spec = write_template(tmp_path, "customers")
    for content in (b"", b"PK\x03\x04not really a workbook", b"No,Name\n\x00\x01,x\n"):
        data = tmp_path / "bad.csv"
        data.write_bytes(content)
        before = log_position(erp)
        result = CliRunner().invoke(
            cli, ["--db", erp.url.raw, "import", "customers", str(data), "--mapping", str(spec)]
        )
        assert result.exit_code == 2, result.output
        assert "bad.csv" in result.output
        assert log_position(erp) == before


def test_missing_column_refuses_the_file(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "customers")
    data.write_text("No,Name\nC1,One\n")
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    assert "the file has no such column" in result.stdout
    assert not erp.query(_customers)


def _customers(conn: object) -> list[str]:
    from erp_core.projections.schema import customers
    from sqlalchemy import select

    return [r[0] for r in conn.execute(select(customers.c.code))]  # type: ignore[attr-defined]


def test_one_bad_row_all_or_nothing_stores_nothing_and_names_it(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "customers")
    data.write_text('No,Name,Contact,Terms,Credit limit\nC1,One,,30,"1,00"\nC2,Two,,abc,"1,00"\n')
    result = run(
        erp, "customers", str(data), "--mapping", str(spec), "--all-or-nothing", "--format", "csv"
    )
    assert result.exit_code == 1
    refused = [r for r in report_rows(result) if r["row"] == "3"]
    assert refused and refused[0]["column"] == "Terms"
    assert not erp.query(_customers)
    # without --all-or-nothing the good row is stored and the bad one reported
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    assert erp.query(_customers) == ["C1"]


def test_rule_of_the_action_is_reported_on_its_row(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "warehouses")
    assert run(erp, "warehouses", str(data), "--mapping", str(spec)).exit_code == 0
    stock, stock_spec = write_template(tmp_path, "opening_stock")
    # items are not registered: every row refused by the link check, nothing stored
    result = run(erp, "opening_stock", str(stock), "--mapping", str(stock_spec), "--format", "csv")
    assert result.exit_code == 1
    rows = [r for r in report_rows(result) if r["status"] == "refused"]
    assert {r["column"] for r in rows} == {"Item"}
    assert "1300" not in trial_balance_by_account(erp) or not trial_balance_by_account(erp)["1300"]


def test_cleansing_is_reported_and_near_duplicates_stop_the_run(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "customers")
    data.write_text(
        "No,Name,Contact,Terms,Credit limit\n"
        'c1 ,  Müller   GmbH ,,30,"1,00"\n'
        'C2,MUELLER GMBH,,30,"1,00"\n'
        'C3,Mueller GmbH.,,30,"1,00"\n'
    )
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    rows = report_rows(result)
    cleansed = [r for r in rows if r["status"] == "cleansed"]
    assert any("'c1' -> 'C1'" in r["message"] or "-> 'C1'" in r["message"] for r in cleansed)
    assert any("'Müller GmbH'" in r["message"] for r in cleansed)
    near = [r for r in rows if r["status"] == "near-duplicate"]
    assert any(r["row"] == "3" and "row 4" in r["message"] for r in near)
    assert result.exit_code == 1
    assert erp.query(_customers) == []  # no rule in the mapping: the pairs stop the run


def test_xlsx_is_read(erp: Erp, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    _, spec = write_template(tmp_path, "items")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Item", "Description", "Unit", "Valuation", "Batches"])
    sheet.append(["SCREW", "Screw", "pcs", "fifo", "no"])
    path = tmp_path / "items.xlsx"
    book.save(path)
    result = run(erp, "items", str(path), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in report_rows(result)] == ["applied"]


def test_template_prints_a_header_and_a_mapping(erp: Erp) -> None:
    result = run(erp, "opening-stock", "--template")
    assert result.exit_code == 0
    assert "Ref,Date,Item,Warehouse,Batch,Quantity,Unit cost,Offset" in result.output
    assert "[kinds.opening_stock]" in result.output


def test_rebuilt_projections_equal_live_after_import(erp: Erp, tmp_path: Path) -> None:
    import_all(erp, tmp_path)

    def state() -> tuple[object, ...]:
        day = dt.date(2026, 2, 1)
        return (
            trial_balance_by_account(erp),
            sorted(erp.query(_customers)),
            erp.payables_aging(day),
            erp.stock_balance(day, by_batch=True),
        )

    live = state()
    erp.rebuild()
    assert state() == live


def test_control_accounts_are_refused_in_opening_balances(erp: Erp, tmp_path: Path) -> None:
    data, spec = opening(tmp_path, ['01.01.2026,1200,"500,00",,', '01.01.2026,3100,,"500,00",'])
    before = log_position(erp)
    result = run(erp, "opening_balances", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    rows = [r for r in report_rows(result) if r["row"] == "2"]
    assert "'1200' is the receivables control account" in rows[0]["message"]
    assert log_position(erp) == before


def test_a_voucher_refused_by_the_ledger_names_every_row(erp: Erp, tmp_path: Path) -> None:
    data, spec = opening(tmp_path, ['01.01.2030,1120,"500,00",,', '01.01.2030,3100,,"500,00",'])
    before = log_position(erp)
    result = run(erp, "opening_balances", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    rows = report_rows(result)
    assert {r["row"] for r in rows if r["status"] == "refused"} == {"2", "3"}
    assert log_position(erp) == before


def test_open_payables_are_paid_like_invoices(erp: Erp, tmp_path: Path) -> None:
    for kind in ("suppliers", "open_payables"):
        data, spec = write_template(tmp_path, kind)
        assert run(erp, kind, str(data), "--mapping", str(spec)).exit_code == 0
    invoice = erp.supplier_ledger("S200")[0].document
    erp.apply(
        {
            "action": "pay_supplier",
            "supplier": "S200",
            "date": "2026-01-20",
            "amount": "1250.00",
            "allocations": [{"invoice": invoice, "amount": "1250.00"}],
        }
    )
    aging = erp.payables_aging(dt.date(2026, 1, 20))
    assert aging.total == Decimal("480.50")
    assert not [c for c in erp.check() if not c.ok]


def test_open_payables_refuse_unknown_suppliers_and_twice_booked_invoices(
    erp: Erp, tmp_path: Path
) -> None:
    data, spec = write_template(tmp_path, "open_payables")
    before = log_position(erp)
    result = run(erp, "open_payables", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    refused = [r for r in report_rows(result) if r["status"] == "refused"]
    assert {(r["row"], r["column"]) for r in refused} == {("2", "Supplier"), ("3", "Supplier")}
    assert log_position(erp) == before
    suppliers, supplier_spec = write_template(tmp_path, "suppliers")
    assert run(erp, "suppliers", str(suppliers), "--mapping", str(supplier_spec)).exit_code == 0
    data.write_text(data.read_text() + 'S200,INV-8812,,30.12.2025,"1,00",\n')
    result = run(erp, "open_payables", str(data), "--mapping", str(spec), "--format", "csv")
    refused = [r for r in report_rows(result) if r["status"] == "refused"]
    assert {r["row"] for r in refused} == {"4"}
    assert any(
        "rows 2, 4 share supplier 'S200', supplier_reference" in r["message"] for r in refused
    )
    assert any("external id 'S200|INV-8812' appears at rows 2, 4" in r["message"] for r in refused)
    assert not erp.payables_aging(dt.date(2026, 1, 15)).rows


def test_stream_names_agree_with_procurement() -> None:
    from erp_core.imports import handlers as ours
    from erp_core.procurement import handlers as theirs

    assert ours.supplier_stream("S1") == theirs.supplier_stream("S1")
    assert ours.invoice_stream("PI-1") == theirs.invoice_stream("PI-1")
