"""Issue 11, item 1: a fiscal-year snapshot is only used when the chained log vouches for it.

The trials' style: the snapshot table is edited with plain SQL, then the books are reopened.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from conftest import make_clock
from sqlalchemy import text

from erp_core import Erp, application
from erp_core.kernel.errors import PeriodClosed

EVERY = 5
LINES = [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}]


@pytest.fixture
def books(any_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A company whose January is closed, with a snapshot taken after the close."""
    monkeypatch.setattr(application, "SNAPSHOT_EVERY", EVERY)
    with Erp.open(any_url, actor="t", clock=make_clock()) as erp:
        erp.init("Co", "EUR", dt.date(2026, 1, 1))
        for _ in range(3):
            erp.post_voucher("2026-01-05", LINES)
        erp.close_period("2026-01")
        for _ in range(EVERY + 1):
            erp.post_voucher("2026-02-05", LINES)
        assert erp.store.load_snapshot("fy:2026") is not None
        assert erp.ledger.trusted_snapshot("fy:2026") is not None
        assert erp.verify().ok
    yield any_url


def _edit_snapshot(url: str, change: object) -> None:
    with Erp.open(url, actor="t") as erp, erp.writer.begin() as conn:
        stream, version, raw = conn.execute(
            text(
                "SELECT originator_id, originator_version, state FROM stored_snapshots "
                "ORDER BY originator_version DESC LIMIT 1"
            )
        ).one()
        state = json.loads(bytes(raw))
        change(state)  # type: ignore[operator]
        conn.execute(
            text(
                "UPDATE stored_snapshots SET state = :s WHERE originator_id = :i "
                "AND originator_version = :v"
            ),
            {"s": json.dumps(state).encode(), "i": stream, "v": version},
        )


def test_a_period_reopened_inside_the_snapshot_stays_closed(books: str) -> None:
    _edit_snapshot(books, lambda s: s["status"].update({"1": "open"}))
    with Erp.open(books, actor="t") as erp:
        with pytest.raises(PeriodClosed):
            erp.post_voucher(
                "2026-01-20",
                [{"account": "1120", "debit": "5000"}, {"account": "3100", "credit": "5000"}],
            )
        report = erp.verify()
    assert not report.ok
    [problem] = report.problems
    assert problem.kind == "snapshot"
    assert problem.stream == "fy:2026"
    assert problem.message.startswith("snapshot of fiscal year 2026 at version ")
    assert "differs from the hash recorded in the chained log" in problem.message


def test_a_counter_jump_inside_the_snapshot_leaves_numbering_gapless(books: str) -> None:
    def jump(state: dict[str, dict[str, int]]) -> None:
        for key in state["counters"]:
            state["counters"][key] += 365

    _edit_snapshot(books, jump)
    with Erp.open(books, actor="t") as erp:
        doc = erp.post_voucher("2026-02-06", LINES).documents[0]
        assert not erp.verify().ok
    assert doc == f"JV-2026-{3 + EVERY + 1 + 1:06d}"


def test_a_snapshot_that_no_longer_decodes_is_ignored(books: str) -> None:
    with Erp.open(books, actor="t") as erp, erp.writer.begin() as conn:
        conn.execute(text("UPDATE stored_snapshots SET state = :s"), {"s": b"{not json"})
    with Erp.open(books, actor="t") as erp:
        doc = erp.post_voucher("2026-02-06", LINES).documents[0]
        problems = erp.verify().problems
    assert doc == f"JV-2026-{3 + EVERY + 1 + 1:06d}"
    assert problems
    assert {p.kind for p in problems} == {"snapshot"}


def test_a_snapshot_deleted_with_the_table_edit_refolds_from_the_log(books: str) -> None:
    with Erp.open(books, actor="t") as erp, erp.writer.begin() as conn:
        conn.execute(text("DELETE FROM stored_snapshots"))
    with Erp.open(books, actor="t") as erp:
        assert erp.verify().ok
        with pytest.raises(PeriodClosed):
            erp.post_voucher("2026-01-20", LINES)
        doc = erp.post_voucher("2026-02-06", LINES).documents[0]
    assert doc == f"JV-2026-{3 + EVERY + 1 + 1:06d}"


def test_an_unchained_snapshot_is_checked_against_the_folded_log(books: str) -> None:
    """A snapshot from before snapshots were chained: true to the log verifies OK, but the
    command path still refolds (it cannot check it cheaply); edited, verify names it."""
    from erp_core.ledger.periods import FiscalYear

    with Erp.open(books, actor="t") as erp:
        erp.post_voucher("2026-02-06", LINES)
        year = erp.ledger.load(FiscalYear, "fy:2026")
        erp.store.save_snapshot("fy:2026", year.version, year.snapshot())  # no chained record
    with Erp.open(books, actor="t") as erp:
        assert erp.store.load_snapshot("fy:2026") == (year.version, year.snapshot())
        assert erp.ledger.trusted_snapshot("fy:2026") is None
        assert erp.verify().ok
    _edit_snapshot(books, lambda s: s["status"].update({"1": "open"}))
    with Erp.open(books, actor="t") as erp:
        problems = erp.verify().problems
        with pytest.raises(PeriodClosed):
            erp.post_voucher("2026-01-20", LINES)
    assert [(p.kind, p.stream) for p in problems] == [("snapshot", "fy:2026")]
    assert "has no record in the chained log and differs from the log's events" in (
        problems[0].message
    )


def test_the_snapshot_record_is_chained_and_numbering_survives_a_restart(books: str) -> None:
    with Erp.open(books, actor="t") as erp:
        trail = erp.trail("snapshot:fy:2026")
        assert trail
        assert {e.event for e in trail} == {"SnapshotRecorded"}
        doc = erp.post_voucher("2026-02-06", LINES).documents[0]
        assert doc == f"JV-2026-{3 + EVERY + 1 + 1:06d}"
        before = erp.trial_balance()
        erp.rebuild()
        assert erp.trial_balance() == before
