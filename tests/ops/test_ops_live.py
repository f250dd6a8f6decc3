"""Backups while other processes write, and `erp doctor`'s findings and exit codes."""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.audit import verify as audit
from erp_core.audit.verify import keygen
from erp_core.cli import cli
from erp_core.infra.config import parse_url
from erp_core.ops.archive import backup, inspect_archive, iter_archive, restore
from erp_core.ops.doctor import Limits, doctor, exit_code

WRITER = """
import sys
from erp_core import Erp
erp = Erp.open(sys.argv[1], actor="writer-" + sys.argv[2])
for i in range(int(sys.argv[3])):
    document = erp.post_voucher("2026-03-10", [{"account": "1120", "debit": f"{i + 1}.00"},
                                               {"account": "3100", "credit": f"{i + 1}.00"}])
    print("ack", document.documents[0], flush=True)  # acknowledged: the save returned
print("done", flush=True)
"""


def start_writers(url: str, count: int, vouchers: int) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(n), str(vouchers)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]


def documents_in(path: Path) -> list[str]:
    """The voucher documents an archive holds (the first event of each document's stream)."""
    with gzip.open(path, "rb") as f:
        _manifest, _signer, events = iter_archive(f)
        return [e.stream.removeprefix("doc:") for e in events if e.stream.startswith("doc:JV")]


def backups_while_writing(url: str, tmp_path: Path) -> None:
    """Four processes post vouchers while backups are taken one after another: every archive
    verifies and is a prefix of the live log; every acknowledged voucher is in an archive or
    after its head, never twice; the last archive restores to exactly that prefix."""
    with Erp.open(url, actor="t") as erp:
        erp.init("Busy Ltd", "EUR", dt.date(2026, 1, 1))
        start = erp.verify().head_position
    writers = start_writers(url, 4, 20)
    manifests = []
    deadline = time.monotonic() + 300
    while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
        path = tmp_path / f"live-{len(manifests)}.erpbak"
        manifests.append((path, backup(parse_url(url), path)))
    acknowledged: list[str] = []
    for w in writers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        acknowledged += [line.split()[1] for line in out.splitlines() if line.startswith("ack ")]
    assert len(acknowledged) == 80 and len(set(acknowledged)) == 80
    assert manifests, "no backup was taken while the writers ran"
    with Erp.open(url, actor="t") as erp, erp.reader.connect() as conn:
        final = audit.verify_chain(
            audit.raw_events(conn),
            audit.chain_records(conn),
            [m.head_position for _, m in manifests],
        )
        live = {
            e.stream.removeprefix("doc:"): e.position
            for e in audit.raw_events(conn)
            if e.stream.startswith("doc:JV") and e.version == 1
        }
    assert final.ok
    assert sorted(live) == sorted(acknowledged)  # every acknowledged voucher, once
    for path, manifest in manifests:
        # each archive verifies on its own, and its head is a real point of the live log
        assert inspect_archive(path).head_hash == manifest.head_hash
        assert start <= manifest.head_position <= final.head_position
        assert final.checkpoints[manifest.head_position] == manifest.head_hash
        held = documents_in(path)
        assert len(held) == len(set(held)), "a voucher twice in one archive"
        for document in acknowledged:
            inside = document in held
            after_head = live[document] > manifest.head_position
            assert inside != after_head, (document, path.name)
    # the last one restores, and the restored log is exactly that prefix of the live one
    path, manifest = manifests[-1]
    target = f"sqlite:///{tmp_path}/restored.sqlite"
    result = restore(path, parse_url(target))
    assert (result.head_position, result.head_hash) == (manifest.head_position, manifest.head_hash)


def test_backup_while_other_processes_write_sqlite(tmp_path: Path) -> None:
    backups_while_writing(f"sqlite:///{tmp_path}/busy.sqlite", tmp_path)


@pytest.mark.postgres
def test_backup_while_other_processes_write_postgres(pg_url: str, tmp_path: Path) -> None:
    backups_while_writing(pg_url, tmp_path)


# --- doctor ------------------------------------------------------------------------------------

JANUARY = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)


