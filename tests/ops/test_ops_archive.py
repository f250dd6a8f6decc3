"""Backups and restores: round trips between SQLite and PostgreSQL with identical heads and
byte-identical reports; damaged, truncated and wrongly signed archives refused; the target left
empty on every refusal."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.audit.verify import keygen, load_public_key
from erp_core.cli import cli
from erp_core.infra.config import parse_url
from erp_core.infra.db import create_engines
from erp_core.ops.archive import (
    ArchiveRefused,
    BackupRefused,
    TargetNotEmpty,
    backup,
    inspect_archive,
    restore,
    stored_event_count,
)
from erp_core.ops.move import report_bytes

AS_OF = dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company's year of business (purchases, stock, sales, production...)."""
    from erp_core.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with Erp.open(f"sqlite:///{path}", actor="demo") as erp:
        build_demo(erp)
    return path


@pytest.fixture
def source(demo_db: Path, tmp_path: Path) -> str:
    """A private copy of the demo book (tests may write to it)."""
    copy = tmp_path / "source.sqlite"
    shutil.copy(demo_db, copy)
    return f"sqlite:///{copy}"


def head_of(url: str) -> tuple[int, str]:
    with Erp.open(url, actor="t") as erp:
        report = erp.verify()
        assert report.ok, report.problems
        return report.head_position, report.head_hash


def cli_reports(url: str) -> list[str]:
    runner = CliRunner()
    out = []
    for args in (
        ["trial-balance", "--format", "json"],
        ["balance-sheet", "--as-of", str(AS_OF), "--format", "json"],
        ["income-statement", "--from", "2026-01-01", "--to", str(AS_OF), "--format", "json"],
        ["general-ledger", "--format", "csv"],
        ["stock-balance", "--as-of", str(AS_OF), "--format", "json"],
        ["receivables-aging", "--as-of", str(AS_OF), "--format", "json"],
    ):
        result = runner.invoke(cli, ["--db", url, "report", *args])
        assert result.exit_code == 0, result.output
        out.append(result.output)
    return out


def assert_same_books(a: str, b: str) -> None:
    assert head_of(a) == head_of(b)
    assert report_bytes(parse_url(a), AS_OF) == report_bytes(parse_url(b), AS_OF)
    assert cli_reports(a) == cli_reports(b)
    with Erp.open(b, actor="t") as erp:
        assert all(c.ok for c in erp.check())


def empty(url: str) -> bool:
    writer, reader = create_engines(parse_url(url))
    try:
        return stored_event_count(reader) == 0
    finally:
        writer.dispose()
        reader.dispose()


# --- round trips -------------------------------------------------------------------------------


def test_sqlite_to_sqlite_round_trip_keeps_every_byte_and_the_head(
    source: str, tmp_path: Path
) -> None:
    archive = tmp_path / "books.erpbak"
    manifest = backup(parse_url(source), archive)
    position, digest = head_of(source)
    assert (manifest.head_position, manifest.head_hash) == (position, digest)
    assert manifest.company == "Demo Trading Ltd" and manifest.base_currency == "EUR"
    target = f"sqlite:///{tmp_path}/restored.sqlite"
    result = restore(archive, parse_url(target))
    assert (result.head_position, result.head_hash, result.events) == (
        position,
        digest,
        manifest.events,
    )
    assert_same_books(source, target)
    # the restored books go on: new events follow the head and chain on from it
    with Erp.open(target, actor="t") as erp:
        erp.post_voucher(
            "2027-01-05", [{"account": "1120", "debit": "1.00"}, {"account": "3100", "credit": "1"}]
        )
        report = erp.verify()
        assert report.ok and report.head_position > position


