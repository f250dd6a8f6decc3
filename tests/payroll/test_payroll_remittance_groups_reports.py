"""Remitting tax and contributions, pay groups, and the payroll register, cost and
year-to-date reports (every figure computed by hand from the issue's payslip)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from erp_core.projections.payroll import (
    liabilities_checks,
    payroll_cost,
    payroll_liabilities_report,
    payroll_register,
    payslips,
    year_to_date,
)
from test_payroll_run import ISSUE_COMPONENTS, hire, setup_payroll, voucher

from erp_core.api import Erp
from erp_core.kernel.errors import NotFound, ValidationError

WITH_EMPLOYER: list[dict[str, Any]] = [
    *ISSUE_COMPONENTS,
    {"code": "er_pension", "type": "employer_contribution", "formula": "basic * 0.06",
     "prorated": True, "payable_account": "2430", "expense_account": "6150"},
]  # fmt: skip


def remit(
    erp: Erp, month: str, *lines: dict[str, str], date: str = "2026-04-10", bank: str = "1120"
) -> list[str]:
    return erp.remit_payroll_liabilities(
        month=month, date=date, bank_account=bank, authority="Tax office", lines=list(lines)
    ).documents


def failing(erp: Erp) -> list[str]:
    return [r.message for r in erp.check() if not r.ok]


def test_remitting_tax_and_contributions_clears_the_liabilities(erp: Erp) -> None:
    setup_payroll(erp, WITH_EMPLOYER)
    hire(erp)
    erp.run_payroll(month="2026-03")
    # The issue's slip: tax 336.00 on 2420; pension 160.00 (employee) + 240.00 (employer, 6%)
    # on 2430.
    rows = erp.query(payroll_liabilities_report, 2026)
    assert [(r.account, r.owed, r.remitted, r.open) for r in rows] == [
        ("2420", D("336.00"), D(0), D("336.00")),
        ("2430", D("400.00"), D(0), D("400.00")),
    ]
    doc = erp.remit_payroll_liabilities(
        month="2026-03", date="2026-04-10", bank_account="1120", authority="Tax office",
        lines=[{"account": "2420", "amount": "300.00"}, {"account": "2430"}],
    ).documents[0]  # fmt: skip
    assert doc.startswith("PLR-2026-")
    assert sorted((a, amt) for a, _, _, amt in voucher(erp, doc)) == [
        ("1120", D("-700.00")),
        ("2420", D("300.00")),
        ("2430", D("400.00")),
    ]
    rows = erp.query(payroll_liabilities_report, 2026)
    assert [(r.account, r.remitted, r.open) for r in rows] == [
        ("2420", D("300.00"), D("36.00")),
        ("2430", D("400.00"), D(0)),
    ]
    assert [c.actual for c in erp.query(liabilities_checks)] == [D("36.00"), D(0)]
    assert failing(erp) == []
    # bad input: more than is open, an account the run owes nothing on; nothing stored
    with pytest.raises(ValidationError, match="100.00 exceeds the 36.00 open on 2420"):
        remit(erp, "2026-03", {"account": "2420", "amount": "100.00"})
    with pytest.raises(ValidationError, match="owes nothing on 2410"):
        remit(erp, "2026-03", {"account": "2410"})
    with pytest.raises(ValidationError, match="nothing of 2430 is open"):
        remit(erp, "2026-03", {"account": "2430"})
    with pytest.raises(NotFound, match="no payroll is posted for 2026-04"):
        remit(erp, "2026-04", {"account": "2420"})
    with pytest.raises(ValidationError, match="have been remitted; the run cannot be reversed"):
        erp.reverse_payroll_run(month="2026-03", date="2026-04-30", reason="wrong")
    assert [(r.account, r.open) for r in erp.query(payroll_liabilities_report, 2026)] == [
        ("2420", D("36.00")),
        ("2430", D(0)),
    ]


def test_a_manual_posting_to_a_tax_account_is_caught_by_erp_check(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    erp.run_payroll(month="2026-03")
    assert failing(erp) == []
    erp.post_voucher(date="2026-03-31", memo="stray", lines=[
        {"account": "2420", "debit": "10"}, {"account": "1120", "credit": "10"}])  # fmt: skip
    problems = failing(erp)
    assert len(problems) == 1 and "payroll liabilities (2420)" in problems[0]


def test_a_reversed_run_owes_nothing(erp: Erp) -> None:
    setup_payroll(erp, WITH_EMPLOYER)
    hire(erp)
    erp.run_payroll(month="2026-03")
    erp.reverse_payroll_run(month="2026-03", date="2026-03-31", reason="redo")
    assert erp.query(payroll_liabilities_report, 2026) == []
    assert failing(erp) == []


def test_pay_groups_have_their_own_runs_and_nobody_is_paid_twice(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_pay_group(code="EXEC", name="Executives")
    ada = hire(erp)
    bob = hire(erp, "3000", name="Bob", pay_group="EXEC")
    with pytest.raises(ValidationError, match="unknown pay group 'BOARD'"):
        hire(erp, name="Cy", pay_group="BOARD")
    default = erp.run_payroll(month="2026-03").documents[0]
    assert [s.employee for s in erp.query(payslips, "2026-03")] == [ada]
    execs = erp.run_payroll(month="2026-03", pay_group="EXEC").documents[0]
    assert [(s.run, s.employee) for s in erp.query(payslips, "2026-03")] == [
        (default, ada),
        (execs, bob),
    ]
    with pytest.raises(ValidationError, match="already posted"):
        erp.run_payroll(month="2026-03", pay_group="EXEC")
    # Ada moves to EXEC within March, after her March pay: the EXEC run of April takes her,
    # but re-running March for EXEC after a reversal would pay her twice, so it is refused.
    erp.change_employee_record(employee=ada, effective="2026-03-20", pay_group="EXEC")
    erp.reverse_payroll_run(month="2026-03", pay_group="EXEC", date="2026-03-31", reason="redo")
    with pytest.raises(ValidationError, match=f"employees.{ada}: is paid for 2026-03 already"):
        erp.run_payroll(month="2026-03", pay_group="EXEC")
    april = erp.run_payroll(month="2026-04", pay_group="EXEC").documents[0]
    assert {s.employee for s in erp.query(payslips, "2026-04")} == {ada, bob}
    erp.pay_salaries(month="2026-04", pay_group="EXEC", date="2026-04-30", bank_account="1120")
    with pytest.raises(NotFound, match=r"no payroll is posted for 2026-04"):
        erp.pay_salaries(month="2026-04", date="2026-04-30", bank_account="1120")
    assert april and failing(erp) == []


def test_register_cost_and_year_to_date(erp: Erp) -> None:
    setup_payroll(erp, WITH_EMPLOYER)
    ada = hire(erp, department="ENG")
    bob = hire(erp, "3000", name="Bob", cc="OPS")
    erp.run_payroll(month="2026-02")
    march = erp.run_payroll(month="2026-03").documents[0]
    erp.pay_salaries(month="2026-02", date="2026-02-28", bank_account="1120")
    # Bob: basic 3000, allowance 300, pension 120, taxable 3180, tax 15% of 1180 = 177.00,
    # net 3300 - 120 - 177 = 3003.00, employer pension 180.00.
    rows = erp.query(payroll_register, march)
    assert [(r.employee, r.gross, r.tax, r.net, r.employer_contributions) for r in rows] == [
        (ada, D("4400.00"), D("336.00"), D("3904.00"), D("240.00")),
        (bob, D("3300.00"), D("177.00"), D("3003.00"), D("180.00")),
        ("TOTAL", D("7700.00"), D("513.00"), D("6907.00"), D("420.00")),
    ]
    assert rows[-1].lines == {"basic": D("7000.00"), "allowance": D("700.00"),
                              "pension": D("280.00"), "er_pension": D("420.00"),
                              "income_tax": D("513.00")}  # fmt: skip
    with pytest.raises(NotFound, match="no payroll run 'PR-2026-000099'"):
        erp.query(payroll_register, "PR-2026-000099")
    cost = erp.query(payroll_cost, "2026-03", "2026-03", "department")
    assert [(c.group, c.component, c.amount) for c in cost] == [
        ("", "allowance", D("300.00")),
        ("", "basic", D("3000.00")),
        ("", "er_pension", D("180.00")),
        ("ENG", "allowance", D("400.00")),
        ("ENG", "basic", D("4000.00")),
        ("ENG", "er_pension", D("240.00")),
    ]
    by_cc = erp.query(payroll_cost, "2026-02", "2026-03", "cost_centre")
    assert sum((c.amount for c in by_cc if c.group == "OPS"), D(0)) == D("6960.00")  # 2 x 3480
    ytd = {r.employee: r for r in erp.query(year_to_date, 2026, "2026-03", None)}
    a = ytd[ada]
    assert (a.months, a.gross, a.taxable, a.tax, a.other_deductions, a.net) == (
        2, D("8800.00"), D("8480.00"), D("672.00"), D("320.00"), D("7808.00"))  # fmt: skip
    assert (a.employer_contributions, a.paid, a.open) == (D("480.00"), D("3904.00"),
                                                          D("3904.00"))  # fmt: skip
    assert erp.query(year_to_date, 2026, "2026-02", bob)[0].net == D("3003.00")


def test_the_reports_and_remittance_through_the_cli(erp: Erp) -> None:
    from click.testing import CliRunner

    from erp_core.cli import cli

    setup_payroll(erp, WITH_EMPLOYER)
    erp.define_leave_type(code="annual", name="Annual", accrual_per_month="2")
    ada = hire(erp, department="ENG")
    erp.record_attendance(employee=ada, days=[{"day": "2026-03-02", "hours": "8",
                                               "overtime_hours": "1.5"}])  # fmt: skip
    run = erp.run_payroll(month="2026-03").documents[0]
    db = ["--db", f"sqlite:///{erp.url.path}"]

    def erp_cli(*args: str) -> str:
        out = CliRunner().invoke(cli, [*db, *args])
        assert out.exit_code == 0, out.output
        return out.output

    register = erp_cli("report", "payroll-register", run, "--format", "csv")
    assert register.splitlines()[0] == (
        "employee,name,department,payment_days,pension,allowance,basic,er_pension,income_tax,"
        "gross,deductions,net,employer_contributions"
    )
    assert register.splitlines()[-1].startswith("TOTAL,,,31,160.00,400.00,4000.00,240.00,336.00")
    assert "3,904.00" in erp_cli("report", "payslip", ada, "2026-03")
    cost = erp_cli("report", "payroll-cost", "--from-month", "2026-03", "--format", "csv")
    assert "ENG,er_pension,employer_contribution,240.00" in cost
    assert "4400.00" in erp_cli("report", "payroll-ytd", "--year", "2026", "--format", "csv")
    out = erp_cli("payroll", "remit", "2026-03", "--date", "2026-04-10", "--bank-account",
                  "1120", "--authority", "Tax office", "--account", "2420")  # fmt: skip
    assert out.startswith("payroll 2026-03 remitted to Tax office: PLR-2026-")
    liabilities = erp_cli("report", "payroll-liabilities", "--format", "csv")
    assert "2026-03,PR-2026-000001,2420,336.00,336.00,0.00" in liabilities
    assert "payroll liabilities (2430)" in erp_cli("payroll", "check")
    balances = erp_cli("report", "leave-balances", "--as-of", "2026-03-31", "--format", "csv")
    assert f"{ada},Ada Lovelace,annual,6,0,0,6,false" in balances
    assert f"{ada},Ada Lovelace,1,0,0,8,1.5" in erp_cli(
        "report", "attendance", "2026-03", "--format", "csv"
    )
    bad = CliRunner().invoke(cli, [*db, "report", "payroll-register", "PR-2026-000099"])
    assert bad.exit_code != 0 and "no payroll run 'PR-2026-000099'" in bad.output
    bad = CliRunner().invoke(cli, [*db, "report", "payroll-cost", "--from-month", "March"])
    assert bad.exit_code != 0 and "--from-month" in bad.output


def test_remitting_into_a_closed_period_or_before_the_run_is_refused(erp: Erp) -> None:
    from erp_core.kernel.errors import PeriodClosed

    setup_payroll(erp)
    hire(erp)
    erp.run_payroll(month="2026-03")
    with pytest.raises(ValidationError, match="is before the payroll date 2026-03-31"):
        remit(erp, "2026-03", {"account": "2420"}, date="2026-03-30")
    erp.close_period("2026-04")
    with pytest.raises(PeriodClosed):
        remit(erp, "2026-03", {"account": "2420"})
    with pytest.raises(ValidationError, match="is not an asset account"):
        remit(erp, "2026-03", {"account": "2420"}, date="2026-05-04", bank="2430")
    open_amounts = [r.open for r in erp.query(payroll_liabilities_report, 2026)]
    assert open_amounts == [D("336.00"), D("160.00")]
