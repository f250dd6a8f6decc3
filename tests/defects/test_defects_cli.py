"""Defects of issue 10 on the command line: `erp do`, `erp apply` files, reports."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from erp_core.cli import cli
from erp_core.cli_base import parse_date, parse_period


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.sqlite"


def erp(db: str, *args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--actor", "clerk", *args], input=input)


@pytest.fixture
def company(db: str) -> str:
    result = erp(
        db, "init", "--company", "Acme Ltd", "--currency", "EUR", "--year-start", "2026-01-01"
    )
    assert result.exit_code == 0, result.output
    return db


def gl_lines(db: str) -> list[object]:
    result = erp(db, "report", "general-ledger", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_defects_do_refuses_repeated_fields(company: str) -> None:
    result = erp(company, "do", "add_dimension_value", "dimension=project", "code=W5",
                 "code=W6", "name=Site")  # fmt: skip
    assert result.exit_code == 2
    assert "code" in result.output and "more than once" in result.output


def test_defects_do_refuses_json_fractions_as_apply_does(company: str) -> None:
    lines = '[{"account": "6200", "debit": 10.5}, {"account": "1120", "credit": 10.5}]'
    done = erp(company, "do", "post_voucher", "date=2026-03-05", f"lines={lines}")
    assert done.exit_code != 0 and "float" in done.output
    applied = erp(
        company,
        "apply",
        "-",
        input=json.dumps(
            {"action": "post_voucher", "date": "2026-03-05", "lines": json.loads(lines)}
        ),
    )
    assert applied.exit_code != 0 and "float" in applied.output
    assert gl_lines(company) == []


def test_defects_do_refuses_unix_timestamps(company: str) -> None:
    lines = '[{"account": "6200", "debit": "10"}, {"account": "1120", "credit": "10"}]'
    for date in ("1772668800", "20260305"):
        result = erp(company, "do", "post_voucher", f"date={date}", f"lines={lines}")
        assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    assert gl_lines(company) == []


def test_defects_empty_actor_on_the_command_line(company: str) -> None:
    result = CliRunner().invoke(cli, ["--db", company, "--actor", "", "report", "trial-balance"])
    assert result.exit_code != 0 and "actor" in result.output


@pytest.mark.parametrize(
    "content",
    [
        b'{"action": "open_fiscal_year", "year": 2027}\n\xff\xfe\x00bad\n',
        '{"action": "open_fiscal_year", "year": 2027}\n{"memo": "é"}\n'.encode("latin-1"),
        '{"action": "open_fiscal_year", "year": 2027}\n'.encode("utf-16"),
    ],
)
def test_defects_apply_reports_bad_encoding_by_line(
    company: str, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    result = erp(company, "apply", str(path))
    assert result.exit_code == 1, result.output
    assert "not valid UTF-8" in result.output and "line " in result.output
    assert "unexpected" not in result.output


def test_defects_apply_reports_deep_nesting_by_line(company: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(
        '{"action": "open_fiscal_year", "year": 2027}\n' + "[" * 100_000 + "]" * 100_000 + "\n"
    )
    result = erp(company, "apply", str(path))
    assert result.exit_code == 1, result.output
    assert "line 2: nested too deeply" in result.output


def test_defects_apply_accepts_a_utf8_bom(company: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"action": "open_fiscal_year", "year": 2027}\n')
    result = erp(company, "apply", str(path))
    assert result.exit_code == 0, result.output
    assert "applied 1 action" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["customer-ledger", "NOPE"], "unknown customer 'NOPE'"),
        (["supplier-ledger", "NOPE"], "unknown supplier 'NOPE'"),
        (["general-ledger", "--account", "9999"], "unknown account '9999'"),
        (["stock-ledger", "--item", "NOPE"], "unknown item 'NOPE'"),
        (["forecast", "NOPE"], "unknown item 'NOPE'"),
    ],
)
def test_defects_reports_refuse_unknown_codes(company: str, args: list[str], message: str) -> None:
    result = erp(company, "report", *args)
    assert result.exit_code != 0, result.output
    assert message in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["report", "trial-balance"],
        ["audit", "verify"],
        ["projections", "status"],
        ["report", "general-ledger"],
        ["apply", "-"],
    ],
)
def test_defects_read_commands_need_a_database(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "missing.sqlite"
    result = erp(f"sqlite:///{path}", *args, input="")
    assert result.exit_code != 0, result.output
    assert "no database" in result.output
    assert list(tmp_path.iterdir()) == []


def test_defects_refused_init_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "books.sqlite"
    result = erp(f"sqlite:///{path}", "init", "--company", "X", "--currency", "XXX",
                 "--year-start", "2026-01-01")  # fmt: skip
    assert result.exit_code != 0
    assert list(tmp_path.iterdir()) == []
    bad_dir = erp(f"sqlite:///{tmp_path}/no/such/dir/b.sqlite", "report", "trial-balance")
    assert bad_dir.exit_code != 0 and "unexpected" not in bad_dir.output
    assert list(tmp_path.iterdir()) == []


def test_defects_demo_prints_every_aging_column(db: str) -> None:
    result = erp(db, "demo")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "days 61 90" in out
    assert "unallocated payments" in out and "unallocated credits" in out


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["report", "general-ledger", "--format", "csv"], "position,document,line_no"),
        (["report", "trial-balance", "--format", "csv"], "account,name,currency,debit"),
        (["export", "gl"], "position,document,line_no"),
        (["report", "balance-sheet", "--as-of", "2026-12-31", "--format", "csv"], "section,"),
        (["check", "--format", "csv"], "name,ok,expected,actual,message"),
    ],
)
def test_defects_empty_csv_has_a_header(company: str, args: list[str], header: str) -> None:
    result = erp(company, *args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(header), result.output


def test_defects_csv_booleans_are_lowercase(company: str) -> None:
    lines = '[{"account": "1120", "debit": "10"}, {"account": "3100", "credit": "10"}]'
    assert erp(company, "do", "post_voucher", "date=2026-03-05", f"lines={lines}").exit_code == 0
    sheet = erp(company, "report", "balance-sheet", "--as-of", "2026-12-31", "--format", "csv")
    assert ",true," in sheet.output and ",True," not in sheet.output
    check = erp(company, "check", "--format", "csv")
    assert ",true," in check.output and "True" not in check.output
    check_json = erp(company, "check", "--format", "json")
    assert json.loads(check_json.output)[0]["ok"] is True


def test_defects_dash_means_stdout(
    company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = '[{"account": "1120", "debit": "10"}, {"account": "3100", "credit": "10"}]'
    assert erp(company, "do", "post_voucher", "date=2026-03-05", f"lines={lines}").exit_code == 0
    bean = erp(company, "export", "beancount", "-")
    assert bean.exit_code == 0, bean.output
    assert "open Assets:" in bean.stdout and "* " in bean.stdout
    assert not (tmp_path / "-").exists()
    assert "Wrote 1 transaction" in bean.stderr
    gl = erp(company, "export", "gl", "-")
    assert gl.exit_code == 0 and gl.stdout.startswith("position,")
    gl_file = erp(company, "export", "gl", str(tmp_path / "gl.csv"))
    assert gl_file.exit_code == 0 and (tmp_path / "gl.csv").read_text().startswith("position,")
    digest = erp(company, "audit", "digest", "--out", "-")
    assert digest.exit_code == 0 and json.loads(digest.stdout)["position"] > 0
    assert not (tmp_path / "-").exists()


def _post(db: str, date: str, amount: str) -> None:
    lines = (
        f'[{{"account": "1120", "debit": "{amount}"}}, {{"account": "4100", "credit": "{amount}"}}]'
    )
    assert erp(db, "do", "post_voucher", f"date={date}", f"lines={lines}").exit_code == 0


@pytest.mark.parametrize(
    ("period", "expected"),
    [("2026-03", "10.00"), ("2026Q1", "30.00"), ("2026q2", "100.00"), ("2026", "130.00")],
)
def test_defects_reports_take_periods(company: str, period: str, expected: str) -> None:
    _post(company, "2026-01-15", "20.00")
    _post(company, "2026-03-31", "10.00")
    _post(company, "2026-04-01", "100.00")
    inc = erp(company, "report", "income-statement", "--period", period, "--format", "json")
    assert inc.exit_code == 0, inc.output
    assert json.loads(inc.output)["net_profit"] == expected
    gl = erp(company, "report", "general-ledger", "--period", period, "--format", "json")
    assert sum(1 for x in json.loads(gl.output)) == {"10.00": 2, "30.00": 4, "100.00": 2,
                                                      "130.00": 6}[expected]  # fmt: skip


def test_defects_period_as_of_is_the_last_day(company: str) -> None:
    _post(company, "2026-03-31", "10.00")
    _post(company, "2026-04-01", "100.00")
    tb = erp(company, "report", "trial-balance", "--period", "2026-03", "--format", "json")
    assert json.loads(tb.output)["as_of"] == "2026-03-31"
    assert json.loads(tb.output)["total_debit"] == "10.00"
    both = erp(company, "report", "trial-balance", "--period", "2026-03", "--as-of", "2026-03-01")
    assert both.exit_code == 2 and "not both" in both.output
    bad = erp(company, "report", "margin", "--period", "2026-13")
    assert bad.exit_code == 2 and "is not a period" in bad.output


@pytest.mark.parametrize("date", ["20260305", "1772668800", "2026-W10-4"])
def test_defects_report_dates_are_iso_only(company: str, date: str) -> None:
    result = erp(company, "report", "trial-balance", "--as-of", date)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def _report_commands() -> dict[str, click.Command]:
    """Every `erp report` subcommand, as the command line lists them."""
    from erp_core.cli import report

    ctx = click.Context(report)
    found = {name: report.get_command(ctx, name) for name in report.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def _date_options(command: click.Command) -> dict[str, click.Option]:
    """A report's date options (`--from`, `--to`, `--as-of`, `--since`, ...) by their flag."""
    return {
        p.opts[0]: p
        for p in command.params
        if isinstance(p, click.Option) and p.callback is parse_date
    }


