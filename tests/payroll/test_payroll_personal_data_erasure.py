"""Crypto-shredding of personal data: encrypted in the log with a per-employee key kept outside
it; `erase_personal_data` destroys the key. The story, on SQLite and PostgreSQL: the plaintext
is nowhere in the database, readers decrypt, an erasure leaves pay and the chain untouched and
every reader showing [erased], a rebuild cannot bring it back, backups and moves carry the keys
(and their tombstones), and the failure paths store nothing."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from erp_core.projections.hr import employees_as_of
from erp_core.projections.payroll import payroll_summary
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import inspect, text
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.documents import service
from erp_core.hr.personal import ERASED, decrypt_fields
from erp_core.infra.config import parse_url
from erp_core.infra.keys import KEYS_TABLE, MASTER_KEY_ENV, KeyState, read_keys
from erp_core.kernel.errors import NotFound, StorageError, ValidationError
from erp_core.ops.archive import backup, restore
from erp_core.ops.move import move_store

SECRETS = ("AB-123456", "DE89 3704", "1990-05-01")


def employee_row(erp: Erp, emp: str) -> dict[str, Any]:
    import datetime as dt

    rows = erp.query(employees_as_of, dt.date(2026, 3, 31), False, True)
    return next(r.model_dump() for r in rows if r.employee == emp)


def plaintext_anywhere(erp: Erp) -> list[str]:
    """Every table (log, chain, projections, key table) searched for the secrets."""
    found = []
    with erp.writer.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                    for secret in SECRETS:
                        hit = secret.encode() in raw if isinstance(raw, bytes) else secret in raw
                        if hit:
                            found.append(f"{table}: {secret}")
    return found


def key_row(erp: Erp, emp: str) -> dict[str, Any] | None:
    with erp.writer.connect() as conn:
        row = conn.execute(
            text(f"SELECT data_key, destroyed_at, reason FROM {KEYS_TABLE} WHERE subject = :s"),
            {"s": emp},
        ).first()
    return None if row is None else dict(row._mapping)


def payroll_with_personal_data(erp: Erp) -> tuple[str, str]:
    setup_payroll(erp)
    emp = hire(erp, birth_date="1990-05-01", national_id="AB-123456")
    erp.record_personal_data(employee=emp, bank_account="DE89 3704")
    docs = erp.run_payroll(month="2026-03").documents
    return emp, docs[1]


def test_personal_data_is_encrypted_in_the_log_and_read_decrypted(any_erp: Erp) -> None:
    emp, slip = payroll_with_personal_data(any_erp)
    # nothing in any table holds the plaintext: the log and the projection keep ciphertext
    assert plaintext_anywhere(any_erp) == []
    row = employee_row(any_erp, emp)
    assert (row["birth_date"], row["national_id"], row["bank_account"]) == (
        "1990-05-01",
        "AB-123456",
        "DE89 3704",
    )
    fields = dict(service.document(any_erp, slip).fields)
    assert fields["National id *"] == "AB-123456"
    assert fields["Paid to account *"] == "DE89 3704"
    # the stored event says it is encrypted, and its values are AES-GCM ciphertext
    (stored,) = [
        e
        for _p, e in any_erp.store.stream(f"employee:{emp}")
        if type(e).__name__ == "PersonalDataRecorded"
    ][:1]
    assert stored.encrypted and stored.fields["national_id"].startswith("aesgcm1:")


def test_erasure_destroys_the_key_and_leaves_pay_and_chain_untouched(any_erp: Erp) -> None:
    erp = any_erp
    emp, slip = payroll_with_personal_data(erp)
    redacted_before = service.render_document(erp, slip, "html", redact=True)
    summary_before = erp.query(payroll_summary, 2026)
    balances_before = [(r.account, r.debit, r.credit) for r in erp.trial_balance().rows]

    erp.erase_personal_data(employee=emp, reason="erasure request of 2026-04-02")

    key = key_row(erp, emp)
    assert key is not None and key["data_key"] is None and key["destroyed_at"]
    assert key["reason"] == "erasure request of 2026-04-02"
    row = employee_row(erp, emp)
    assert {row[f] for f in ("birth_date", "national_id", "bank_account")} == {ERASED}
    assert row["name"] == "Ada Lovelace"  # the record's identifier stays
    fields = dict(service.document(erp, slip).fields)
    assert fields["National id *"] == ERASED and fields["Paid to account *"] == ERASED
    # a redacted payslip issued before the erasure still verifies against the book
    assert service.verify_file(erp, redacted_before).ok
    # pay, vouchers and the chain are untouched
    assert erp.query(payroll_summary, 2026) == summary_before
    assert [(r.account, r.debit, r.credit) for r in erp.trial_balance().rows] == balances_before
    assert erp.verify().ok
    # a rebuild of every projection cannot bring anything back
    erp.rebuild()
    assert {employee_row(erp, emp)[f] for f in ("national_id", "bank_account")} == {ERASED}
    assert plaintext_anywhere(erp) == []
    assert key_row(erp, emp)["data_key"] is None  # type: ignore[index]


def test_the_audit_trail_decrypts_and_shows_erased_afterwards(erp: Erp) -> None:
    emp, _slip = payroll_with_personal_data(erp)
    args = ["--db", f"sqlite:///{erp.url.path}", "--actor", "t", "audit", "trail"]
    shown = CliRunner().invoke(cli, [*args, f"employee:{emp}", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert "AB-123456" in shown.output and "aesgcm1:" not in shown.output
    masked = CliRunner().invoke(cli, [*args, f"employee:{emp}", "--format", "json", "--redact"])
    assert "AB-123456" not in masked.output and "***" in masked.output
    erp.erase_personal_data(employee=emp, reason="request")
    after = CliRunner().invoke(cli, [*args, f"employee:{emp}", "--format", "json"])
    assert after.exit_code == 0, after.output
    assert "AB-123456" not in after.output and ERASED in after.output
    assert "PersonalDataErased" in after.output


def test_refusals_store_nothing(erp: Erp) -> None:
    emp, _slip = payroll_with_personal_data(erp)
    with pytest.raises(NotFound, match="EMP-000099"):
        erp.erase_personal_data(employee="EMP-000099", reason="request")
    erp.erase_personal_data(employee=emp, reason="first request")
    head = erp.store.last_position()
    with pytest.raises(ValidationError, match="already erased .*first request"):
        erp.erase_personal_data(employee=emp, reason="again")
    with pytest.raises(ValidationError, match="was erased on .* cannot be recorded again"):
        erp.record_personal_data(employee=emp, national_id="XY-1")
    with pytest.raises(PydanticValidationError, match="reason"):
        erp.erase_personal_data(employee=emp, reason="")
    assert erp.store.last_position() == head


def test_an_erasure_whose_key_destruction_was_lost_is_completed_by_the_projection(
    erp: Erp, monkeypatch: pytest.MonkeyPatch
) -> None:
    emp, _slip = payroll_with_personal_data(erp)
    # the process "dies" between storing the erasure and destroying the key
    monkeypatch.setattr(erp.store.keys, "destroy", lambda *a, **k: None)
    erp.erase_personal_data(employee=emp, reason="request")
    erp.rebuild()
    assert key_row(erp, emp)["data_key"] is None  # type: ignore[index]
    assert employee_row(erp, emp)["national_id"] == ERASED


def test_a_backup_after_erasure_restores_erased_and_one_before_restores_the_data(
    erp: Erp, tmp_path: Path
) -> None:
    emp, _slip = payroll_with_personal_data(erp)
    before = tmp_path / "before.erp.gz"
    backup(erp.url, before)
    erp.erase_personal_data(employee=emp, reason="request")
    after = tmp_path / "after.erp.gz"
    manifest = backup(erp.url, after)
    assert manifest.format == "erp-backup/2" and manifest.keys == 1

    restored_after = f"sqlite:///{tmp_path}/after.sqlite"
    restore(after, parse_url(restored_after))
    with Erp.open(restored_after, actor="t") as books:
        assert employee_row(books, emp)["national_id"] == ERASED
        assert key_row(books, emp)["data_key"] is None  # type: ignore[index]
        assert plaintext_anywhere(books) == []

    # documented: a backup taken BEFORE the erasure holds the key and no erasure event, so
    # its restore reads the data again; the erasure must be applied to it again
    restored_before = f"sqlite:///{tmp_path}/before.sqlite"
    restore(before, parse_url(restored_before))
    with Erp.open(restored_before, actor="t") as books:
        assert employee_row(books, emp)["national_id"] == "AB-123456"
        books.erase_personal_data(employee=emp, reason="re-applied after restore")
        assert employee_row(books, emp)["national_id"] == ERASED


def test_migrate_store_carries_keys_and_tombstones(any_url: str, erp: Erp) -> None:
    emp, _slip = payroll_with_personal_data(erp)
    second = hire(erp, name="Grace Hopper", national_id="GH-1906")
    erp.erase_personal_data(employee=emp, reason="request")
    target = any_url.replace("books.sqlite", "moved.sqlite")  # SQLite: another file
    move_store(erp.url, parse_url(target))
    with Erp.open(target, actor="t") as books:
        assert employee_row(books, second)["national_id"] == "GH-1906"
        assert employee_row(books, emp)["national_id"] == ERASED
        assert key_row(books, emp)["data_key"] is None  # type: ignore[index]


def test_keys_wrapped_by_a_master_key_need_it_to_be_read(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv(MASTER_KEY_ENV, master)
    with Erp.open(sqlite_url, actor="t") as erp:
        erp.init("Test Co", "EUR", __import__("datetime").date(2026, 1, 1))
        emp = erp.hire_employee(
            name="Ada", joining_date="2026-01-01", national_id="AB-123456"
        ).documents[0]
        assert employee_row(erp, emp)["national_id"] == "AB-123456"
        with erp.writer.connect() as conn:
            (stored, wrapped) = conn.execute(
                text(f"SELECT data_key, wrapped FROM {KEYS_TABLE}")
            ).one()
        assert wrapped == 1 and len(base64.b64decode(stored)) == 12 + 32 + 16
        monkeypatch.delenv(MASTER_KEY_ENV)
        with pytest.raises(StorageError, match=MASTER_KEY_ENV):
            employee_row(erp, emp)
        monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(os.urandom(32)).decode())
        with pytest.raises(StorageError, match="not the master key"):
            employee_row(erp, emp)
        monkeypatch.setenv(MASTER_KEY_ENV, master)
        with erp.writer.connect() as conn:
            state = read_keys(conn, [emp])[emp]
        assert state.key is not None and len(state.key) == 32


def test_events_stored_before_encryption_read_as_before_until_erased() -> None:
    fields = {"national_id": "AB-123456", "bank_account": None}
    assert decrypt_fields(None, "EMP-000001", fields, encrypted=False) == fields
    live = KeyState(os.urandom(32))
    assert decrypt_fields(live, "EMP-000001", fields, encrypted=False) == fields
    erased = KeyState(None, "2026-04-02T00:00:00+00:00")
    assert decrypt_fields(erased, "EMP-000001", fields, encrypted=False) == {
        "national_id": ERASED,
        "bank_account": None,
    }
