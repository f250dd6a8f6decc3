"""Journal lines (vouchers grouped by reference) and bank statements: figures, re-runs, refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from conftest import trial_balance_by_account
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp

D = Decimal


def _run(
    erp: Erp, kind: str, data: Path, spec: Path, *extra: str
) -> tuple[int, list[dict[str, str]]]:
    result = run(erp, kind, str(data), "--mapping", str(spec), "--format", "csv", *extra)
    return result.exit_code, report_rows(result)


def _refused(rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(r["row"], r["column"], r["message"]) for r in rows if r["status"] == "refused"]


def test_journal_lines_become_one_balanced_voucher_per_reference(erp: Erp, tmp_path: Path) -> None:
    # J-1001: rent 1,500.00 from the bank; J-1002: fees 40.00 and 60.00 paid from cash
    data, spec = write_template(tmp_path, "journal_lines")
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 0, rows
    applied = [
        (r["row"], r["external_id"], r["document"]) for r in rows if r["status"] == "applied"
    ]
    assert [a[1] for a in applied] == ["J-1001"] * 2 + ["J-1002"] * 3
    assert len({a[2] for a in applied}) == 2  # two vouchers, each row names its own
    tb = trial_balance_by_account(erp)
    assert (tb["6200"], tb["6600"], tb["1120"], tb["1110"]) == (
        D("1560.00"),
        D("40.00"),
        D("-1500.00"),
        D("-100.00"),
    )
    assert sum(tb.values()) == 0
    position = log_position(erp)
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 0 and {r["status"] for r in rows} == {"skipped"}
    assert log_position(erp) == position
    # a changed voucher is a conflict, not a second voucher
    text = (
        data.read_text(encoding="utf-8")
        .replace('"60,00"', '"70,00"')
        .replace('"100,00"', '"110,00"')
    )
    data.write_text(text, encoding="utf-8")
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 1
    assert [r["status"] for r in rows] == ["skipped"] * 2 + ["conflict", "refused", "refused"]
    assert log_position(erp) == position


def test_an_unbalanced_voucher_stops_the_file(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "journal_lines")
    text = data.read_text(encoding="utf-8").replace('"60,00"', '"60,01"')
    data.write_text(text, encoding="utf-8")
    position = log_position(erp)
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 1
    assert (
        "",
        "",
        "the voucher (voucher 'J-1002') does not balance: debits 100.01, credits 100.00, "
        "debits exceed by 0.01",
    ) in _refused(rows)
    assert not [r for r in rows if r["status"] == "applied"]
    assert log_position(erp) == position


def test_a_bad_line_refuses_its_whole_voucher_only(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "journal_lines")
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("07.01.2026,6200", "07.01.2026,9999"), encoding="utf-8")
    position = log_position(erp)
    code, rows = _run(erp, "journal_lines", data, spec, "--all-or-nothing")
    assert code == 1
    refused = _refused(rows)
    assert ("5", "Account", "'9999' is not a known posting account") in refused
    assert ("4", "", "not stored: voucher 'J-1002' is refused at row 5") in refused
    assert log_position(erp) == position  # all or nothing: J-1001 is not stored either
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 1
    assert [r["status"] for r in rows] == ["applied"] * 2 + ["refused"] * 3
    tb = trial_balance_by_account(erp)
    assert (tb["6200"], tb["1120"], tb.get("6600", D(0))) == (D("1500.00"), D("-1500.00"), D(0))


def test_journal_lines_refuse_control_accounts_and_two_dates(erp: Erp, tmp_path: Path) -> None:
    data, spec = write_template(tmp_path, "journal_lines")
    text = data.read_text(encoding="utf-8")
    text = text.replace("05.01.2026,1120", "06.01.2026,1120").replace(
        "07.01.2026,1110", "07.01.2026,1200"
    )
    data.write_text(text, encoding="utf-8")
    position = log_position(erp)
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 1
    refused = _refused(rows)
    assert ("2", "Date", "voucher 'J-1001' has one date, not 2026-01-05, 2026-01-06") in refused
    assert (
        "6",
        "Account",
        "'1200' is the receivables control account: only its sub-ledger posts to it "
        "(open items, receipts and payments, stock)",
    ) in refused
    assert log_position(erp) == position


def test_bank_statement_lines_post_against_mapped_counter_accounts(
    erp: Erp, tmp_path: Path
) -> None:
    # +10,000.00 capital, -1,500.00 rent, -12.50 fees, +3.20 interest (code "int" upper-cased)
    data, spec = write_template(tmp_path, "bank_statement")
    code, rows = _run(erp, "bank_statement", data, spec)
    assert code == 0, rows
    assert [r["status"] for r in rows] == ["applied"] * 4
    tb = trial_balance_by_account(erp)
    assert (tb["1120"], tb["3100"], tb["6200"], tb["6600"], tb["4900"]) == (
        D("8490.70"),
        D("-10000.00"),
        D("1500.00"),
        D("12.50"),
        D("-3.20"),
    )
    position = log_position(erp)
    code, rows = _run(erp, "bank_statement", data, spec)
    assert code == 0 and {r["status"] for r in rows} == {"skipped"}
    assert log_position(erp) == position


def test_bank_statement_refuses_unmapped_codes_zero_and_control_accounts(
    erp: Erp, tmp_path: Path
) -> None:
    data, spec = write_template(tmp_path, "bank_statement")
    text = data.read_text(encoding="utf-8")
    text = text.replace(",FEE,", ",XYZ,").replace('"3,20"', '"0,00"')
    text += 'ST-26-005,31.01.2026,"5,00",BANK,,Transfer\n'
    data.write_text(text, encoding="utf-8")
    mapping = spec.read_text(encoding="utf-8").replace(
        'CAP = "3100"', 'CAP = "1200", BANK = "1120"'
    )
    spec.write_text(mapping, encoding="utf-8")
    position = log_position(erp)
    code, rows = _run(erp, "bank_statement", data, spec, "--all-or-nothing")
    assert code == 1
    refused = _refused(rows)
    assert any(r[:2] == ("4", "Code") and "'XYZ' is not in the code map" in r[2] for r in refused)
    assert ("5", "Amount", "is zero: nothing to post") in refused
    assert (
        "6",
        "Code",
        "'1120' is the bank account itself; the counter account must differ",
    ) in refused
    assert (
        "2",
        "Code",
        "'1200' is the receivables control account: only its sub-ledger posts to it "
        "(open items, receipts and payments, stock)",
    ) in refused
    assert log_position(erp) == position
    # without all-or-nothing the good line (rent) is stored alone
    code, rows = _run(erp, "bank_statement", data, spec)
    assert code == 1
    assert [r["status"] for r in rows if r["row"] == "3"] == ["applied"]
    assert trial_balance_by_account(erp)["1120"] == D("-1500.00")


def test_journal_lines_carry_cost_centres_and_signed_amounts(erp: Erp, tmp_path: Path) -> None:
    erp.add_dimension_value(dimension="cost_centre", code="CC-OPS", name="Operations")
    data, spec = tmp_path / "lines.csv", tmp_path / "lines.toml"
    spec.write_text(
        """\
