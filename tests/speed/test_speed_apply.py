"""Streaming `erp apply`, `--no-project`, and large table output (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from erp_core import Erp
from erp_core.cli import cli


def erp(db: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--actor", "clerk", *args], input=input)


@pytest.fixture
def company(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path}/speed.sqlite"
    result = erp(db, "init", "--company", "Acme", "--currency", "EUR", "--year-start", "2026-01-01")
    assert result.exit_code == 0, result.output
    return db


def voucher(day: int, cents: int) -> str:
    amount = f"{cents // 100}.{cents % 100:02d}"
    return json.dumps(
        {
            "action": "post_voucher",
            "date": f"2026-01-{day:02d}",
            "memo": f"v{day}-{cents}",
            "lines": [
                {"account": "1120", "debit": amount},
                {"account": "4100", "credit": amount},
            ],
        }
    )


def head(db: str) -> int:
    with Erp.open(db, actor="t", project=False) as books:
        return books.store.last_position()


def gl_count(db: str) -> int:
    with Erp.open(db, actor="t") as books:
        return len(books.general_ledger())


def test_streamed_apply_reports_bad_lines_of_every_batch_in_order(
    company: str, tmp_path: Path
) -> None:
    lines = [voucher(d, 100 * d) for d in range(1, 11)]
    lines[2] = "{not json"  # line 3, first batch
    lines[6] = voucher(7, 100).replace('"1120"', '"9999"')  # line 7: unknown account
    lines[9] = json.dumps({"action": "post_voucher", "date": "2026-13-01", "lines": []})
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines[:5]) + "\n\n" + "\n".join(lines[5:]) + "\n")
    result = erp(company, "apply", "--batch-size", "3", str(path))
    assert result.exit_code == 1
    errors = [x for x in result.stderr.splitlines() if x.startswith("line ")]
    # the blank line between lines 5 and 6 shifts the numbers of the later lines by one
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 8", "line 11"]
    assert "not valid JSON" in errors[0]
    assert "9999" in errors[1]
    assert "applied 7 action(s), rejected 3" in result.stdout
    assert gl_count(company) == 14


def test_streamed_apply_keeps_the_json_error_messages(company: str, tmp_path: Path) -> None:
    before = head(company)
    path = tmp_path / "bad.jsonl"
    # NaN and a huge integer: orjson refuses both, the standard library decides as before
    path.write_text('{"action": "post_voucher", "date": NaN}\n{"a": 1e999999}\n[1]\n')
    result = erp(company, "apply", str(path))
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 1: ")
    assert errors[2] == 'line 3: each line must be a JSON object with an "action" key'
    assert head(company) == before
    assert gl_count(company) == 0


def test_all_or_nothing_stores_nothing_when_any_line_fails(company: str, tmp_path: Path) -> None:
    before = head(company)
    lines = [voucher(d, 1000 + d) for d in range(1, 8)]
    lines[5] = voucher(6, 5).replace('"4100"', '"1200"')  # a control account: refused
    path = tmp_path / "aon.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = erp(company, "apply", "--all-or-nothing", "--batch-size", "2", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("line 6: ")
    assert "nothing was stored" in result.stderr
    assert head(company) == before
    assert gl_count(company) == 0
    # and a good file stores every line in one go
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(voucher(d, 1000 + d) for d in range(1, 8)) + "\n")
    result = erp(company, "apply", "--all-or-nothing", str(good))
    assert result.exit_code == 0, result.output
    assert gl_count(company) == 14


def test_dry_run_sees_earlier_lines_and_stores_nothing(company: str, tmp_path: Path) -> None:
    before = head(company)
    path = tmp_path / "dry.jsonl"
    path.write_text("\n".join(voucher(d, 100) for d in range(1, 6)) + "\n")
    result = erp(company, "apply", "--dry-run", "--batch-size", "2", str(path))
    assert result.exit_code == 0, result.output
    assert "would apply 5 action(s), rejected 0" in result.stdout
    assert head(company) == before


def test_a_missing_file_is_reported_as_before(company: str, tmp_path: Path) -> None:
    result = erp(company, "apply", str(tmp_path / "absent.jsonl"))
    assert result.exit_code == 1
    assert "Could not open file" in result.output and "absent.jsonl" in result.output


def test_no_project_stores_only_and_a_worker_catches_up(company: str, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(voucher(d, 100 * d) for d in range(1, 21)) + "\n")
    result = erp(company, "apply", "--no-project", "--batch-size", "7", str(path))
    assert result.exit_code == 0, result.output
    status = json.loads(erp(company, "projections", "status", "--format", "json").stdout)
    assert {s["name"]: s["lag"] for s in status}["ledger"] > 0
    result = erp(company, "projections", "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "Worker stopped" in result.stdout
    status = json.loads(erp(company, "projections", "status", "--format", "json").stdout)
    assert all(s["lag"] == 0 for s in status), status
    with Erp.open(company, actor="t") as books:
        live = books.trial_balance()
        lines = len(books.general_ledger())
        books.rebuild()
        assert books.trial_balance() == live
        assert len(books.general_ledger()) == lines == 40


def test_general_ledger_limit_and_plain_text_for_large_tables(
    company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(voucher(d, 100 * d) for d in range(1, 11)) + "\n")
    assert erp(company, "apply", str(path)).exit_code == 0
    small = erp(company, "report", "general-ledger", "--limit", "3")
    assert small.exit_code == 0, small.output
    assert small.stdout.count("JV-2026-") == 3
    assert "┃" in small.stdout  # a rich table while small
    import erp_core.render as render

    monkeypatch.setattr(render, "PLAIN_ABOVE", 5)
    large = erp(company, "report", "general-ledger", "--from", "2026-01-02")
    assert large.exit_code == 0, large.output
    rows = [x for x in large.stdout.splitlines() if "JV-2026-" in x]
    assert len(rows) == 18
    assert "┃" not in large.stdout and "│" not in large.stdout
    header = large.stdout.splitlines()[1].split()
    assert header[:4] == ["Pos", "Document", "Date", "Account"]
    first = rows[0].split()
    assert first[1:5] == ["JV-2026-000002", "2026-01-02", "1120", "EUR"]
    assert first[5] == "2.00"
    bad = erp(company, "report", "general-ledger", "--limit", "0")
    assert bad.exit_code == 2
