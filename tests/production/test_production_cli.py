"""Production through the `erp` command line: actions with `erp apply`, the work-orders report
in table, JSON and CSV, and the WIP check."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from erp_core.cli import cli

ACTIONS = [
    {
        "action": "open_account",
        "code": "1350",
        "name": "Work in progress",
        "type": "asset",
        "parent": "1100",
    },
    {
        "action": "open_account",
        "code": "5410",
        "name": "Applied labour",
        "type": "expense",
        "parent": "5000",
    },
    {
        "action": "open_account",
        "code": "5420",
        "name": "Applied overhead",
        "type": "expense",
        "parent": "5000",
    },
    {
        "action": "open_account",
        "code": "5500",
        "name": "Production variance",
        "type": "expense",
        "parent": "5000",
    },
    {"action": "configure_production"},
    {"action": "register_item", "code": "LEG", "name": "Leg", "uom": "pcs"},
    {"action": "register_item", "code": "STOOL", "name": "Stool", "uom": "pcs"},
    {"action": "register_warehouse", "code": "MAIN", "name": "Main"},
    {
        "action": "receive_stock",
        "date": "2026-02-01",
        "account": "1120",
        "lines": [{"item": "LEG", "warehouse": "MAIN", "quantity": "30", "unit_cost": "2.50"}],
    },
    {
        "action": "register_work_centre",
        "code": "BENCH",
        "name": "Bench",
        "labour_rate": "30.00",
        "overhead_rate": "10.00",
    },
    {
        "action": "define_bom",
        "item": "STOOL",
        "components": [{"item": "LEG", "quantity": "3"}],
        "operations": [{"work_centre": "BENCH", "hours": "0.5"}],
    },
    {
        "action": "create_work_order",
        "date": "2026-02-02",
        "item": "STOOL",
        "quantity": "4",
        "warehouse": "MAIN",
    },
    {"action": "release_work_order", "work_order": "WO-2026-000001", "date": "2026-02-02"},
    {
        "action": "issue_to_work_order",
        "work_order": "WO-2026-000001",
        "date": "2026-02-03",
        "lines": [{"item": "LEG", "warehouse": "MAIN", "quantity": "12"}],
    },
    {
        "action": "report_progress",
        "work_order": "WO-2026-000001",
        "date": "2026-02-03",
        "work_centre": "BENCH",
        "hours": "2",
    },
]


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--actor", "maker", *args])


def test_work_orders_report_and_wip_check(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/p.sqlite"
    assert (
        run(
            db, "init", "--company", "Acme", "--currency", "EUR", "--year-start", "2026-01-01"
        ).exit_code
        == 0
    )
    actions = tmp_path / "actions.jsonl"
    actions.write_text("".join(json.dumps(a) + "\n" for a in ACTIONS))
    applied = run(db, "apply", str(actions))
    assert applied.exit_code == 0, applied.output
    # 12 legs at 2.50 = 30.00; 2 h x (30.00 + 10.00) = 80.00; WIP 110.00
    out = run(db, "report", "work-orders", "--format", "json")
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.output)
    assert (row["document"], row["status"], row["wip"]) == (
        "WO-2026-000001",
        "in_progress",
        "110.00",
    )
    table = run(db, "report", "work-orders")
    assert "WO-2026-000001" in table.output and "110.00" in table.output
    csv_out = run(db, "report", "work-orders", "--format", "csv", "--status", "in_progress")
    assert csv_out.output.splitlines()[0].startswith("document,item")
    wip = run(db, "report", "wip")
    assert wip.exit_code == 0 and "work in progress 1350: OK (110.00)" in wip.output
    done = run(
        db,
        "do",
        "complete_work_order",
        "work_order=WO-2026-000001",
        "date=2026-02-04",
        "quantity=4",
    )
    assert done.exit_code == 0, done.output
    assert "OK (0.00)" in run(db, "report", "wip").output
    check = run(db, "check")
    assert check.exit_code == 0, check.output
    refused = run(
        db,
        "do",
        "issue_to_work_order",
        "work_order=WO-2026-000001",
        "date=2026-02-05",
        'lines=[{"item": "LEG", "warehouse": "MAIN", "quantity": 1}]',
    )
    assert refused.exit_code != 0 and "is completed: cannot issue material" in refused.output
