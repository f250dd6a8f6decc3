"""Projection workers beside store-only writers, as separate OS processes (issue 9).

Two `erp apply --no-project` writers and two `erp projections worker` processes run at once on
one book. At the end the read models must equal a rebuild from the log: a batch applied twice
would double the balance rows (they are summed by upsert) or fail on a duplicate journal line;
a batch skipped would leave rows missing.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from erp_core import Erp

ERP = str(Path(sys.executable).with_name("erp"))
ACCOUNTS = ("1110", "1120", "1500", "4100", "4200", "6200", "6400", "6700")


def write_file(path: Path, writer: int, n: int) -> None:
    with path.open("w") as fh:
        for i in range(n):
            debit = ACCOUNTS[(i + writer) % len(ACCOUNTS)]
            credit = ACCOUNTS[(i * 3 + writer + 1) % len(ACCOUNTS)]
            if credit == debit:
                credit = ACCOUNTS[(ACCOUNTS.index(debit) + 1) % len(ACCOUNTS)]
            amount = f"{writer * 1000 + i + 1}.{i % 100:02d}"
            fh.write(
                json.dumps(
                    {
                        "action": "post_voucher",
                        "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        "memo": f"w{writer} #{i}",
                        "lines": [
                            {"account": debit, "debit": amount},
                            {"account": credit, "credit": amount},
                        ],
                    }
                )
                + "\n"
            )


def snapshot(books: Erp) -> dict[str, object]:
    """Every projection row count and the balance sums, read without catching up."""
    from erp_core.projections.schema import daily_balances, gl_lines, period_balances, vouchers

    books.reader.catch_up = False
    with books.reader.connect() as conn:
        return {
            "gl_lines": conn.execute(select(func.count()).select_from(gl_lines)).scalar(),
            "vouchers": conn.execute(select(func.count()).select_from(vouchers)).scalar(),
            "period": sorted(
                tuple(r)
                for r in conn.execute(
                    select(
                        period_balances.c.account,
                        period_balances.c.period,
                        period_balances.c.base_minor,
                    )
                )
            ),
            "daily_sum": conn.execute(
                select(func.sum(func.abs(daily_balances.c.base_minor)))
            ).scalar(),
            "trial_balance": books.trial_balance(),
        }


def events_to_project(url: str, after: int) -> int:
    """How many log events after `after` the projections read (each exactly once)."""
    with Erp.open(url, actor="t", project=False) as books:
        projector = books.projector
        wanted = frozenset().union(*(p.event_names for p in projector.projections))
        topics = projector._topics(wanted)
        return sum(1 for _ in books.store.iter_log(after, topics=topics))


def run_writers_and_workers(url: str, tmp_path: Path, per_writer: int) -> None:
    with Erp.open(url, actor="setup") as books:
        books.init("Workers Co", "EUR", __import__("datetime").date(2026, 1, 1))
        start = books.store.last_position()
    files = []
    for w in range(2):
        path = tmp_path / f"writer{w}.jsonl"
        write_file(path, w, per_writer)
        files.append(path)
    env_args = ["--db", url, "--actor"]
    workers = [
        subprocess.Popen(
            [ERP, *env_args, f"worker{k}", "projections", "worker", "--poll", "0.05"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    try:
        writers = []
        for w, path in enumerate(files):
            args = ["apply", "--no-project", "--batch-size", "7", str(path)]
            writers.append(
                subprocess.Popen(
                    [ERP, *env_args, f"writer{w}", *args],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in writers:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
            assert f"applied {per_writer} action(s), rejected 0" in out
        # the workers catch up with the log head on their own
        deadline = time.monotonic() + 300
        with Erp.open(url, actor="t", project=False) as books:
            while True:
                low, head = books.freshness()
                if low >= head:
                    break
                assert time.monotonic() < deadline, f"workers stuck at {low} of {head}"
                for proc in workers:
                    assert proc.poll() is None, proc.communicate()[1]
                time.sleep(0.1)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
    read = []
    for proc in workers:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        found = re.search(r"Worker stopped: (\d+) events read", out)
        assert found, out + err
        read.append(int(found.group(1)))
    # between them the workers read every event once: none twice, none skipped
    assert sum(read) == events_to_project(url, start), read


def check_equal_to_rebuild(url: str, vouchers: int) -> None:
    with Erp.open(url, actor="t", project=False) as books:
        live = snapshot(books)
        assert live["vouchers"] == vouchers
        assert live["gl_lines"] == 2 * vouchers
        books.rebuild()
        rebuilt = snapshot(books)
    assert live == rebuilt
    with Erp.open(url, actor="t") as books:
        assert all(r.ok for r in books.check()), [r.message for r in books.check()]


def test_two_workers_two_writers_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/workers.sqlite"
    run_writers_and_workers(url, tmp_path, 150)
    check_equal_to_rebuild(url, 300)


@pytest.mark.postgres
def test_two_workers_two_writers_postgres(pg_url: str, tmp_path: Path) -> None:
    run_writers_and_workers(pg_url, tmp_path, 200)
    check_equal_to_rebuild(pg_url, 400)
    with Erp.open(pg_url, actor="t", project=False) as books, books.writer.connect() as conn:
        positions = dict(conn.execute(text("SELECT name, position FROM projection_position")).all())
        assert set(positions.values()) == {books.store.last_position()}


def test_a_worker_killed_outright_resumes_without_applying_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kill.sqlite"
    with Erp.open(url, actor="setup") as books:
        books.init("Kill Co", "EUR", __import__("datetime").date(2026, 1, 1))
    path = tmp_path / "in.jsonl"
    write_file(path, 0, 600)
    done = subprocess.run(
        [ERP, "--db", url, "--actor", "w", "apply", "--no-project", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    worker = subprocess.Popen(
        [ERP, "--db", url, "--actor", "k", "projections", "worker", "--poll", "0.05"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # somewhere in start-up or in the catch-up
    worker.kill()
    worker.wait(timeout=60)
    again = subprocess.run(
        [ERP, "--db", url, "--actor", "k", "projections", "worker", "--once"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    check_equal_to_rebuild(url, 600)