@pytest.fixture
def book(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/book.sqlite"
    with Erp.open(url, actor="t") as erp:
        erp.init("Healthy Ltd", "EUR", dt.date(2026, 1, 1))
        erp.post_voucher(
            "2026-01-10", [{"account": "1120", "debit": "5.00"}, {"account": "3100", "credit": "5"}]
        )
    return url


def by_check(findings: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {f.check: f.status for f in findings}


def test_doctor_is_ok_after_a_backup_and_warns_without_one(book: str, tmp_path: Path) -> None:
    findings = doctor(parse_url(book), now=JANUARY)
    assert by_check(findings)["backup"] == "warning" and exit_code(findings) == 1
    assert by_check(findings)["signed digest"] == "warning"
    private, _public = keygen()
    backup(parse_url(book), tmp_path / "b.erpbak", now=lambda: JANUARY, private_key_pem=private)
    findings = doctor(parse_url(book), now=JANUARY + dt.timedelta(hours=1))
    assert exit_code(findings) == 0, findings
    assert by_check(findings)["chain"] == "ok"
    # a day and a half later the backup is stale; months later the periods are left open
    later = doctor(parse_url(book), now=JANUARY + dt.timedelta(hours=40))
    assert by_check(later)["backup"] == "warning"
    summer = doctor(parse_url(book), now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    assert by_check(summer)["periods"] == "warning"


def test_doctor_reports_the_age_of_the_last_signed_digest(book: str, tmp_path: Path) -> None:
    private, _public = keygen()
    key = tmp_path / "signing.pem"
    key.write_bytes(private)
    unsigned = CliRunner().invoke(cli, ["--db", book, "audit", "digest"])
    assert unsigned.exit_code == 0, unsigned.output
    findings = {f.check: f for f in doctor(parse_url(book))}
    assert findings["signed digest"].status == "warning"  # an unsigned digest proves nothing
    assert "no signed digest issued" in findings["signed digest"].detail
    signed = CliRunner().invoke(cli, ["--db", book, "audit", "digest", "--sign", str(key)])
    assert signed.exit_code == 0, signed.output
    issued = dt.datetime.fromisoformat(orjson.loads(signed.output)["time"])
    fresh = {f.check: f for f in doctor(parse_url(book), now=issued + dt.timedelta(days=2))}
    assert fresh["signed digest"].status == "ok"
    assert "(2 days ago, digest), at position" in fresh["signed digest"].detail
    stale = {f.check: f for f in doctor(parse_url(book), now=issued + dt.timedelta(days=9))}
    assert stale["signed digest"].status == "warning"
    assert "erp audit digest --sign" in (stale["signed digest"].advice or "")


def test_doctor_is_critical_when_the_chain_breaks(book: str) -> None:
    db = sqlite3.connect(parse_url(book).path)
    db.execute("UPDATE stored_events SET state = replace(state, '5.00', '9.00')")
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["--db", book, "doctor"])
    assert result.exit_code == 2 and "CRITICAL chain" in result.output


def test_doctor_reports_projection_lag(book: str) -> None:
    with Erp.open(book, actor="t", project=False) as erp:
        for _ in range(3):
            erp.post_voucher(
                "2026-01-11",
                [{"account": "1120", "debit": "1.00"}, {"account": "3100", "credit": "1"}],
            )
    findings = doctor(parse_url(book), now=JANUARY, limits=Limits(max_lag=0))
    assert by_check(findings)["projection ledger"] == "warning"


def test_doctor_is_critical_for_a_missing_database_or_a_newer_schema(
    book: str, tmp_path: Path
) -> None:
    missing = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path}/nope.sqlite", "health"])
    assert missing.exit_code == 2 and "no database file" in missing.output
    assert not (tmp_path / "nope.sqlite").exists()
    db = sqlite3.connect(parse_url(book).path)
    db.execute("INSERT INTO erp_schema_version VALUES ('future_0009')")
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["--db", book, "doctor", "--format", "json"])
    assert result.exit_code == 2 and "newer erp_core" in result.output
    refused = CliRunner().invoke(cli, ["--db", book, "upgrade"])
    assert refused.exit_code != 0 and "future_0009" in refused.output


def test_upgrade_applies_pending_migrations(book: str) -> None:
    db = sqlite3.connect(parse_url(book).path)
    db.execute("DROP TABLE ops_backups")
    db.execute("DROP TABLE ops_digests")
    db.execute("DELETE FROM erp_schema_version WHERE version_num = 'ops_0002'")
    db.commit()
    db.close()
    assert by_check(doctor(parse_url(book), now=JANUARY))["schema"] == "warning"
    result = CliRunner().invoke(cli, ["--db", book, "upgrade"])
    assert result.exit_code == 0, result.output
    before, _, after = result.output.partition(" -> ")
    assert "ops_0002" not in before and "ops_0002" in after, result.output
    assert by_check(doctor(parse_url(book), now=JANUARY))["schema"] == "ok"
