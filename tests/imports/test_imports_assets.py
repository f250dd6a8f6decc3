"""Fixed assets taken over with their depreciation to date: register, schedule, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from conftest import trial_balance_by_account
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp
from erp_core.assets.reports import asset_checks, asset_register, depreciation_schedule

D = Decimal


def _category(erp: Erp) -> None:
    erp.open_account(code="1695", name="Accumulated impairment", type="asset", parent="1600")
    erp.open_account(code="4910", name="Gain on disposal", type="income", parent="4000")
    erp.open_account(code="6510", name="Impairment losses", type="expense", parent="6000")
    erp.open_account(code="6910", name="Loss on disposal", type="expense", parent="6000")
    erp.define_asset_category(
        code="EQ",
        name="Equipment",
        cost_account="1610",
        accumulated_depreciation_account="1690",
        depreciation_expense_account="6500",
        gain_account="4910",
        loss_account="6910",
        impairment_loss_account="6510",
        accumulated_impairment_account="1695",
        useful_life_months=60,
    )


def _import(erp: Erp, tmp: Path, *extra: str) -> tuple[int, list[dict[str, str]]]:
    data, spec = write_template(tmp, "fixed_assets")
    result = run(erp, "fixed_assets", str(data), "--mapping", str(spec), "--format", "csv", *extra)
    return result.exit_code, report_rows(result)


def test_assets_import_with_depreciation_to_date_and_continue(erp: Erp, tmp_path: Path) -> None:
    # the template: A-17 CNC lathe, 12,000.00 in use since 2024-01, 4,800.00 depreciated
    # (24 of 60 months); A-23 forklift, 30,000.00 since 2025-07 over 120 months, 1,500.00
    # depreciated (6 months); both as of 2025-12, taken over on 2026-01-01 against 3200
    _category(erp)
    code, rows = _import(erp, tmp_path)
    assert code == 0, rows
    applied = [r for r in rows if r["status"] == "applied"]
    assert [r["document"] for r in applied] == [
        "FA-000001, CAP-2026-000001",
        "FA-000002, CAP-2026-000002",
    ]
    # the run checks the register against the file, and so do we
    (checked,) = [r for r in rows if r["status"] == "checked"]
    assert checked["message"] == (
        "asset register for the 2 assets imported: cost 42000.00, accumulated depreciation "
        "6300.00; the file: cost 42000.00, accumulated depreciation 6300.00"
    )
    register = erp.query(asset_register, dt.date(2026, 1, 1))
    assert [(r.asset, r.name, r.cost, r.accumulated_depreciation) for r in register.rows] == [
        ("FA-000001", "CNC lathe", D("12000.00"), D("4800.00")),
        ("FA-000002", "Forklift", D("30000.00"), D("1500.00")),
    ]
    assert sum(r.cost for r in register.rows) == D("42000.00")
    assert sum(r.accumulated_depreciation for r in register.rows) == D("6300.00")
    tb = trial_balance_by_account(erp)
    assert (tb["1610"], tb["1690"], tb["3200"]) == (D("42000.00"), D("-6300.00"), D("-35700.00"))
    assert all(check.ok for check in erp.query(asset_checks))
    # the schedules continue where the old books stopped: 200.00 and 250.00 a month
    erp.depreciate_assets(month="2026-03")
    register = erp.query(asset_register, dt.date(2026, 3, 31))
    assert [r.accumulated_depreciation for r in register.rows] == [D("5400.00"), D("2250.00")]
    assert trial_balance_by_account(erp)["6500"] == D("1350.00")
    lathe = erp.query(depreciation_schedule, "FA-000001")
    projected = [r for r in lathe.rows if r.status == "projected"]
    assert len(projected) == 33  # 60 - 24 - 3 months left, ending at cost
    assert all(check.ok for check in erp.query(asset_checks))
    # a re-run stores nothing
    position = log_position(erp)
    code, rows = _import(erp, tmp_path)
    assert code == 0
    assert {r["status"] for r in rows if r["status"] != "cleansed"} == {"skipped"}  # no check
    assert log_position(erp) == position


def test_a_bad_asset_row_is_named_and_nothing_is_half_stored(erp: Erp, tmp_path: Path) -> None:
    _category(erp)
    data, spec = write_template(tmp_path, "fixed_assets")
    text = data.read_text(encoding="utf-8")
    # more depreciated than the cost allows, and an unknown class
    text = text.replace('"1.500,00"', '"31.000,00"').replace("A-17,EQ", "A-17,VEH")
    data.write_text(text, encoding="utf-8")
    position = log_position(erp)
    result = run(
        erp,
        "fixed_assets",
        str(data),
        "--mapping",
        str(spec),
        "--format",
        "csv",
        "--all-or-nothing",
    )
    assert result.exit_code == 1
    refused = {
        (r["row"], r["column"]): r["message"]
        for r in report_rows(result)
        if r["status"] == "refused"
    }
    assert refused[("2", "Class")] == "'VEH' is not a known asset category"
    assert log_position(erp) == position
    # without the unknown class: the over-depreciated forklift is refused by the assets area
    data.write_text(text.replace("A-17,VEH", "A-17,EQ"), encoding="utf-8")
    result = run(
        erp,
        "fixed_assets",
        str(data),
        "--mapping",
        str(spec),
        "--format",
        "csv",
        "--all-or-nothing",
    )
    assert result.exit_code == 1
    rows = report_rows(result)
    (bad,) = [r for r in rows if r["status"] == "refused" and r["row"] == "3"]
    assert (bad["column"], bad["message"]) == (
        "Accumulated depreciation",
        "31000.00 is more than cost - residual value (30000.00)",
    )
    assert [r["status"] for r in rows if r["row"] == "2"] == ["refused"]  # not stored either
    assert log_position(erp) == position
    assert erp.query(asset_register, dt.date(2026, 1, 1)).rows == []