[kinds.journal_lines]
external_id = ["Voucher", "Line"]
delimiter = ";"

[kinds.journal_lines.fields.voucher]
column = "Voucher"
required = true

[kinds.journal_lines.fields.date]
column = "Date"
required = true

[kinds.journal_lines.fields.account]
column = "Account"
required = true

[kinds.journal_lines.fields.amount]
column = "Amount"
transform = [{ number = { decimal = "," } }]

[kinds.journal_lines.fields.cost_centre]
column = "CC"
transform = ["trim", "upper"]
""",
        encoding="utf-8",
    )
    data.write_text(
        "Voucher;Line;Date;Account;Amount;CC\n"
        "V1;1;2026-02-03;6300;250,40;cc-ops\n"
        "V1;2;2026-02-03;1120;(250,40);\n"
        "V2;1;2026-02-04;6300;10,00;CC-XX\n"
        "V2;2;2026-02-04;1120;-10,00;\n",
        encoding="utf-8",
    )
    code, rows = _run(erp, "journal_lines", data, spec)
    assert code == 1
    assert [(r["row"], r["status"]) for r in rows] == [
        ("2", "applied"),
        ("3", "applied"),
        ("4", "refused"),
        ("5", "refused"),
    ]
    assert _refused(rows) == [
        ("4", "CC", "'CC-XX' is not a known cost centre"),
        ("5", "", "not stored: voucher 'V2' is refused at row 4"),
    ]
    tb = trial_balance_by_account(erp)
    assert (tb["6300"], tb["1120"]) == (D("250.40"), D("-250.40"))
    ((expense,),) = [[(line.base, line.cost_centre)] for line in erp.general_ledger("6300")]
    assert expense == (D("250.40"), "CC-OPS")


def test_every_kind_is_offered_with_a_template_on_the_command_line(erp: Erp) -> None:
    import tomllib

    from erp_core.imports.cli import KIND_NAMES
    from erp_core.imports.kinds import KINDS

    assert set(KIND_NAMES) == set(KINDS)
    for kind in ("fixed-assets", "employees", "journal-lines", "bank-statement"):
        result = run(erp, kind, "--template")
        assert result.exit_code == 0, result.output
        sample, mapping = result.output.split("\n# mapping (TOML)\n")
        name = kind.replace("-", "_")
        assert sample.splitlines()[1] == ",".join(KINDS[name].sample_header)
        assert set(tomllib.loads(mapping)["kinds"][name]["fields"]) <= set(KINDS[name].fields)