DATED_REPORTS = sorted(name for name, c in _report_commands().items() if _date_options(c))
# What a report needs besides its dates, to run at all.
REPORT_EXTRA = {
    "process": ["--object-type", "journal_voucher", "--time", "effective"],
    "pack": ["--out", tempfile.mkdtemp(prefix="erp-pack-")],
}
# Date options a period stands for, where a report has others for other uses (the balance
# sheet's --from only starts its --by columns).
PERIOD_FLAGS = {"balance-sheet": ["--as-of"]}


def test_defects_every_dated_report_takes_a_period() -> None:
    """A report with a date option also takes --period (so a new report cannot forget it), and
    every `--as-of` says its date is inclusive."""
    assert {"trial-balance", "cash-flow", "kpi", "yield", "wip", "headcount"} <= set(DATED_REPORTS)
    commands = _report_commands()
    lacking = [n for n in DATED_REPORTS if not any(p.name == "period" for p in commands[n].params)]
    assert lacking == []
    for name in DATED_REPORTS:
        options = _date_options(commands[name])
        assert set(options) <= {"--from", "--to", "--as-of", "--since"}, name
        if "--as-of" in options:
            text = options["--as-of"].help or ""
            assert "inclusive" in text or "up to and including" in text, (name, text)


@pytest.mark.parametrize("name", DATED_REPORTS)
@pytest.mark.parametrize("period", ["2026-03", "2026Q1"])
def test_defects_period_equals_explicit_dates(company: str, name: str, period: str) -> None:
    _post(company, "2026-01-15", "20.00")
    _post(company, "2026-03-31", "10.00")
    _post(company, "2026-04-01", "100.00")
    command = _report_commands()[name]
    if name == "budget-variance":  # compares with a budget, which must exist
        erp(company, "do", "set_budget",
            'lines=[{"account": "6200", "month": "2026-03", "amount": "15.00"}]')  # fmt: skip
    first, last = parse_period(None, None, period)  # type: ignore[misc]
    explicit: list[str] = []
    for flag in PERIOD_FLAGS.get(name, _date_options(command)):
        day = first if flag in ("--from", "--since") else last
        explicit += [flag, day.isoformat()]
    formats = ["table"]
    fmt = next((p for p in command.params if p.name == "fmt_name"), None)
    if fmt is not None and "json" in getattr(fmt.type, "choices", ()):
        formats.append("json")
    extra = REPORT_EXTRA.get(name, [])
    for fmt_name in formats:
        tail = [*extra, *(["--format", fmt_name] if fmt is not None else [])]
        by_period = erp(company, "report", name, "--period", period, *tail)
        by_dates = erp(company, "report", name, *explicit, *tail)
        assert by_period.exit_code in (0, 1), by_period.output
        assert (by_period.exit_code, by_period.output) == (by_dates.exit_code, by_dates.output)
        both = erp(company, "report", name, "--period", period, *explicit, *tail)
        assert both.exit_code == 2 and "not both" in both.output


@pytest.mark.parametrize("name", ["cash-flow", "kpi", "asset-movements"])
def test_defects_period_or_dates_are_required(company: str, name: str) -> None:
    result = erp(company, "report", name)
    assert result.exit_code == 2 and "--from/--to or --period" in result.output
