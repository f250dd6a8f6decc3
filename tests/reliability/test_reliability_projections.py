"""Issue 11, item 2: reports never read stale or half-built projections silently.

Trials' style: a save whose projection step never ran (a kill between the two), a rebuild
killed with SIGKILL or interrupted with SIGINT at a random point, and projection rows edited
with plain SQL. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import make_clock
from sqlalchemy import text

from erp_core import Erp
from erp_core.cli import cli


def voucher(amount: str, day: int = 5) -> dict[str, object]:
    return {
        "action": "post_voucher",
        "date": f"2026-01-{day:02d}",
        "lines": [
            {"account": "1120", "debit": amount},
            {"account": "3100", "credit": amount},
        ],
    }


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", url, "--actor", "t", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def books(any_url: str) -> Iterator[str]:
    with Erp.open(any_url, actor="t", clock=make_clock()) as erp:
        erp.init("Co", "EUR", __import__("datetime").date(2026, 1, 1))
        erp.apply_many([voucher("10.00") for _ in range(20)])
    yield any_url


def saved_but_not_projected(url: str, amounts: list[str]) -> None:
    """What a kill between saving and projecting leaves: events stored, projections behind."""
    with Erp.open(url, actor="t", project=False) as erp:
        for amount in amounts:
            erp.apply(voucher(amount))


def test_reports_catch_up_after_a_kill_between_saving_and_projecting(books: str) -> None:
    saved_but_not_projected(books, ["1000.00", "0.01"])
    code, out, _ = run(books, "report", "trial-balance", "--format", "json")
    assert code == 0
    assert Decimal(json.loads(out)["total_debit"]) == Decimal("1200.01")
    assert "stale" not in json.loads(out)
    code, out, _ = run(books, "check", "--format", "json")
    assert code == 0
    with Erp.open(books, actor="t") as erp:
        position, head = erp.freshness()
    assert position == head


def test_no_catch_up_marks_the_output_stale(books: str) -> None:
    saved_but_not_projected(books, ["5.00"])
    with Erp.open(books, actor="t") as erp:
        position, head = erp.freshness()
    assert position < head
    code, out, err = run(books, "report", "--no-catch-up", "trial-balance", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert (body["stale"], body["as_of_position"], body["log_head"]) == (True, position, head)
    assert Decimal(body["total_debit"]) == Decimal("200.00")
    assert f"stale: the read models are at log position {position} of {head}" in err
    code, out, err = run(books, "report", "--no-catch-up", "stock-ledger", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "as_of_position": position,
        "log_head": head,
        "stale": True,
        "rows": [],
    }
    code, out, err = run(books, "report", "--no-catch-up", "general-ledger", "--format", "csv")
    assert code == 0
    assert "stale: the read models are at log position" in err
    code, out, err = run(books, "check", "--no-catch-up", "--format", "json")
    assert json.loads(out)["stale"] is True
    assert "run `erp projections catch-up`" in err
    code, out, _ = run(books, "projections", "catch-up")
    assert code == 0
    assert out.startswith("Caught up: ")
    code, out, err = run(books, "report", "--no-catch-up", "trial-balance", "--format", "json")
    assert "stale" not in json.loads(out)
    assert err == ""
    assert Decimal(json.loads(out)["total_debit"]) == Decimal("205.00")


REBUILDER = r"""
import sys
from erp_core import Erp
with Erp.open(sys.argv[1], actor="rebuilder") as erp:
    print("ready", flush=True)
    erp.rebuild()
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_a_rebuild_stopped_at_a_random_point_is_never_read_half_built(
    books: str, sig: signal.Signals
) -> None:
    with Erp.open(books, actor="t") as erp:
        erp.apply_many([voucher(f"{n}.25") for n in range(1, 400)])
        before = erp.trial_balance()
    rng = random.Random(sig.value)
    for _round in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", REBUILDER, books],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(sig)
        proc.communicate(timeout=120)
        with Erp.open(books, actor="t") as erp:
            erp.reader.catch_up = False  # what a reader sees right now, without repairing
            assert erp.trial_balance() == before
            position, head = erp.freshness()
            assert position == head
            erp.reader.catch_up = True
            assert erp.trial_balance() == before
            assert all(r.ok for r in erp.check())


def test_a_projection_edited_in_the_database_fails_check(books: str) -> None:
    with Erp.open(books, actor="t") as erp, erp.writer.begin() as conn:
        # a consistent edit: both sides moved, so the trial balance still balances
        conn.execute(text("UPDATE period_balances SET base_minor = base_minor * 3"))
        conn.execute(text("UPDATE daily_balances SET base_minor = base_minor * 3"))
    code, out, _ = run(books, "check", "--format", "json")
    assert code == 1
    results = {r["name"]: r for r in json.loads(out)}
    assert results["trial balance"]["ok"] is True  # the old check alone was fooled
    failed = results["projections match the log"]
    assert failed["ok"] is False
    assert "differs from the log up to position" in failed["message"]
    assert "1120 (log 200.00, projection 600.00)" in failed["message"]
    run(books, "projections", "rebuild")
    code, out, _ = run(books, "check", "--format", "json")
    assert code == 0
    assert "projections match the log" not in out