@pytest.mark.postgres
def test_sqlite_to_postgres_to_sqlite_gives_the_same_head_and_reports(
    source: str, pg_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "a.erpbak"
    backup(parse_url(source), first)
    restore(first, parse_url(pg_url))
    assert_same_books(source, pg_url)
    second = tmp_path / "b.erpbak"
    from_pg = backup(parse_url(pg_url), second)
    assert from_pg.source == "postgresql"
    back = f"sqlite:///{tmp_path}/back.sqlite"
    restore(second, parse_url(back))
    assert_same_books(source, back)

    # the archive's event lines are identical whichever database wrote them
    def events(path: Path) -> list[bytes]:
        with gzip.open(path) as f:
            return f.read().splitlines()[1:]

    assert events(first) == events(second)
    # PostgreSQL's sequence continues after the restored positions
    with Erp.open(pg_url, actor="t") as erp:
        erp.post_voucher(
            "2027-01-05", [{"account": "1120", "debit": "1.00"}, {"account": "3100", "credit": "1"}]
        )
        report = erp.verify()
        assert report.ok and report.head_position > from_pg.head_position


@pytest.mark.postgres
def test_migrate_store_moves_sqlite_to_postgres_in_one_command_with_proof(
    source: str, pg_url: str
) -> None:
    result = CliRunner().invoke(cli, ["--db", source, "migrate-store", "--to", pg_url])
    assert result.exit_code == 0, result.output
    assert "Reports identical: balance sheet" in result.output
    assert_same_books(source, pg_url)
    again = CliRunner().invoke(cli, ["--db", source, "migrate-store", "--to", pg_url])
    assert again.exit_code != 0 and "not empty" in again.output


def test_migrate_store_refuses_the_same_database(source: str) -> None:
    result = CliRunner().invoke(cli, ["--db", source, "migrate-store", "--to", source])
    assert result.exit_code != 0 and "same database" in result.output


# --- refusals ----------------------------------------------------------------------------------


@pytest.fixture
def archive(source: str, tmp_path: Path) -> Path:
    path = tmp_path / "good.erpbak"
    backup(parse_url(source), path)
    return path


def archive_lines(path: Path) -> list[bytes]:
    with gzip.open(path) as f:
        return f.read().splitlines()


def rewrite(src: Path, dst: Path, edit) -> None:  # type: ignore[no-untyped-def]
    with gzip.open(src) as f:
        lines = f.read().splitlines()
    with gzip.open(dst, "wb") as f:
        f.write(b"\n".join(edit(lines)) + b"\n")


def refused(path: Path, target: str, **kwargs: object) -> ArchiveRefused:
    with pytest.raises(ArchiveRefused) as info:
        restore(path, parse_url(target), **kwargs)  # type: ignore[arg-type]
    assert empty(target), "a refused restore left events behind"
    return info.value


def test_an_altered_event_is_refused_at_its_position(archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "altered.erpbak"

    def alter(lines: list[bytes]) -> list[bytes]:
        data = orjson.loads(lines[100])
        data["state"] = data["state"][:-4] + ("AAA=" if data["state"][-4:] != "AAA=" else "BBB=")
        lines[100] = orjson.dumps(data)
        return lines

    rewrite(archive, bad, alter)
    position = orjson.loads(archive_lines(archive)[100])["position"]
    error = refused(bad, f"sqlite:///{tmp_path}/t.sqlite")
    assert f"at position {position}" in error.message and "chain hash" in error.message


def test_a_missing_line_is_refused_naming_where(archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "missing.erpbak"
    rewrite(archive, bad, lambda lines: lines[:50] + lines[51:])
    before = orjson.loads(archive_lines(archive)[49])["position"]
    error = refused(bad, f"sqlite:///{tmp_path}/t.sqlite")
    assert "event #50 is missing" in error.message and error.position == before


def test_a_truncated_archive_is_refused(archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.erpbak"
    data = archive.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    error = refused(cut, f"sqlite:///{tmp_path}/t.sqlite")
    assert "truncated" in error.message
    # the same when whole lines are dropped from the end (and recompressed)
    short = tmp_path / "short.erpbak"
    rewrite(archive, short, lambda lines: lines[:-30])
    error = refused(short, f"sqlite:///{tmp_path}/t2.sqlite")
    assert "truncated" in error.message and error.position


def test_a_flipped_byte_of_the_compressed_file_is_refused(archive: Path, tmp_path: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x40
    bad = tmp_path / "flipped.erpbak"
    bad.write_bytes(bytes(data))
    error = refused(bad, f"sqlite:///{tmp_path}/t.sqlite")
    # Deflate cannot say which event a compressed byte belongs to, and what the flip turns
    # into (a zlib or CRC error, a line that is not JSON, an event that fails its chain hash)
    # depends on the bytes around it; but the refusal always names the last event read
    # intact, a real position well inside the log, and the message names it (or the event
    # right after it, the one that failed its hash).
    positions = [orjson.loads(line)["position"] for line in archive_lines(archive)[1:-1]]
    assert error.position in positions[:-1]
    after = positions[positions.index(error.position) + 1]
    assert error.message.startswith(
        (
            f"the archive is damaged after position {error.position}",
            f"the archive is damaged at position {after} (",
        )
    ), error.message


def test_a_manifest_promising_another_head_is_refused(archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "manifest.erpbak"

    def edit(lines: list[bytes]) -> list[bytes]:
        manifest = orjson.loads(lines[0])
        manifest["head_position"] += 1
        return [orjson.dumps(manifest), *lines[1:]]

    rewrite(archive, bad, edit)
    assert "manifest promises" in refused(bad, f"sqlite:///{tmp_path}/t.sqlite").message


def test_not_an_archive_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.erpbak"
    junk.write_bytes(b"hello")
    refused(junk, f"sqlite:///{tmp_path}/t.sqlite")


def test_signed_archives_are_checked_against_the_trusted_key(source: str, tmp_path: Path) -> None:
    private, public = keygen()
    _, other_public = keygen()
    signed = tmp_path / "signed.erpbak"
    manifest = backup(parse_url(source), signed, private_key_pem=private)
    assert manifest.digest is not None and manifest.digest.hash == manifest.head_hash
    # another key
    error = refused(
        signed, f"sqlite:///{tmp_path}/a.sqlite", trusted_public_key=load_public_key(other_public)
    )
    assert "different key" in error.message
    # a forged head under the original signature
    forged = tmp_path / "forged.erpbak"

    def edit(lines: list[bytes]) -> list[bytes]:
        m = orjson.loads(lines[0])
        m["digest"]["hash"] = "0" * 64
        return [orjson.dumps(m), *lines[1:]]

    rewrite(signed, forged, edit)
    assert "signature" in refused(forged, f"sqlite:///{tmp_path}/b.sqlite").message
    # an unsigned archive when a key is required
    plain = tmp_path / "plain.erpbak"
    backup(parse_url(source), plain)
    error = refused(
        plain, f"sqlite:///{tmp_path}/c.sqlite", trusted_public_key=load_public_key(public)
    )
    assert "not signed" in error.message
    # the right key
    result = restore(
        signed,
        parse_url(f"sqlite:///{tmp_path}/d.sqlite"),
        trusted_public_key=load_public_key(public),
    )
    assert result.signed_by == load_public_key(public)


def test_restore_into_a_non_empty_database_is_refused_and_changes_nothing(
    archive: Path, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path}/busy.sqlite"
    with Erp.open(target, actor="t") as erp:
        erp.init("Other Co", "USD", dt.date(2026, 1, 1))
        before = erp.verify()
    with pytest.raises(TargetNotEmpty):
        restore(archive, parse_url(target))
    with Erp.open(target, actor="t") as erp:
        after = erp.verify()
        assert (after.head_position, after.head_hash) == (before.head_position, before.head_hash)
        assert erp.trial_balance().company == "Other Co"
    result = CliRunner().invoke(cli, ["restore", str(archive), "--db", target])
    assert result.exit_code != 0 and "not empty" in result.output


def test_a_log_that_fails_verification_is_not_backed_up(source: str, tmp_path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(parse_url(source).path)
    db.execute("UPDATE stored_events SET state = replace(state, 'Demo', 'Dumo') WHERE rowid = 1")
    db.commit()
    db.close()
    out = tmp_path / "never.erpbak"
    with pytest.raises(BackupRefused, match="position 1"):
        backup(parse_url(source), out)
    assert not out.exists() and not list(tmp_path.glob(".never*"))


def test_cli_backup_restore_and_check_only(source: str, tmp_path: Path) -> None:
    private, public = keygen()
    (tmp_path / "k.pem").write_bytes(private)
    (tmp_path / "k.pub").write_bytes(public)
    runner = CliRunner()
    out = tmp_path / "cli.erpbak"
    r = runner.invoke(cli, ["--db", source, "backup", str(out), "--sign", str(tmp_path / "k.pem")])
    assert r.exit_code == 0 and "signed" in r.output, r.output
    r = runner.invoke(
        cli, ["restore", str(out), "--check-only", "--public-key", str(tmp_path / "k.pub")]
    )
    assert r.exit_code == 0 and "signature valid" in r.output, r.output
    target = f"sqlite:///{tmp_path}/cli.sqlite"
    r = runner.invoke(
        cli, ["restore", str(out), "--db", target, "--public-key", str(tmp_path / "k.pub")]
    )
    assert r.exit_code == 0 and "chain verified" in r.output, r.output
    assert inspect_archive(out).head_hash in r.output
    r = runner.invoke(cli, ["--db", target, "audit", "verify"])
    assert r.exit_code == 0 and r.output.startswith("OK")


def test_an_empty_book_backs_up_and_restores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.sqlite"
    Erp.open(url, actor="t").close()
    out = tmp_path / "empty.erpbak"
    manifest = backup(parse_url(url), out)
    assert manifest.events == 0
    result = restore(out, parse_url(f"sqlite:///{tmp_path}/empty2.sqlite"))
    assert result.events == 0 and result.head_position == 0


def test_restored_chain_rows_keep_their_links(source: str, tmp_path: Path) -> None:
    """A restored book protects the stream names of its chain rows like the live one did."""
    archive = tmp_path / "books.erpbak"
    backup(parse_url(source), archive)
    target = f"sqlite:///{tmp_path}/restored.sqlite"
    restore(archive, parse_url(target))
    import sqlite3

    db = sqlite3.connect(f"{tmp_path}/restored.sqlite")
    assert db.execute("SELECT count(*) FROM event_chain WHERE link IS NULL").fetchone() == (0,)
    db.execute("DELETE FROM stored_events WHERE rowid = 3")
    db.execute("UPDATE event_chain SET stream = 'doc:JV-2026-000001' WHERE position = 3")
    db.commit()
    db.close()
    with Erp.open(target, actor="t") as erp:
        [problem] = erp.verify().problems
    assert (problem.kind, problem.position, problem.stream) == ("deleted", 3, None)


def test_restore_killed_at_any_moment_leaves_nothing_or_the_whole_book(
    source: str, archive: Path, tmp_path: Path
) -> None:
    """`erp restore` SIGKILLed every 0.2 s into its run, until a run finishes on its own: each
    target holds either no events (and still takes the restore) or the complete book, verifying,
    at the source's head and, from the next command on, with the source's reports."""
    erp = Path(sys.executable).parent / "erp"
    head = head_of(source)
    reports = cli_reports(source)
    outcomes: list[str] = []
    retried = False
    for step in range(100):
        target = f"sqlite:///{tmp_path}/killed-{step}.sqlite"
        proc = subprocess.Popen(
            [str(erp), "restore", str(archive), "--db", target],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(step * 0.2)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
        if finished:
            assert proc.returncode == 0, err
        else:
            assert proc.returncode == -signal.SIGKILL, err
        if empty(target):
            outcomes.append("empty")
            if not retried:  # a killed restore's leftovers do not block the next restore
                restore(archive, parse_url(target))
                retried = True
                assert head_of(target) == head
        else:
            outcomes.append("whole")
            assert head_of(target) == head
            # a kill during the projection rebuild leaves the old (empty) projections, caught
            # up by the next command: the reports are the source's
            assert cli_reports(target) == reports
        if finished:
            break
    else:
        pytest.fail(f"restore never finished on its own: {outcomes}")
    assert outcomes[0] == "empty" and outcomes[-1] == "whole", outcomes
