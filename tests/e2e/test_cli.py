"""The `erp` command line, end to end."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from erp_core.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.sqlite"


def erp(db: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--actor", "clerk", *args], input=input)


@pytest.fixture
def company(db: str) -> str:
    result = erp(
        db, "init", "--company", "Acme Ltd", "--currency", "EUR", "--year-start", "2026-01-01"
    )
    assert result.exit_code == 0, result.output
    return db


def line(**fields: object) -> str:
    return json.dumps(fields)


CAPITAL = line(
    action="post_voucher",
    date="2026-01-05",
    memo="capital",
    lines=[{"account": "1120", "debit": "1000.00"}, {"account": "3100", "credit": "1000.00"}],
)
SALE = line(
    action="post_voucher",
    date="2026-02-10",
    lines=[{"account": "1120", "debit": "250.00"}, {"account": "4100", "credit": "250.00"}],
)


def test_init_refuses_a_second_company(company: str) -> None:
    result = erp(
        company, "init", "--company", "Other", "--currency", "EUR", "--year-start", "2026-01-01"
    )
    assert result.exit_code != 0
    assert "already holds the company 'Acme Ltd'" in result.output


def test_init_refuses_a_bad_currency_and_a_mid_month_year_start(db: str) -> None:
    result = erp(db, "init", "--company", "X", "--currency", "EURO", "--year-start", "2026-01-01")
    assert result.exit_code == 2 and "unknown currency" in result.output
    result = erp(db, "init", "--company", "X", "--currency", "EUR", "--year-start", "2026-01-15")
    assert result.exit_code == 2 and "first day of a month" in result.output


def test_apply_stores_good_lines_and_reports_each_bad_one(company: str, tmp_path: Path) -> None:
    bad_float = line(
        action="post_voucher",
        date="2026-01-06",
        lines=[{"account": "1120", "debit": 1.5}, {"account": "3100", "credit": "1.50"}],
    )
    unbalanced = line(
        action="post_voucher",
        date="2026-01-06",
        lines=[{"account": "1120", "debit": "2"}, {"account": "3100", "credit": "1"}],
    )
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([CAPITAL, bad_float, "", unbalanced, "{nope", SALE]) + "\n")
    result = erp(company, "apply", str(path))
    assert result.exit_code == 1
    assert "applied 2 action(s), rejected 3" in result.output
    assert "line 2: lines[0].debit: amounts must be decimal strings" in result.output
    assert "line 4: lines: debits 2.00 and credits 1.00 EUR differ by 1.00 EUR" in result.output
    assert "line 5: not valid JSON" in result.output
    tb = json.loads(erp(company, "report", "trial-balance", "--format", "json").output)
    assert tb["total_debit"] == "1250.00"


def test_apply_all_or_nothing_stores_nothing_when_a_line_is_refused(company: str) -> None:
    unknown = line(
        action="post_voucher",
        date="2026-01-06",
        lines=[{"account": "1120", "debit": "2"}, {"account": "9999", "credit": "2"}],
    )
    result = erp(company, "apply", "--all-or-nothing", "-", input=f"{CAPITAL}\n{unknown}\n")
    assert result.exit_code == 1
    assert "line 2: lines[1].account: unknown account '9999'" in result.output
    assert "nothing was stored" in result.output
    tb = json.loads(erp(company, "report", "trial-balance", "--format", "json").output)
    assert tb["rows"] == []
    result = erp(company, "apply", "--all-or-nothing", "-", input=f"{CAPITAL}\n{SALE}\n")
    assert result.exit_code == 0 and "applied 2 action(s), rejected 0" in result.output


def test_dry_run_checks_without_storing(company: str) -> None:
    result = erp(company, "apply", "--dry-run", "-", input=CAPITAL + "\n")
    assert result.exit_code == 0 and "would apply 1 action(s)" in result.output
    tb = json.loads(erp(company, "report", "trial-balance", "--format", "json").output)
    assert tb["rows"] == []
    stored = erp(company, "apply", "-", input=CAPITAL)
    assert stored.exit_code == 0 and "applied 1 action(s)" in stored.output


def test_unknown_action_and_unknown_field_are_named(company: str) -> None:
    result = erp(
        company,
        "apply",
        "-",
        input='{"action": "pay_everyone"}\n'
        '{"action": "close_period", "period": "2026-01", "colour": "red"}\n',
    )
    assert "line 1: action: unknown action" in result.output
    assert "line 2: colour: unknown field" in result.output


def test_reports_in_table_json_and_csv(company: str) -> None:
    erp(company, "apply", "-", input=f"{CAPITAL}\n{SALE}\n")
    table = erp(company, "report", "balance-sheet", "--as-of", "2026-12-31")
    assert table.exit_code == 0 and "Total liabilities and equity" in table.output
    assert "1,250.00" in table.output
    data = json.loads(
        erp(
            company,
            "report",
            "income-statement",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ).output
    )
    assert data["net_profit"] == "250.00"
    rows = list(
        csv.DictReader(
            io.StringIO(
                erp(
                    company, "report", "trial-balance", "--as-of", "2026-01-31", "--format", "csv"
                ).output
            )
        )
    )
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("1120", "1000.00", "0.00"),
        ("3100", "0.00", "1000.00"),
    ]
    gl = json.loads(
        erp(company, "report", "general-ledger", "--account", "4100", "--format", "json").output
    )
    assert [(x["document"], x["base"], x["actor"]) for x in gl] == [
        ("JV-2026-000002", "-250.00", "clerk")
    ]


def test_bad_dates_are_usage_errors(company: str) -> None:
    result = erp(company, "report", "balance-sheet", "--as-of", "31/12/2026")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_period_commands_close_lock_and_reopen(company: str) -> None:
    assert erp(company, "period", "close", "2026-01").exit_code == 0
    refused = erp(company, "apply", "-", input=CAPITAL)
    assert refused.exit_code == 1 and "period 2026-01" in refused.output
    assert erp(company, "period", "reopen", "2026-01", "--reason", "late invoice").exit_code == 0
    assert erp(company, "apply", "-", input=CAPITAL).exit_code == 0
    assert erp(company, "period", "close", "2026-01").exit_code == 0
    assert erp(company, "period", "lock", "2026-01").exit_code == 0
    final = erp(company, "period", "reopen", "2026-01", "--reason", "x")
    assert final.exit_code == 1 and "locked periods are final" in final.output
    assert "locked" in erp(company, "period", "list").output
    bad = erp(company, "period", "close", "2026-13")
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_year_close_and_reopen(company: str) -> None:
    erp(company, "apply", "-", input=f"{CAPITAL}\n{SALE}\n")
    closed = erp(company, "year", "close", "2026")
    assert closed.exit_code == 0 and "YC-2026-000001" in closed.output
    bs = json.loads(
        erp(company, "report", "balance-sheet", "--as-of", "2026-12-31", "--format", "json").output
    )
    assert bs["current_earnings"] == "0.00"
    assert erp(company, "year", "reopen", "2026", "--reason", "audit").exit_code == 0
    assert erp(company, "year", "open", "2027").exit_code == 0
    again = erp(company, "year", "open", "2027")
    assert again.exit_code == 1 and "already open" in again.output


def test_projection_status_and_rebuild(company: str) -> None:
    erp(company, "apply", "-", input=f"{CAPITAL}\n{SALE}\n")
    before = erp(company, "report", "trial-balance", "--format", "json").output
    status = json.loads(erp(company, "projections", "status", "--format", "json").output)
    assert {s["name"]: s["lag"] for s in status} == {
        "ledger": 0,
        "currency": 0,
        "access": 0,
        "approvals": 0,
        "access_refusals": 0,
        "access_sod_paid": 0,
        "balances": 0,
        "stock": 0,
        "payables": 0,
        "receivables": 0,
        "production": 0,
        "assets": 0,
        "hr": 0,
        "payroll": 0,
    }
    rebuilt = erp(company, "projections", "rebuild", "balances")
    assert rebuilt.exit_code == 0 and "Rebuilt balances" in rebuilt.output
    assert erp(company, "projections", "rebuild").exit_code == 0
    assert erp(company, "report", "trial-balance", "--format", "json").output == before
    unknown = erp(company, "projections", "rebuild", "nope")
    assert unknown.exit_code == 2 and "unknown projection 'nope'" in unknown.output


def test_schema_prints_json_schema_per_action(db: str) -> None:
    one = json.loads(CliRunner().invoke(cli, ["schema", "post_voucher"]).output)
    assert "lines" in one["properties"]
    every = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    assert len(every["oneOf"]) >= 11
    unknown = CliRunner().invoke(cli, ["schema", "nope"])
    assert unknown.exit_code == 2 and "unknown action 'nope'" in unknown.output


def test_reports_before_init_say_what_to_do(db: str) -> None:
    result = erp(db, "report", "trial-balance")
    assert result.exit_code == 1 and "erp init" in result.output


def test_demo_prints_the_three_statements(db: str) -> None:
    result = erp(db, "demo")
    assert result.exit_code == 0, result.output
    for title in ("Trial balance", "Income statement", "Balance sheet"):
        assert title in result.output


def test_the_installed_command_shows_errors_without_a_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("erp")
    proc = subprocess.run(
        [str(exe), "--db", "mysql://nowhere/x", "report", "trial-balance"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: db: unsupported database URL")
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [str(exe), "--db", f"sqlite:///{tmp_path}/p.sqlite", "apply", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_audit_verify_digest_and_tamper_detection_through_the_cli(
    company: str, tmp_path: Path
) -> None:
    erp(company, "apply", "-", input=f"{CAPITAL}\n{SALE}\n")
    ok = erp(company, "audit", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("OK: ")
    key, pub, digest = (str(tmp_path / n) for n in ("k.pem", "k.pub", "d.json"))
    assert erp(company, "audit", "keygen", key, pub).exit_code == 0
    assert oct(Path(key).stat().st_mode & 0o777) == "0o600"
    refused = erp(company, "audit", "keygen", key, pub)
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert erp(company, "audit", "digest", "--sign", key, "--out", digest).exit_code == 0
    held = erp(company, "audit", "verify", "--digest", digest, "--public-key", pub)
    assert held.exit_code == 0 and "1 digest(s) still hold" in held.output
    import sqlite3

    db = sqlite3.connect(company.removeprefix("sqlite:///"))
    db.execute("DELETE FROM stored_events WHERE originator_id = 'doc:JV-2026-000001'")
    db.commit()
    db.close()
    broken = erp(company, "audit", "verify")
    assert broken.exit_code == 1
    assert "FAILED at position" in broken.output and "document JV-2026-000001" in broken.output


def test_audit_trail_replay_and_exports_through_the_cli(company: str, tmp_path: Path) -> None:
    erp(company, "apply", "-", input=f"{CAPITAL}\n")
    position = json.loads(erp(company, "projections", "status", "--format", "json").output)[0][
        "head"
    ]
    erp(company, "apply", "-", input=f"{SALE}\n")
    trail = erp(company, "audit", "trail", "JV-2026-000001", "--format", "json")
    assert [e["event"] for e in json.loads(trail.output)] == ["VoucherPosted"]
    missing = erp(company, "audit", "trail", "JV-2026-000404")
    assert missing.exit_code == 1 and "nothing stored" in missing.output
    then = erp(
        company,
        "audit",
        "replay",
        "--as-of-position",
        str(position),
        "--report",
        "trial-balance",
        "--format",
        "json",
    )
    assert then.exit_code == 0, then.output
    report = json.loads(then.output[then.output.index("{") :])
    assert report["total_debit"] == "1000.00" and report["as_known_at"] == position
    both = erp(
        company,
        "audit",
        "replay",
        "--as-of-position",
        "1",
        "--known-at",
        "2026-01-01T00:00:00+00:00",
    )
    assert both.exit_code == 2 and "exactly one" in both.output
    naive = erp(company, "audit", "replay", "--known-at", "2026-01-01T00:00:00")
    assert naive.exit_code == 2 and "time zone" in naive.output
    path = tmp_path / "gl.beancount"
    assert erp(company, "export", "beancount", str(path)).exit_code == 0
    assert 'document: "JV-2026-000002"' in path.read_text()
    gl = erp(company, "export", "gl", "--format", "csv")
    assert gl.exit_code == 0 and len(gl.output.splitlines()) == 5  # header + 4 lines


def test_the_demo_company_exports_to_beancount_that_beancount_accepts(
    db: str, tmp_path: Path
) -> None:
    from conftest import beancount_weights, trial_balance_by_account

    from erp_core import Erp

    assert erp(db, "demo").exit_code == 0
    path = tmp_path / "demo.beancount"
    assert erp(db, "export", "beancount", str(path)).exit_code == 0
    errors, theirs = beancount_weights(str(path))
    assert errors == []
    with Erp.open(db) as books:
        ours = trial_balance_by_account(books)
    assert theirs == ours and len(ours) >= 5
