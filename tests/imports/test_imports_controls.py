"""Control totals from the old books: a run whose figures do not add up stores nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import trial_balance_by_account
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.imports.errors import MappingFileError
from erp_core.imports.kinds import SCHEMA
from erp_core.imports.mapping import load_mapping

D = Decimal


def _receivables(erp: Erp, tmp: Path, control: str = "") -> tuple[Path, Path]:
    data, spec = write_template(tmp, "customers")
    assert run(erp, "customers", str(data), "--mapping", str(spec)).exit_code == 0
    data, spec = write_template(tmp, "open_receivables")  # C100: 2,400.00 + 310.75 = 2,710.75
    # the template states the right total; each test states its own, or none
    mapping = spec.read_text().split("\n[kinds.open_receivables.control]")[0]
    if control:
        mapping += f"\n[kinds.open_receivables.control]\n{control}\n"
    spec.write_text(mapping)
    return data, spec


def test_open_items_that_do_not_add_up_to_the_control_account_are_refused(
    erp: Erp, tmp_path: Path
) -> None:
    data, spec = _receivables(erp, tmp_path, 'total = "2700.00"')
    before = log_position(erp)
    result = run(erp, "open_receivables", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    rows = report_rows(result)
    assert {r["status"] for r in rows} == {"refused"}
    (file_line,) = [r for r in rows if r["row"] == ""]
    assert file_line["message"] == (
        "open items total 2710.75, but the control total is 2700.00: difference 10.75"
    )
    assert log_position(erp) == before  # nothing stored
    assert "1200" not in trial_balance_by_account(erp)


def test_open_items_that_add_up_are_stored(erp: Erp, tmp_path: Path) -> None:
    data, spec = _receivables(erp, tmp_path, 'total = "2710.75"\nrows = "2"')
    result = run(erp, "open_receivables", str(data), "--mapping", str(spec))
    assert result.exit_code == 0, result.output
    assert trial_balance_by_account(erp)["1200"] == D("2710.75")


def test_per_customer_control_names_the_customer_and_the_difference(
    erp: Erp, tmp_path: Path
) -> None:
    data, spec = _receivables(erp, tmp_path)
    result = run(
        erp,
        "open_receivables",
        str(data),
        "--mapping",
        str(spec),
        "--control",
        "per_customer.C100=2710.70",
        "--control",
        "per_customer.C101=5",
        "--format",
        "csv",
    )
    assert result.exit_code == 1
    messages = [r["message"] for r in report_rows(result) if r["row"] == ""]
    assert messages == [
        "open items of customer 'C100' total 2710.75, but the control total is 2710.70: "
        "difference 0.05",
        "open items of customer 'C101' total 0, but the control total is 5: difference -5",
    ]
    assert "1200" not in trial_balance_by_account(erp)


def test_the_command_line_control_overrides_the_mapping(erp: Erp, tmp_path: Path) -> None:
    data, spec = _receivables(erp, tmp_path, 'total = "1.00"')
    args = ["open_receivables", str(data), "--mapping", str(spec)]
    assert run(erp, *args, "--dry-run").exit_code == 1
    assert run(erp, *args, "--control", "total=2710.75").exit_code == 0
    assert trial_balance_by_account(erp)["1200"] == D("2710.75")


def test_stock_quantity_and_value_controls(erp: Erp, tmp_path: Path) -> None:
    for kind in ("warehouses", "items"):
        data, spec = write_template(tmp_path, kind)
        assert run(erp, kind, str(data), "--mapping", str(spec)).exit_code == 0
    data, spec = write_template(tmp_path, "opening_stock")  # 1000 x 0.12 + 40 x 8.50
    args = ["opening_stock", str(data), "--mapping", str(spec), "--format", "csv"]
    wrong = run(erp, *args, "--control", "quantity=1040", "--control", "value=460.01")
    assert wrong.exit_code == 1
    messages = [r["message"] for r in report_rows(wrong) if r["row"] == ""]
    assert messages == [
        "stock value total 460.00, but the control total is 460.01: difference -0.01"
    ]
    per_item = run(erp, *args, "--control", "quantity_per_item.GLUE-1=41", "--dry-run")
    assert [r["message"] for r in report_rows(per_item) if r["row"] == ""] == [
        "stock quantity of item 'BOLT-M8' total 1000, but the control 'quantity_per_item' "
        "states none for it",
        "stock quantity of item 'GLUE-1' total 40, but the control total is 41: difference -1",
    ]
    assert "1300" not in trial_balance_by_account(erp)
    right = run(erp, *args, "--control", "quantity=1040", "--control", "value=460.00")
    assert right.exit_code == 0, right.output
    assert trial_balance_by_account(erp)["1300"] == D("460.00")


def test_opening_balance_total(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "opening_balances")  # debits 25,000 + 12,000
    args = ["opening_balances", str(data), "--mapping", str(spec), "--format", "csv"]
    wrong = run(erp, *args, "--control", "total=36999.99")
    assert wrong.exit_code == 1
    assert "the opening debits total 37000.00, but the control total is 36999.99" in wrong.output
    assert not trial_balance_by_account(erp)
    right = run(erp, *args, "--control", "total=37000")
    assert right.exit_code == 0, right.output


def test_an_unreadable_row_is_named_in_the_control_difference(erp: Erp, tmp_path: Path) -> None:
    data, spec = _receivables(erp, tmp_path, 'total = "2710.75"')
    data.write_text(data.read_text().replace('"310,75"', "drei"))
    result = run(erp, "open_receivables", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 1
    messages = [r["message"] for r in report_rows(result) if r["row"] == ""]
    assert messages == [
        "open items total 2400.00, but the control total is 2710.75: difference -310.75 "
        "(rows 3 could not be read and are not counted)"
    ]


@pytest.mark.parametrize(
    ("control", "reason"),
    [
        ('total = "12,50"', "'12,50' is not a number"),
        ("total = 12.5", "is a float"),
        ("total = [1]", "must be a string"),
    ],
)
def test_a_malformed_control_is_refused_by_name(control: str, reason: str) -> None:
    text = '[kinds.open_receivables]\nfields.customer = { column = "C" }\n'
    with pytest.raises(MappingFileError) as refused:
        load_mapping(f"{text}[kinds.open_receivables.control]\n{control}\n", schema=SCHEMA)
    assert "kinds.open_receivables.control.total" in str(refused.value)
    assert reason in str(refused.value)


def test_an_unknown_control_is_refused(erp: Erp, tmp_path: Path) -> None:
    data, spec = _receivables(erp, tmp_path)
    args = ["open_receivables", str(data), "--mapping", str(spec), "--format", "csv"]
    result = run(erp, *args, "--control", "value=1")
    assert result.exit_code == 1
    assert "'value' is not a control total of open_receivables (rows, total, per_customer)" in (
        result.output
    )
    shape = run(erp, *args, "--control", "per_customer=1")
    assert "control 'per_customer' must be a table of amounts per customer" in shape.output
    bad = run(erp, *args, "--control", "total")
    assert bad.exit_code == 2 and "is not NAME=AMOUNT" in bad.output
    assert "1200" not in trial_balance_by_account(erp)
