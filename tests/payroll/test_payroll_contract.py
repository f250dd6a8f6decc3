"""The payroll flow on SQLite and PostgreSQL, and the command line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner
from erp_core.projections.hr import employees_as_of
from erp_core.projections.payroll import payroll_summary, payslips, salaries_payable_check
from test_payroll_run import hire, setup_payroll

from erp_core.api import Erp
from erp_core.cli import cli


def test_run_pay_reverse_and_rebuild_on_both_databases(any_erp: Erp) -> None:
    erp = any_erp
    setup_payroll(erp)
    ada = hire(erp)
    bob = hire(erp, "3000", joining="2026-03-16", name="Bob", national_id="X-1")
    erp.record_leave(employee=ada, date_from="2026-03-02", date_to="2026-03-02", leave_type="U")
    erp.run_payroll(month="2026-03")
    erp.pay_salaries(month="2026-03", date="2026-03-31", bank_account="1120",
                     allocations=[{"invoice": f"2026-03/{ada}", "amount": "100.00"}])  # fmt: skip
    erp.run_payroll(month="2026-04")
    erp.reverse_payroll_run(month="2026-04", date="2026-04-30", reason="redo")
    erp.run_payroll(month="2026-04")
    slips = {s.employee: s for s in erp.query(payslips, "2026-03")}
    assert slips[ada].payment_days == 30 and slips[bob].payment_days == 16
    assert slips[ada].paid == D("100.00")
    assert erp.query(salaries_payable_check).ok
    assert [r.reversed_by is not None for r in erp.query(payroll_summary)] == [False, True, False]
    redacted = erp.query(employees_as_of, dt.date(2026, 4, 1), True)
    assert [r.national_id for r in redacted] == [None, "***"]
    before = (
        erp.query(payslips, "2026-04", None, True),
        erp.query(payroll_summary),
        erp.query(salaries_payable_check),
        erp.query(employees_as_of, dt.date(2026, 4, 1)),
    )
    erp.rebuild()
    after = (
        erp.query(payslips, "2026-04", None, True),
        erp.query(payroll_summary),
        erp.query(salaries_payable_check),
        erp.query(employees_as_of, dt.date(2026, 4, 1)),
    )
    assert after == before


def test_leave_groups_remittances_and_reports_on_both_databases(any_erp: Erp) -> None:
    from erp_core.projections.hr import attendance_summary, leave_balances, leave_requests
    from erp_core.projections.payroll import (
        payroll_cost,
        payroll_liabilities_report,
        payroll_register,
        year_to_date,
    )

    erp = any_erp
    setup_payroll(erp)
    erp.define_pay_group(code="EXEC", name="Executives")
    erp.define_leave_type(code="annual", name="Annual", accrual_per_month="2")
    ada = hire(erp, department="ENG")
    hire(erp, "3000", name="Bob", pay_group="EXEC")
    r = erp.request_leave(employee=ada, leave_type="annual", date_from="2026-03-02",
                          date_to="2026-03-03").documents[0]  # fmt: skip
    erp.approve_leave(employee=ada, request=r)
    erp.record_attendance(employee=ada, days=[{"day": "2026-03-04", "status": "absent"}])
    run = erp.run_payroll(month="2026-03").documents[0]
    erp.run_payroll(month="2026-03", pay_group="EXEC")
    erp.remit_payroll_liabilities(month="2026-03", date="2026-04-10", bank_account="1120",
                                  authority="Tax office", lines=[{"account": "2420"}])  # fmt: skip
    # Ada: one absence of 31 days -> 30/31 of 4,000.00 = 3,870.97 basic
    (slip,) = [s for s in erp.query(payslips, "2026-03") if s.employee == ada]
    assert slip.payment_days == 30 and slip.lines[-1].code == "income_tax"
    assert [c.message for c in erp.check() if not c.ok] == []

    def reports() -> object:
        return (
            erp.query(leave_balances, dt.date(2026, 3, 31), None),
            erp.query(leave_requests),
            erp.query(attendance_summary, "2026-03"),
            erp.query(payroll_register, run),
            erp.query(payroll_cost, "2026-03", "2026-03", "department"),
            erp.query(year_to_date, 2026, None, None),
            erp.query(payroll_liabilities_report, 2026),
        )

    before = reports()
    assert before[3][0].lines["basic"] == D("3870.97")  # type: ignore[index]
    erp.rebuild()
    assert reports() == before


def test_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    erp = Erp.open(url, actor="tester")
    erp.init("Cli Co", "EUR", dt.date(2026, 1, 1))
    setup_payroll(erp)
    hire(erp, national_id="SECRET-ID")
    erp.close()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["--db", url, "--actor", "tester", *args])
        return result.exit_code, result.output

    code, out = run("payroll", "run", "2026-03", "--dry-run")
    assert code == 0 and "nothing stored" in out and "3,904.00" in out
    code, out = run("report", "payslips", "2026-03", "--format", "json")
    assert code == 0 and out.strip() == "[]"
    code, out = run("payroll", "run", "2026-03")
    assert code == 0 and "PR-2026-000001" in out
    code, out = run("payroll", "run", "2026-03")
    assert code == 2 and "already posted" in out
    code, out = run("report", "payslips", "2026-03", "--employee", "EMP-000001")
    assert code == 0 and "income_tax" in out and "3,904.00" in out
    code, out = run("report", "employees", "--as-of", "2026-03-31", "--format", "csv")
    assert code == 0 and "SECRET-ID" in out
    code, out = run("report", "employees", "--as-of", "2026-03-31", "--redact", "--format", "csv")
    assert code == 0 and "SECRET-ID" not in out and "***" in out
    code, out = run("payroll", "pay", "2026-03", "--date", "2026-03-31", "--bank-account", "1120")
    assert code == 0 and "SP-2026-000001" in out
    code, out = run("payroll", "check")
    assert code == 0 and "OK" in out
    code, out = run("report", "payroll-summary", "--format", "csv")
    assert code == 0 and "PR-2026-000001,2026-03" in out
    code, out = run("do", "run_payroll", "month=2026-13")
    assert code == 2
