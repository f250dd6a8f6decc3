"""The new access commands through the command line: keys, configure, map-role, escalate,
refusals, and their clean errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core.cli import cli


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ERP_DATABASE_URL", f"sqlite:///{tmp_path}/erp.sqlite")
    monkeypatch.setenv("ERP_ACTOR", "alice")
    runner = CliRunner()
    run(runner, "init", "--company", "Acme", "--currency", "EUR", "--year-start", "2026-01-01")
    return runner


def test_keys_signing_and_refusals_from_the_command_line(books: CliRunner, tmp_path: Path) -> None:
    run(books, "user", "create", "bob", "--name", "Bob")
    run(books, "user", "grant", "bob", "warehouse_keeper")
    out = run(books, "user", "key", "create", "bob", "--private-key", "bob.pem")
    assert out.startswith("Signing key ") and "for bob; private key in bob.pem" in out
    assert stat.S_IMODE(os.stat(tmp_path / "bob.pem").st_mode) == 0o600
    # the key file is never overwritten
    out = run(books, "user", "key", "create", "bob", "--private-key", "bob.pem", code=2)
    assert "exists already" in out
    run(books, "user", "key", "create", "alice", "--private-key", "alice.pem")
    out = run(books, "access", "configure", "--require-signatures", "--record-refusals")
    assert out == "Identity: token; signatures required: yes; refusals recorded: yes.\n"
    bob_token = run(books, "user", "token", "create", "bob").splitlines()[0]
    alice_token = run(books, "user", "token", "create", "alice").splitlines()[0]
    run(books, "access", "enable")

    (tmp_path / "in.jsonl").write_text(
        json.dumps({"action": "register_warehouse", "code": "EAST", "name": "East"}) + "\n"
    )
    signed = run(books, "--actor", "bob", "sign", "in.jsonl", "--key", "bob.pem")
    (tmp_path / "signed.jsonl").write_text(signed)
    env = {"ERP_TOKEN": bob_token, "ERP_ACTOR": ""}
    ok = books.invoke(cli, ["--token", bob_token, "apply", "signed.jsonl"], env=env)
    assert ok.exit_code == 0, ok.output
    # the unsigned file: refused (exit 77), recorded
    refused = books.invoke(cli, ["--token", bob_token, "apply", "in.jsonl"], env=env)
    assert refused.exit_code != 0 and "carries no signature" in refused.output
    report = books.invoke(
        cli, ["--token", alice_token, "report", "refusals", "--format", "csv"], env=env
    )
    assert report.exit_code == 0, report.output
    assert "bob,register_warehouse,signature" in report.output
    verified = books.invoke(
        cli, ["--token", alice_token, "audit", "verify", "--signatures"], env=env
    )
    assert verified.exit_code == 0, verified.output
    assert "OK: 1 signed action(s) verified" in verified.output


def test_map_role_and_escalate_from_the_command_line(books: CliRunner) -> None:
    run(books, "user", "create", "clara", "--name", "Clara")
    assert run(books, "access", "map-role", "clara_pg", "clara") == "clara_pg acts as clara.\n"
    assert run(books, "access", "map-role", "clara_pg") == "clara_pg acts as nobody.\n"
    out = run(books, "access", "map-role", "clara_pg", code=2)
    assert "mapped to no user" in out
    assert run(books, "access", "escalate") == "Nothing to escalate.\n"
    out = run(books, "access", "configure", "--identity", "bogus", code=2)
    assert "bogus" in out
