"""Likely duplicates: a near-duplicate stops the run naming both rows, unless the mapping's
rule merges or only flags it; exact keys (a VAT number) pair rows; existing codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.imports.errors import MappingFileError
from erp_core.imports.kinds import SCHEMA
from erp_core.imports.mapping import load_mapping
from erp_core.imports.run import run_import

HEAD = "No,Name,Contact,Terms,Credit limit,VAT\n"
ROWS = (
    "No,Name,Contact,Terms,Credit limit,VAT\n"
    'C1,Müller Metallbau GmbH,,30,"1,00",DE 111\n'
    'C2,Nordwind AG,,30,"2,00",DE222\n'
    'C3,Mueller Metallbau GmbH,,30,"3,00",\n'  # resembles row 2
    'C4,Seeblick Hotel KG,,30,"4,00",de-111\n'  # the VAT number of row 2
)


def _customers(conn: object) -> dict[str, str]:
    from erp_core.projections.schema import customers
    from sqlalchemy import select

    rows = conn.execute(select(customers.c.code, customers.c.name))  # type: ignore[attr-defined]
    return dict(rows.all())


def _register(erp: Erp, code: str, name: str) -> None:
    erp.apply({"action": "register_customer", "code": code, "name": name, "credit_limit": "0"})


def _files(tmp: Path, rule: str = "", rows: str = ROWS) -> tuple[Path, Path]:
    data, spec = write_template(tmp, "customers")
    data.write_text(rows, encoding="utf-8")
    mapping = spec.read_text(encoding="utf-8").split("\n[kinds.customers.duplicates]")[0]
    if rule:
        mapping += f"\n[kinds.customers.duplicates]\n{rule}\n"
    spec.write_text(mapping, encoding="utf-8")
    return data, spec


def test_a_near_duplicate_stops_the_run_naming_both_rows(erp: Erp, tmp_path: Path) -> None:
    data, spec = _files(tmp_path, 'keys = ["VAT"]')
    before = log_position(erp)
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    rows = report_rows(result)
    pairs = [(r["row"], r["message"]) for r in rows if r["status"] == "near-duplicate"]
    assert pairs == [
        (
            "2",
            "'Müller Metallbau GmbH' resembles row 4 'Mueller Metallbau GmbH' (similarity 0.977)",
        ),
        ("2", "has the same 'VAT' (DE111) as row 5"),
    ], pairs
    (stop,) = [r for r in rows if r["status"] == "refused"]
    assert stop["row"] == "" and stop["message"].startswith("2 likely duplicate pair(s)")
    assert 'near = "merge"' in stop["message"]
    assert not [r for r in rows if r["status"] == "applied"]
    assert log_position(erp) == before  # nothing stored


def test_the_default_rule_is_stop(erp: Erp, tmp_path: Path) -> None:
    data, spec = _files(tmp_path)  # no [duplicates] table
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    near = [r for r in report_rows(result) if r["status"] == "near-duplicate"]
    assert [r["row"] for r in near] == ["2"]  # the names only: no key columns are compared
    assert not erp.query(_customers)


def test_merge_keeps_the_first_row_of_each_group(erp: Erp, tmp_path: Path) -> None:
    data, spec = _files(tmp_path, 'keys = ["VAT"]\nnear = "merge"')
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = report_rows(result)
    merged = {r["row"]: (r["message"], r["document"]) for r in rows if r["status"] == "merged"}
    assert merged == {
        "4": (
            "'Mueller Metallbau GmbH' merged into row 2 (C1) 'Müller Metallbau GmbH' "
            "(similarity 0.977); not stored",
            "C1",
        ),
        "5": (
            "'Seeblick Hotel KG' merged into row 2 (C1) 'Müller Metallbau GmbH' "
            "(the same 'VAT'); not stored",
            "C1",
        ),
    }
    assert erp.query(_customers) == {"C1": "Müller Metallbau GmbH", "C2": "Nordwind AG"}
    # the summary counts the merged rows; a re-run merges them again and stores nothing
    before = log_position(erp)
    again = run(erp, "customers", str(data), "--mapping", str(spec))
    assert again.exit_code == 0
    assert "4 rows read, 2 skipped, 2 merged" in again.output
    assert "nothing new stored" in again.output
    assert log_position(erp) == before


def test_merge_into_a_stored_record_stores_nothing_for_the_row(erp: Erp, tmp_path: Path) -> None:
    _register(erp, "K9", "Mueller Metallbau")
    data, spec = _files(
        tmp_path,
        'near = "merge"',
        "No,Name,Contact,Terms,Credit limit,VAT\n"
        'C1,Müller Metallbau,,30,"1,00",\n'
        'C2,Nordwind AG,,30,"2,00",\n',
    )
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    (merged,) = [r for r in report_rows(result) if r["status"] == "merged"]
    assert merged["row"] == "2" and merged["document"] == "K9"
    assert "merged into the stored 'K9'" in merged["message"]
    assert sorted(erp.query(_customers)) == ["C2", "K9"]


def test_a_row_like_two_stored_records_cannot_be_merged(erp: Erp, tmp_path: Path) -> None:
    for code in ("K1", "K2"):
        _register(erp, code, "Nordwind AG")
    data, spec = _files(tmp_path, 'near = "merge"', HEAD + 'C1,Nordwind AG,,30,"1,00",\n')
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    (refused,) = [r for r in report_rows(result) if r["status"] == "refused"]
    assert refused["row"] == "2"
    assert "resembles more than one stored record ('K1', 'K2')" in refused["message"]
    assert "C1" not in erp.query(_customers)


def test_flag_reports_the_pairs_and_stores_every_row(erp: Erp, tmp_path: Path) -> None:
    data, spec = _files(tmp_path, 'keys = ["VAT"]\nnear = "flag"')
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len([r for r in report_rows(result) if r["status"] == "near-duplicate"]) == 2
    assert sorted(erp.query(_customers)) == ["C1", "C2", "C3", "C4"]


def test_a_lower_threshold_pairs_more(erp: Erp, tmp_path: Path) -> None:
    rows = HEAD + 'C1,Nordwind AG,,30,"1,00",\nC2,Nordland AG,,30,"1,00",\n'
    data, spec = _files(tmp_path, 'threshold = "0.95"', rows)
    assert run(erp, "customers", str(data), "--mapping", str(spec), "--dry-run").exit_code == 0
    data, spec = _files(tmp_path, 'threshold = "0.70"', rows)
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--dry-run", "--format=csv")
    assert result.exit_code == 1
    (pair,) = [r for r in report_rows(result) if r["status"] == "near-duplicate"]
    assert pair["message"] == "'Nordwind AG' resembles row 3 'Nordland AG' (similarity 0.818)"


def test_a_code_already_in_the_books_is_refused_or_skipped_by_the_rule(
    erp: Erp, tmp_path: Path
) -> None:
    _register(erp, "C2", "Other")
    rows = HEAD + 'C1,Nordwind AG,,30,"1,00",\nC2,Seeblick KG,,30,"1,00",\n'
    data, spec = _files(tmp_path, "", rows)
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    (refused,) = [r for r in report_rows(result) if r["status"] == "refused"]
    assert (refused["row"], refused["column"]) == ("3", "No")
    assert refused["message"].startswith("'C2' is already a customer (not from this import)")
    assert erp.query(_customers) == {"C1": "Nordwind AG", "C2": "Other"}
    data, spec = _files(tmp_path, 'existing = "skip"', rows)
    result = run(erp, "customers", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    by_row = {r["row"]: r["status"] for r in report_rows(result)}
    assert by_row == {"2": "skipped", "3": "skipped"}
    assert erp.query(_customers)["C2"] == "Other"  # left as it is


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ('near = "keep"', "'keep' is not one of stop, merge, flag"),
        ('existing = "update"', "'update' is not one of refuse, skip"),
        ('threshold = "1.5"', "'1.5' is not a number in (0, 1]"),
        ("threshold = 0.9", "is a float"),
        ("keys = [1]", "must be a column name or a list of them"),
        ("match = []", "unknown key 'match'"),
    ],
)
def test_a_malformed_rule_is_refused_by_name(rule: str, reason: str) -> None:
    text = '[kinds.customers]\nfields.code = { column = "No" }\n'
    with pytest.raises(MappingFileError) as refused:
        load_mapping(f"{text}[kinds.customers.duplicates]\n{rule}\n", schema=SCHEMA)
    assert "kinds.customers.duplicates" in str(refused.value)
    assert reason in str(refused.value)


def test_a_key_column_missing_from_the_file_refuses_the_file(erp: Erp, tmp_path: Path) -> None:
    data, spec = _files(tmp_path, 'keys = ["Tax id"]')
    report = run_import(erp, "customers", str(data), spec.read_text(encoding="utf-8"))
    assert report.count("applied") == 0
    assert any(line.column == "Tax id" and line.status == "refused" for line in report.lines)


def test_a_chart_row_for_a_standard_account_is_refused_or_skipped(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "chart")
    data.write_text(data.read_text() + "1120,Bank,Asset,1100,no\n")
    before = log_position(erp)
    args = ["chart", str(data), "--mapping", str(spec), "--format", "csv"]
    refused = run(erp, *args, "--all-or-nothing")
    assert refused.exit_code == 1
    (line,) = [r for r in report_rows(refused) if r["row"] == "4"]
    assert line["message"].startswith("'1120' is already an account (not from this import)")
    assert log_position(erp) == before  # all or nothing: the other rows are not stored either
    spec.write_text(spec.read_text() + '\n[kinds.chart.duplicates]\nexisting = "skip"\n')
    skipped = run(erp, *args)
    assert skipped.exit_code == 0, skipped.output
    statuses = {r["row"]: r["status"] for r in report_rows(skipped) if r["status"] != "cleansed"}
    assert statuses == {"2": "applied", "3": "applied", "4": "skipped"}


def test_merge_and_the_source_record_on_both_stores(any_erp: Erp, tmp_path: Path) -> None:
    """The contract: SQLite and PostgreSQL merge, skip on re-run and record the source alike."""
    data, spec = _files(tmp_path, 'keys = ["VAT"]\nnear = "merge"')
    first = run_import(any_erp, "customers", str(data), spec.read_text(encoding="utf-8"))
    assert (first.count("applied"), first.count("merged")) == (2, 2)
    assert first.source.startswith("import:")
    (entry,) = any_erp.trail(first.source)
    assert [r["rows"] for r in entry.details["rows"]] == [[2], [3]]  # type: ignore[index, union-attr]
    again = run_import(any_erp, "customers", str(data), spec.read_text(encoding="utf-8"))
    assert (again.count("skipped"), again.count("merged"), again.stored) == (2, 2, 0)
    assert again.source == ""
    assert sorted(any_erp.query(_customers)) == ["C1", "C2"]
