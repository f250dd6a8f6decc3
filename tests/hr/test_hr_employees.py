"""Employees through real actions: gapless numbers, effective-dated changes (back-dated too),
leaving, leave, personal data marked and redacted, failure paths that store nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from erp_core.projections.hr import REDACTED, employees_as_of

from erp_core.api import Erp
from erp_core.kernel.errors import NotFound, ValidationError


@pytest.fixture
def books(erp: Erp) -> Erp:
    erp.add_dimension_value(dimension="cost_centre", code="HQ", name="Head office")
    erp.add_dimension_value(dimension="cost_centre", code="OPS", name="Operations")
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    erp.add_dimension_value(dimension="department", code="SALES", name="Sales")
    return erp


def as_of(erp: Erp, day: str, redact: bool = False, include_left: bool = False) -> dict[str, dict]:
    rows = erp.query(employees_as_of, dt.date.fromisoformat(day), redact, include_left)
    return {r.employee: r.model_dump() for r in rows}


def test_hires_are_numbered_without_gaps_even_after_a_refusal(books: Erp) -> None:
    first = books.hire_employee(name="Ada", joining_date="2026-01-01").documents
    with pytest.raises(ValidationError):
        books.hire_employee(name="Bad", joining_date="2026-01-01", cost_centre="NOPE")
    second = books.hire_employee(name="Bob", joining_date="2026-01-05").documents
    assert first + second == ["EMP-000001", "EMP-000002"]


def test_changes_are_effective_dated_and_back_dated_changes_land_in_place(books: Erp) -> None:
    emp = books.hire_employee(
        name="Ada", joining_date="2026-01-01", department="ENG", cost_centre="HQ", grade="G1"
    ).documents[0]
    books.change_employee_record(employee=emp, effective="2026-04-01", department="SALES")
    # recorded later, effective earlier: a promotion from March
    books.change_employee_record(employee=emp, effective="2026-03-01", grade="G2")
    assert as_of(books, "2026-02-15")[emp]["grade"] == "G1"
    march = as_of(books, "2026-03-15")[emp]
    assert (march["grade"], march["department"]) == ("G2", "ENG")
    april = as_of(books, "2026-04-01")[emp]
    assert (april["grade"], april["department"]) == ("G2", "SALES")
    assert as_of(books, "2025-12-31") == {}


def test_leaving_removes_the_employee_after_the_last_day(books: Erp) -> None:
    emp = books.hire_employee(name="Ada", joining_date="2026-01-01").documents[0]
    books.record_leaving(employee=emp, leaving_date="2026-06-30", reason="resigned")
    assert emp in as_of(books, "2026-06-30")
    assert emp not in as_of(books, "2026-07-01")
    assert as_of(books, "2026-07-01", include_left=True)[emp]["leaving_date"] == dt.date(
        2026, 6, 30
    )
    with pytest.raises(ValidationError, match="has left already"):
        books.record_leaving(employee=emp, leaving_date="2026-07-31", reason="again")


def test_personal_data_is_shown_marked_and_masked_on_redact(books: Erp) -> None:
    emp = books.hire_employee(
        name="Ada", joining_date="2026-01-01", birth_date="1990-05-01", national_id="AB-123"
    ).documents[0]
    books.record_personal_data(employee=emp, bank_account="DE89 3704 0044 0532 0130 00")
    plain = as_of(books, "2026-02-01")[emp]
    assert (plain["birth_date"], plain["national_id"]) == ("1990-05-01", "AB-123")
    assert plain["bank_account"].startswith("DE89")
    masked = as_of(books, "2026-02-01", redact=True)[emp]
    assert {masked[f] for f in ("birth_date", "national_id", "bank_account")} == {REDACTED}
    assert masked["name"] == "Ada"


def test_bad_input_is_refused_and_nothing_is_stored(books: Erp) -> None:
    emp = books.hire_employee(name="Ada", joining_date="2026-02-01").documents[0]
    before = as_of(books, "2026-12-31", include_left=True)
    with pytest.raises(ValidationError, match="before EMP-000001 joined"):
        books.change_employee_record(employee=emp, effective="2026-01-01", grade="G9")
    with pytest.raises(ValidationError, match="cannot be their own manager"):
        books.change_employee_record(employee=emp, effective="2026-03-01", manager=emp)
    with pytest.raises(NotFound):
        books.change_employee_record(employee=emp, effective="2026-03-01", manager="EMP-000404")
    with pytest.raises(ValidationError, match="department"):
        books.change_employee_record(employee=emp, effective="2026-03-01", department="NOPE")
    with pytest.raises(ValidationError, match="at least one field"):
        books.change_employee_record(employee=emp, effective="2026-03-01")
    with pytest.raises(NotFound):
        books.record_leaving(employee="EMP-000404", leaving_date="2026-03-01", reason="x")
    with pytest.raises(ValidationError, match="not employed"):
        books.record_leave(
            employee=emp, date_from="2026-01-30", date_to="2026-02-02", leave_type="SICK"
        )
    books.record_leave(employee=emp, date_from="2026-02-02", date_to="2026-02-03", leave_type="X")
    with pytest.raises(ValidationError, match="leave recorded"):
        books.record_leave(
            employee=emp, date_from="2026-02-03", date_to="2026-02-04", leave_type="X"
        )
    assert as_of(books, "2026-12-31", include_left=True) == before


def test_a_manager_must_be_employed(books: Erp) -> None:
    boss = books.hire_employee(name="Boss", joining_date="2026-01-01").documents[0]
    books.record_leaving(employee=boss, leaving_date="2026-03-31", reason="retired")
    emp = books.hire_employee(name="Ada", joining_date="2026-02-01", manager=boss).documents[0]
    with pytest.raises(ValidationError, match="not employed on 2026-04-01"):
        books.change_employee_record(employee=emp, effective="2026-04-01", manager=boss)
    assert as_of(books, "2026-02-01")[emp]["manager"] == boss


def test_the_audit_trail_marks_personal_data_and_redact_masks_it(erp: Erp) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    emp = erp.hire_employee(name="Ada", joining_date="2026-01-01", national_id="AB-123",
                            bank_account="DE89 3704").documents[0]  # fmt: skip
    db = ["--db", f"sqlite:///{erp.url.path}"]
    plain = CliRunner().invoke(cli, [*db, "audit", "trail", f"employee:{emp}", "--format", "json"])
    assert plain.exit_code == 0 and "AB-123" in plain.output
    masked = CliRunner().invoke(
        cli, [*db, "audit", "trail", f"employee:{emp}", "--format", "json", "--redact"]
    )
    assert masked.exit_code == 0, masked.output
    assert "AB-123" not in masked.output and "DE89" not in masked.output
    assert '"national_id": "***"' in masked.output and '"name": "Ada"' in masked.output
    table = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, [*db, "audit", "trail", f"employee:{emp}", "--redact"]
    )
    assert "PersonalDataRecorded *" in table.output and "AB-123" not in table.output
