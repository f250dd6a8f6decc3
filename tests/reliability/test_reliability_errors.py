"""Issue 11, item 4: errors are named right.

A stored event edited with plain SQL until it no longer decodes, a storage failure inside the
projection code, a closed pipe, and Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_clock
from sqlalchemy import text

from erp_core import Erp
from erp_core.cli import cli

ERP = str(Path(sys.executable).with_name("erp"))
LINES = [{"account": "1120", "debit": "1"}, {"account": "3100", "credit": "1"}]


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", url, "--actor", "t", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def books(any_url: str) -> Iterator[str]:
    with Erp.open(any_url, actor="t", clock=make_clock()) as erp:
        erp.init("Co", "EUR", dt.date(2026, 1, 1))
        for _ in range(3):
            erp.post_voucher("2026-01-05", LINES)
    yield any_url


def _damage(url: str, document: str) -> int:
    with Erp.open(url, actor="t") as erp:
        position = min(e.position for e in erp.trail(document))
        column = "notification_id" if erp.url.kind == "postgresql" else "rowid"
        with erp.writer.begin() as conn:
            conn.execute(
                text(f"UPDATE stored_events SET state = :s WHERE {column} = :p"),
                {"s": b'{"document": "JV-2026-0', "p": position},
            )
    return position


def test_a_stored_event_that_no_longer_decodes_is_a_damaged_log(books: str) -> None:
    position = _damage(books, "JV-2026-000002")
    with Erp.open(books, actor="t") as erp:  # so that projecting must read it again
        erp.projector.reset(list(erp.projector.by_name))
    expected = f"the stored log is damaged at position {position} (doc:JV-2026-000002)"
    for args in (
        ("report", "trial-balance"),
        ("audit", "trail", "JV-2026-000002"),
        ("export", "beancount", os.devnull),
        ("projections", "rebuild"),
    ):
        code, out, err = run(books, *args)
        assert code == 3, (args, out, err)
        assert expected in err, (args, err)
        assert "run `erp audit verify`" in err
        assert "Invalid JSON" not in err and "Traceback" not in err
        assert err.count("\n") == 1
    code, _, err = run(books, "audit", "verify")
    assert code == 1
    assert f"position {position} (document JV-2026-000002)" in err


def test_storage_failure_inside_catch_up_is_exit_3(
    books: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from erp_core.projections import all_projections
    from sqlalchemy.exc import OperationalError

    with Erp.open(books, actor="t", project=False) as erp:
        erp.post_voucher("2026-01-06", LINES)
    ledger = type(next(p for p in all_projections() if p.name == "ledger"))

    def disk_full(*_args: object, **_kw: object) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    with monkeypatch.context() as patch:
        patch.setattr(ledger, "apply", disk_full)
        code, _, err = run(books, "report", "trial-balance", "--format", "json")
    assert code == 3
    assert err.startswith("error: the projections could not be updated: database or disk is full")
    assert "resume from where they stopped" in err
    code, out, _ = run(books, "report", "trial-balance", "--format", "json")
    assert code == 0
    assert '"total_debit": "4.00"' in out


def _big_book(url: str) -> None:
    with Erp.open(url, actor="t") as erp:
        erp.apply_many([{"action": "post_voucher", "date": "2026-01-05", "lines": LINES}] * 1500)


def test_a_closed_pipe_exits_quietly(books: str) -> None:
    _big_book(books)
    shell = f"{ERP} --db '{books}' report general-ledger --format csv | head -1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=300)
    assert done.stdout.startswith("date,") or done.stdout.count("\n") == 1
    assert done.stderr == ""


def _wait_until_erp_runs(pid: int) -> None:
    """Until the process has loaded pydantic's compiled core, which erp_core imports only
    after `erp_core.console` installed its SIGINT handler: from then on a Ctrl-C is ours to
    handle, however slowly a loaded machine started the interpreter."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            return  # already gone; the assertions below say why
        if "pydantic_core" in maps:
            return
        time.sleep(0.01)


def test_ctrl_c_prints_one_line_and_no_traceback(books: str) -> None:
    _big_book(books)
    # Only once erp_core runs (read from /proc, so a loaded machine's slow start-up does not
    # turn into a kill before our handler exists), then at different moments of its work.
    codes = []
    for delay in (0.0, 0.3, 0.6, 0.9):
        proc = subprocess.Popen(
            [ERP, "--db", books, "report", "general-ledger", "--format", "csv"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_until_erp_runs(proc.pid)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, err
        assert err.count("\n") <= 1, err
        assert proc.returncode in (0, 130), (proc.returncode, err)
        assert err in ("", "interrupted\n"), err
        codes.append(proc.returncode)
    assert 130 in codes, "no run was interrupted while it worked"
