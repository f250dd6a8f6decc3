"""Employees taken over through hr's hire_employee; personal data never echoed in reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from erp_core.projections.hr import employees_as_of
from test_imports_cli import log_position, report_rows, run, write_template

from erp_core.api import Erp


def _departments(erp: Erp) -> None:
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    erp.add_dimension_value(dimension="department", code="OPS", name="Operations")


def test_employees_are_hired_with_their_personal_data_marked(erp: Erp, tmp_path: Path) -> None:
    _departments(erp)
    data, spec = write_template(tmp_path, "employees")
    result = run(erp, "employees", str(data), "--mapping", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = report_rows(result)
    applied = [
        (r["row"], r["external_id"], r["document"]) for r in rows if r["status"] == "applied"
    ]
    assert applied == [("2", "P-0042", "EMP-000001"), ("3", "P-0057", "EMP-000002")]
    people = erp.query(employees_as_of, dt.date(2026, 1, 1))
    assert [
        (p.employee, p.name, p.joining_date, p.department, p.position, p.grade) for p in people
    ] == [
        ("EMP-000001", "Ada Lovelace", dt.date(2019, 3, 1), "ENG", "Engineer", "G3"),
        ("EMP-000002", "Grace Hopper", dt.date(2021, 9, 15), "OPS", "Planner", "G2"),
    ]
    ada, grace = people
    assert (ada.birth_date, ada.national_id, ada.bank_account) == (
        "1985-12-10",
        "AB-123456",
        "DE89 3704 0044 0532 0130 00",
    )
    assert (grace.birth_date, grace.national_id, grace.bank_account) == (None, None, None)
    redacted = erp.query(employees_as_of, dt.date(2026, 1, 1), True)[0]
    assert redacted.national_id == "***"
    # the report never shows a personal value, not even what cleansing changed
    for value in ("ab-123456", "AB-123456", "10.12.1985", "DE89"):
        assert value not in result.output
    # a re-run hires nobody twice
    position = log_position(erp)
    again = run(erp, "employees", str(data), "--mapping", str(spec), "--format", "csv")
    assert again.exit_code == 0
    statuses = {r["status"] for r in report_rows(again) if r["status"] != "cleansed"}
    assert statuses == {"skipped"}
    assert log_position(erp) == position
    assert len(erp.query(employees_as_of, dt.date(2026, 1, 1))) == 2
    # the same person under another personnel number is flagged against the stored employee
    header = data.read_text(encoding="utf-8").splitlines()[0]
    data.write_text(f"{header}\nP-0099,Ada Lovelace,01.03.2019,ENG,Engineer,G3,,,\n")
    dry = run(erp, "employees", str(data), "--mapping", str(spec), "--format", "csv", "--dry-run")
    flagged = [r for r in report_rows(dry) if r["status"] == "near-duplicate"]
    assert len(flagged) == 1 and "EMP-000001" in flagged[0]["message"], flagged
    assert log_position(erp) == position


def test_bad_employee_rows_are_named_without_their_personal_values(
    erp: Erp, tmp_path: Path
) -> None:
    _departments(erp)
    data, spec = write_template(tmp_path, "employees")
    text = data.read_text(encoding="utf-8")
    bad = (
        text.replace("10.12.1985", "31.02.1985").replace(  # no such day
            "OPS,Planner", "HR,Planner"
        )  # no such department
        + "P-0060,Alan Turing,01.02.2020,ENG,Analyst,G1,01.02.2020,,\n"  # born on joining day
    )
    data.write_text(bad, encoding="utf-8")
    position = log_position(erp)
    result = run(
        erp, "employees", str(data), "--mapping", str(spec), "--format", "csv", "--all-or-nothing"
    )
    assert result.exit_code == 1
    refused = [
        (r["row"], r["column"], r["message"])
        for r in report_rows(result)
        if r["status"] == "refused" and r["row"]
    ]
    assert ("3", "Dept", "'HR' is not a known department") in refused
    born = [message for row, column, message in refused if (row, column) == ("2", "Born")]
    assert len(born) == 1 and "31.02.1985" not in born[0] and born[0].endswith("(personal data)")
    assert "31.02.1985" not in result.output
    assert log_position(erp) == position
    # the two bad rows fixed: the third is refused by hr (born on the day they joined)
    data.write_text(text + "P-0060,Alan Turing,01.02.2020,ENG,Analyst,G1,01.02.2020,,\n")
    result = run(
        erp, "employees", str(data), "--mapping", str(spec), "--format", "csv", "--all-or-nothing"
    )
    assert result.exit_code == 1
    (turing,) = [r for r in report_rows(result) if r["row"] == "4" and r["status"] == "refused"]
    assert (turing["column"], turing["message"]) == (
        "Born",
        "is not before the joining date (personal data)",
    )
    assert log_position(erp) == position
    assert erp.query(employees_as_of, dt.date(2026, 1, 1)) == []
