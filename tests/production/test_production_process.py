"""Work orders in the object-centric event log: ocel-export and the process report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from test_production_reports import chairs_made

from erp_core import Erp
from erp_core.cli import cli
from erp_core.insight.reports import load_log, process_report


def test_work_orders_and_their_events_in_the_log(erp: Erp, sqlite_url: str, tmp_path: Path) -> None:
    chairs_made(erp)
    log = load_log(erp)
    assert "work_order" in log.object_types
    orders = [o for o in log.objects if o.type == "work_order"]
    assert [o.id for o in orders] == ["WO-2026-000001", "WO-2026-000002", "WO-2026-000003"]
    trace = [e.type for e in log.events_of("WO-2026-000001")]
    assert trace == [
        "create work order",
        "release work order",
        "issue material to work order",
        "return material from work order",
        "report work order progress",
        "report work order progress",
        "receive finished goods",
        "receive finished goods",
        "close work order",
    ]
    assert [e.type for e in log.events_of("WO-2026-000002")] == ["create work order"]
    assert len(log.events_of("WO-2026-000003")) == 4
    # the issue, return and receipt vouchers are objects of their own, tied to the order
    assert {o.type for o in log.objects if o.id.startswith(("WI-", "WR-", "WF-"))} == {
        "work_order_issue",
        "work_order_return",
        "finished_goods_receipt",
    }
    report = process_report(log, "work_order", "effective")
    assert report.cases == 3
    # the same on the command line
    out = tmp_path / "log.json"
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "ocel-export", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    events = exported.get("events", [])
    counts = Counter(e["type"] for e in events)
    assert counts["create work order"] == 3
    assert counts["issue material to work order"] == 2
    assert counts["receive finished goods"] == 3
    assert counts["close work order"] == 1
    process = CliRunner().invoke(
        cli,
        [
            "--db",
            sqlite_url,
            "report",
            "process",
            "--object-type",
            "work_order",
            "--format",
            "json",
        ],
    )
    assert process.exit_code == 0, process.output
    assert json.loads(process.output)["cases"] == 3
