"""`erp migrate-store` is resumable: an interrupted move leaves a target that nothing opens as
books, and the same command run again copies only the rest and proves the books equal."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.cli import cli
from erp_core.infra.config import parse_url
from erp_core.kernel.errors import StorageError
from erp_core.ops.archive import TargetNotEmpty
from erp_core.ops.doctor import doctor
from erp_core.ops.move import MoveFailed, move_store

AS_OF = dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from erp_core.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with Erp.open(f"sqlite:///{path}", actor="demo") as erp:
        build_demo(erp)
    return path


@pytest.fixture
def source(demo_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "source.sqlite"
    shutil.copy(demo_db, copy)
    return f"sqlite:///{copy}"


class Interrupted(Exception):
    """Stands for a crash in the middle of a move."""


def interrupt_after(calls: int):  # type: ignore[no-untyped-def]
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) >= calls:
            raise Interrupted(done)

    return progress


def head_of(url: str) -> tuple[int, str]:
    with Erp.open(url, actor="t") as erp:
        report = erp.verify()
        assert report.ok, report.problems
        return report.head_position, report.head_hash


def reports(url: str) -> list[str]:
    out = []
    for args in (
        ["trial-balance", "--format", "json"],
        ["balance-sheet", "--as-of", str(AS_OF), "--format", "json"],
        ["general-ledger", "--format", "csv"],
        ["stock-balance", "--as-of", str(AS_OF), "--format", "json"],
        ["receivables-aging", "--as-of", str(AS_OF), "--format", "json"],
    ):
        result = CliRunner().invoke(cli, ["--db", url, "report", *args])
        assert result.exit_code == 0, result.output
        out.append(result.output)
    return out


def target_events(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not even created yet
    finally:
        db.close()


def refuses_to_open(url: str) -> str:
    with pytest.raises(StorageError) as info:
        Erp.open(url, actor="t")
    return info.value.message


def test_an_interrupted_move_is_refused_as_books_and_finished_by_running_it_again(
    source: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path}/target.sqlite"
    with pytest.raises(Interrupted):
        move_store(
            parse_url(source),
            parse_url(target),
            as_of=AS_OF,
            batch=200,
            progress=interrupt_after(3),
        )
    copied = target_events(tmp_path / "target.sqlite")
    assert 0 < copied < head_of(source)[0]
    # nothing opens the half-copied target as books; the doctor calls it critical
    message = refuses_to_open(target)
    assert "unfinished target of `erp migrate-store`" in message
    assert "run the same command again" in message
    findings = {f.check: f for f in doctor(parse_url(target), now=dt.datetime.now(dt.UTC))}
    assert findings["move"].status == "critical"
    # the rerun copies only the rest
    done: list[int] = []
    result = move_store(
        parse_url(source),
        parse_url(target),
        as_of=AS_OF,
        batch=200,
        progress=lambda n, _t: done.append(n),
    )
    assert done[0] >= copied  # resumed, not restarted
    assert result.source_moved_on == 0 and "balance sheet" in result.reports_compared
    assert head_of(target) == head_of(source)
    assert reports(target) == reports(source)
    with Erp.open(target, actor="t") as erp:
        assert all(c.ok for c in erp.check())


def test_a_finished_target_is_not_moved_into_again(source: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path}/target.sqlite"
    move_store(parse_url(source), parse_url(target), as_of=AS_OF)
    with pytest.raises(TargetNotEmpty, match="not empty"):
        move_store(parse_url(source), parse_url(target), as_of=AS_OF)


def test_an_unfinished_move_of_another_log_is_not_taken_up(source: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path}/target.sqlite"
    other = f"sqlite:///{tmp_path}/other.sqlite"
    with Erp.open(other, actor="t") as erp:
        erp.init("Other Ltd", "EUR", dt.date(2026, 1, 1))
    with pytest.raises(Interrupted):
        move_store(parse_url(source), parse_url(target), batch=100, progress=interrupt_after(2))
    before = target_events(tmp_path / "target.sqlite")
    with pytest.raises(MoveFailed, match="unfinished move of another log"):
        move_store(parse_url(other), parse_url(target))
    assert target_events(tmp_path / "target.sqlite") == before


def test_writes_to_the_source_during_a_move_keep_the_target_unfinished_until_rerun(
    source: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path}/target.sqlite"
    wrote: list[str] = []

    def write_once(_done: int, _total: int) -> None:
        if not wrote:  # a writer that was not stopped
            with Erp.open(source, actor="late") as erp:
                wrote.append(
                    erp.post_voucher(
                        "2027-01-05",
                        [{"account": "1120", "debit": "7.00"}, {"account": "3100", "credit": "7"}],
                    )
                )

    first = move_store(parse_url(source), parse_url(target), as_of=AS_OF, progress=write_once)
    assert first.source_moved_on > 0 and first.reports_compared == []
    assert "unfinished" in refuses_to_open(target)
    second = move_store(parse_url(source), parse_url(target), as_of=AS_OF)
    assert second.source_moved_on == 0 and second.head_position > first.head_position
    assert head_of(target) == head_of(source)
    assert reports(target) == reports(source)


def test_migrate_store_killed_at_any_moment_is_finished_by_the_next_run(
    source: str, tmp_path: Path
) -> None:
    """`erp migrate-store` SIGKILLed 0.3 s, 0.6 s, ... into its run, each time on the same
    target, until a run finishes on its own: after every kill the target is either refused as
    unfinished or complete, never half-good; the run that finishes proves the books equal."""
    erp = Path(sys.executable).parent / "erp"
    target_path = tmp_path / "killed.sqlite"
    target = f"sqlite:///{target_path}"
    head = head_of(source)
    expected = reports(source)
    outcomes: list[str] = []
    args = [
        str(erp),
        "--db",
        source,
        "migrate-store",
        "--to",
        target,
        "--batch",
        "50",
        "--as-of",
        str(AS_OF),
    ]
    for step in range(1, 80):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(step * 0.3)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
        if finished:
            assert proc.returncode == 0, err
            assert b"Reports identical" in out
            outcomes.append("finished")
            break
        assert proc.returncode == -signal.SIGKILL, err
        if target_events(target_path) == 0:
            outcomes.append("empty")  # killed before the first batch: a plain empty database
            continue
        try:
            with Erp.open(target, actor="t") as books:
                report = books.verify()
            outcomes.append("complete")  # killed after the marker went: must be whole
            assert report.ok and (report.head_position, report.head_hash) == head
            break
        except StorageError as exc:
            assert "unfinished target" in exc.message
            outcomes.append(f"unfinished:{target_events(target_path)}")
    else:
        pytest.fail(f"migrate-store never finished on its own: {outcomes}")
    assert any(o.startswith("unfinished:") for o in outcomes), outcomes
    assert outcomes[-1] in ("finished", "complete"), outcomes
    assert head_of(target) == head
    assert reports(target) == expected


@pytest.mark.postgres
def test_an_interrupted_move_to_postgres_is_finished_by_running_it_again(
    source: str, pg_url: str
) -> None:
    with pytest.raises(Interrupted):
        move_store(
            parse_url(source),
            parse_url(pg_url),
            as_of=AS_OF,
            batch=200,
            progress=interrupt_after(3),
        )
    assert "unfinished target" in refuses_to_open(pg_url)
    result = CliRunner().invoke(
        cli, ["--db", source, "migrate-store", "--to", pg_url, "--as-of", str(AS_OF)]
    )
    assert result.exit_code == 0, result.output
    assert head_of(pg_url) == head_of(source)
    assert reports(pg_url) == reports(source)
    with Erp.open(pg_url, actor="t") as erp:  # the moved book takes new actions
        erp.post_voucher(
            "2027-01-05", [{"account": "1120", "debit": "1.00"}, {"account": "3100", "credit": "1"}]
        )
        assert erp.verify().ok
