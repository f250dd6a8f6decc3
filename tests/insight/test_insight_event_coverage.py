"""Every stored event kind of every area is either mapped into the object-centric log or left
out on purpose, with the reason written down: a new event class fails here until its area's
author decides which."""

from __future__ import annotations

from pathlib import Path

import pytest

from erp_core.insight.mapping import ACTIVITIES, CANCELLATIONS, EXCLUDED, MAPPED_EVENTS
from erp_core.kernel.events import EVENT_TYPES
from erp_core.kernel.registry import load_areas


def _stored_event_names() -> set[str]:
    load_areas()
    return {name for name, cls in EVENT_TYPES.items() if cls.__module__.startswith("erp_core.")}


def test_every_event_class_is_mapped_or_excluded_with_a_reason() -> None:
    names = _stored_event_names()
    neither = sorted(names - set(MAPPED_EVENTS) - set(EXCLUDED))
    assert not neither, (
        f"event classes neither mapped in insight/mapping.py nor listed in EXCLUDED: {neither}"
    )


def test_nothing_is_both_mapped_and_excluded_and_every_name_is_a_real_event() -> None:
    names = _stored_event_names()
    assert not set(MAPPED_EVENTS) & set(EXCLUDED)
    assert not set(MAPPED_EVENTS) - names, "mapped names that are no event class"
    assert not set(EXCLUDED) - names, "excluded names that are no event class"
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_activities_name_mapped_events_and_rework_names_activities() -> None:
    sources = {src.split(" ")[0] for src in ACTIVITIES.values()}
    assert sources <= set(MAPPED_EVENTS)
    # every mapped event is told by at least one activity (GoodsInvoiced joins the invoice's)
    assert set(MAPPED_EVENTS) - sources <= {"GoodsInvoiced"}
    assert set(ACTIVITIES) >= CANCELLATIONS


def test_the_book_of_every_documented_action_maps_and_reads_back_in_pm4py(
    tmp_path: Path,
) -> None:
    """The book the action catalogue builds (every documented action of every area: assets,
    revaluations, approval workflows, leave, production, ...) maps into a log in which every
    mapped kind of stored event it holds shows as its activity, and pm4py reads the export."""
    import warnings

    from click.testing import CliRunner
    from test_docs import catalogue, code_blocks

    from erp_core.api import Erp
    from erp_core.audit.verify import raw_events
    from erp_core.cli import cli
    from erp_core.insight.reports import export_ocel, load_log

    pm4py = pytest.importorskip("pm4py")
    blocks = [b for doc in catalogue("actions") for b in code_blocks(doc, "jsonl")]
    lines = [line for _, block in blocks for line in block.splitlines() if line.strip()]
    (tmp_path / "actions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/book.sqlite"
    runner = CliRunner()
    db = ["--db", url, "--actor", "docs"]
    init = [*db, "init", "--company", "Acme Ltd", "--currency", "EUR"]
    assert runner.invoke(cli, [*init, "--year-start", "2026-01-01"]).exit_code == 0
    applied = runner.invoke(cli, [*db, "apply", str(tmp_path / "actions.jsonl")])
    assert "rejected 0" in applied.output, applied.output

    erp = Erp.open(url, actor="docs")
    try:
        stored = set(erp.query(lambda conn: {r.topic.partition("@")[0] for r in raw_events(conn)}))
        for basis in ("recorded", "effective"):
            log = load_log(erp, basis)
            shown = set(log.event_types)
            # each mapped kind in the book is told by one of its activities, except the facts
            # that join the step they were saved with
            joined = {"GoodsInvoiced", "WorkOrderPlanned", "StandardVariancesBooked"}
            for name in sorted(stored & set(MAPPED_EVENTS) - joined):
                told = {a for a, src in ACTIVITIES.items() if src.split(" ")[0] == name}
                assert told & shown, f"{name} is in the book but none of {told} is in the log"
        for fmt in ("json", "sqlite"):
            path = tmp_path / f"book.{fmt}"
            log = export_ocel(erp, path, fmt)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read = getattr(pm4py, f"read_ocel2_{fmt}")(str(path))
            assert len(read.events) == len(log.events) > 0
            assert len(read.relations) == log.e2o_count
            assert len(read.o2o) == log.o2o_count
    finally:
        erp.close()
