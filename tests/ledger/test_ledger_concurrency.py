"""Several OS processes writing to one company at once, on SQLite and on PostgreSQL.

Each writer is a separate Python process (`subprocess`) with its own `Erp.open` on the same URL;
the company is initialised once before they start, and all of them start posting at the same
moment (they wait for a "go" file). Afterwards the books must hold every voucher exactly once,
numbered without gaps, with projections caught up and equal to a rebuild; and a period close
racing with postings into that period must win cleanly: nothing lands in the period after it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from erp_core.projections.schema import metadata, projection_position, vouchers
from sqlalchemy import func, select

from erp_core import Erp
from erp_core.kernel.errors import PeriodClosed

WORKER = r"""
import datetime as dt
import json
import pathlib
import sys
import time

from erp_core import Erp
from erp_core.kernel.errors import PeriodClosed

url, name, mode, count, sync, after = sys.argv[1:7]
count, sync = int(count), pathlib.Path(sync)
seed = sum(map(ord, name))
out = {"documents": [], "positions": [], "cents": 0, "refused": 0}


def amount(i):
    return (seed * 7919 + i * 104729) % 500_000 + 1


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def post(erp, day, i):
    cents = amount(i)
    part = cents // 3
    lines = [{"account": "1120", "debit": money(cents)}]
    if part:
        lines += [{"account": "4100", "credit": money(cents - part)},
                  {"account": "2200", "credit": money(part)}]
    else:
        lines += [{"account": "4100", "credit": money(cents)}]
    result = erp.post_voucher(day, lines, memo=f"{name} #{i}")
    out["documents"] += result.documents
    out["positions"] += result.positions
    out["cents"] += cents


deadline = time.monotonic() + 60
while after != "-" and not (sync / f"ready-{after}").exists():  # open one after the other
    if time.monotonic() > deadline:
        sys.exit(f"{after} never got ready")
    time.sleep(0.002)
with Erp.open(url, actor=name) as erp:
    (sync / f"ready-{name}").touch()
    while not (sync / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("never got the go signal")
        time.sleep(0.002)
    if mode == "post":  # `count` vouchers spread over the year
        for i in range(count):
            post(erp, dt.date(2026, i % 12 + 1, i % 28 + 1), i)
    elif mode == "post-january":  # January vouchers until the period is closed under us
        for i in range(count):
            try:
                post(erp, dt.date(2026, 1, i % 31 + 1), i)
            except PeriodClosed:
                out["refused"] += 1
                if out["refused"] == 3:
                    break
    elif mode == "close-january":  # close 2026-01 once the log has grown by `count` events
        start = erp.store.last_position()
        while erp.store.last_position() < start + count:
            if time.monotonic() > deadline:
                sys.exit("the posters never posted")
            time.sleep(0.001)
        out["positions"] = erp.close_period("2026-01").positions
    else:
        sys.exit(f"unknown mode {mode}")
print(json.dumps(out))
"""


def open_company(url: str) -> Erp:
    erp = Erp.open(url, actor="tester")
    try:
        erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
    except BaseException:
        erp.close()
        raise
    return erp


@pytest.fixture
def books(any_url: str) -> Iterator[Erp]:
    """A company on SQLite and on PostgreSQL, initialised before any writer process starts."""
    erp = open_company(any_url)
    yield erp
    erp.close()


def run_writers(url: str, writers: list[tuple[str, str, int]], sync: Path) -> dict[str, Any]:
    """Start one process per (name, mode, count), let them go at once, return their reports.

    The processes open the books one after the other (opening at the same moment is tested on
    its own in test_many_connections_can_open_the_same_books_at_once), then all start writing
    together.
    """
    sync.mkdir()
    previous = ["-", *(name for name, _mode, _count in writers)]
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, url, name, mode, str(count), str(sync), after],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for (name, mode, count), after in zip(writers, previous, strict=False)
    }
    try:
        deadline = time.monotonic() + 60
        while not all((sync / f"ready-{name}").exists() for name in procs):
            for name, proc in procs.items():
                if proc.poll() is not None:
                    pytest.fail(f"writer {name} exited early: {proc.communicate()[1]}")
            assert time.monotonic() < deadline, "the writers never got ready"
            time.sleep(0.01)
        (sync / "go").touch()
        reports = {}
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"writer {name} failed:\n{stderr}"
            reports[name] = json.loads(stdout.strip().splitlines()[-1])
        return reports
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def numbers(count: int) -> list[str]:
    return [f"JV-2026-{n:06d}" for n in range(1, count + 1)]


def dump_projection(erp: Erp) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, ordered by primary key."""
    tables = [t for t in metadata.sorted_tables if t is not projection_position]
    with erp.reader.connect() as conn:
        return {
            t.name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key))]
            for t in tables
        }


def voucher_count(erp: Erp) -> int:
    with erp.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(vouchers)).scalar_one())


def assert_projections_caught_up_and_rebuildable(erp: Erp) -> None:
    erp.catch_up()
    assert all(s.lag == 0 for s in erp.projection_status())
    live = dump_projection(erp)
    erp.rebuild()
    assert dump_projection(erp) == live


WRITERS, PER_WRITER = 3, 60


@pytest.mark.slow
def test_concurrent_writers_lose_no_voucher_and_leave_no_gap_in_numbers(
    books: Erp, any_url: str, tmp_path: Path
) -> None:
    reports = run_writers(
        any_url, [(f"w{i}", "post", PER_WRITER) for i in range(WRITERS)], tmp_path / "sync"
    )
    total = WRITERS * PER_WRITER
    posted = [doc for report in reports.values() for doc in report["documents"]]
    assert len(posted) == total
    assert sorted(posted) == numbers(total)  # each number once: no gap, no duplicate
    for report in reports.values():  # each writer got its numbers in increasing order
        assert report["documents"] == sorted(report["documents"])
    owner = {doc: name for name, report in reports.items() for doc in report["documents"]}
    in_order = numbers(total)
    writer_changes = sum(owner[a] != owner[b] for a, b in itertools.pairwise(in_order))
    assert writer_changes > WRITERS - 1, "the writers never ran at the same time"

    books.catch_up()
    assert voucher_count(books) == total
    ledger = books.general_ledger()
    assert sorted({line.document for line in ledger}) == numbers(total)
    # numbers follow the log: a later number never sits earlier in the log
    first_position = {}
    for line in ledger:
        first_position.setdefault(line.document, line.position)
    assert sorted(first_position, key=first_position.__getitem__) == numbers(total)

    cents = sum(report["cents"] for report in reports.values())
    tb = books.trial_balance()
    assert tb.total_debit == tb.total_credit == Decimal(cents).scaleb(-2)
    assert {r.account: r.debit for r in tb.rows if r.debit}["1120"] == Decimal(cents).scaleb(-2)
    assert_projections_caught_up_and_rebuildable(books)


@pytest.mark.slow
def test_period_close_racing_with_postings_lets_nothing_into_the_closed_period(
    books: Erp, any_url: str, tmp_path: Path
) -> None:
    # two writers post into January until refused; a third closes January meanwhile, once the
    # log has grown by 40 events (about 20 vouchers)
    reports = run_writers(
        any_url,
        [("a", "post-january", 1000), ("b", "post-january", 1000), ("closer", "close-january", 40)],
        tmp_path / "sync",
    )
    (close_position,) = reports["closer"]["positions"]
    posters = [reports["a"], reports["b"]]
    assert all(report["refused"] == 3 for report in posters)  # both were stopped by the close

    books.catch_up()
    january = books.general_ledger(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))
    assert january, "the close came before any posting: no race happened"
    late = sorted(
        {(line.document, line.position) for line in january if line.position > close_position}
    )
    assert late == []
    posted = [doc for report in posters for doc in report["documents"]]
    assert sorted({line.document for line in january}) == sorted(posted) == numbers(len(posted))
    assert max(p for report in posters for p in report["positions"]) < close_position
    assert next(p for p in books.fiscal_periods() if p["period"] == 1)["status"] == "closed"

    with pytest.raises(PeriodClosed):
        books.post_voucher(
            "2026-01-31",
            [{"account": "1120", "debit": "1.00"}, {"account": "4100", "credit": "1.00"}],
        )
    assert_projections_caught_up_and_rebuildable(books)


OPENERS, ROUNDS = 8, 5


def test_many_connections_can_open_the_same_books_at_once(
    books: Erp, any_url: str, request: pytest.FixtureRequest
) -> None:
    errors: list[str] = []

    def open_and_post(barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            with Erp.open(any_url, actor="opener") as erp:
                erp.post_voucher(
                    "2026-06-01",
                    [{"account": "1120", "debit": "1.00"}, {"account": "4100", "credit": "1.00"}],
                )
        except Exception as exc:
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")

    for _round in range(ROUNDS):
        barrier = threading.Barrier(OPENERS)
        threads = [threading.Thread(target=open_and_post, args=(barrier,)) for _ in range(OPENERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    books.catch_up()
    assert books.trial_balance().total_debit == Decimal(OPENERS * ROUNDS)
