"""Payroll through real actions, events and vouchers: the issue's payslip, proration, unpaid
leave, employer contributions, tax by annual projection, payments, reversal, failure paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from erp_core.projections.payroll import payroll_summary, payslips, salaries_payable_check

from erp_core.api import Erp
from erp_core.kernel.errors import ErpError, NotFound, PeriodClosed, ValidationError
from erp_core.payroll.handlers import PayrollPreview

ISSUE_COMPONENTS: list[dict[str, Any]] = [
    # listed out of order on purpose: formulas refer to `basic`, defined last
    {"code": "pension", "type": "deduction", "formula": "basic * 0.04", "pre_tax": True,
     "prorated": True, "payable_account": "2430"},
    {"code": "allowance", "type": "earning", "formula": "basic * 0.10", "taxable": True,
     "prorated": True},
    {"code": "basic", "type": "earning", "formula": "base", "taxable": True, "prorated": True},
]  # fmt: skip
ISSUE_SLABS = [
    {"lower": "0", "rate_percent": "0"},
    {"lower": "2000", "rate_percent": "15"},
    {"lower": "5000", "rate_percent": "30"},
]


def setup_payroll(erp: Erp, components: list[dict[str, Any]] | None = None) -> None:
    for code, name in [
        ("2410", "Net salaries payable"),
        ("2420", "Payroll tax payable"),
        ("2430", "Pension payable"),
    ]:
        erp.open_account(code, name, "liability", parent="2000")
    erp.open_account("6150", "Employer pension", "expense", parent="6000")
    erp.add_dimension_value(dimension="cost_centre", code="HQ", name="Head office")
    erp.add_dimension_value(dimension="cost_centre", code="OPS", name="Operations")
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    erp.configure_payroll(salaries_payable="2410", tax_payable="2420")
    erp.define_tax_table(effective_from="2026-01-01", basis="monthly", slabs=ISSUE_SLABS)
    erp.define_salary_structure(
        code="STD",
        name="Standard",
        effective_from="2026-01-01",
        components=components or ISSUE_COMPONENTS,
    )


def hire(
    erp: Erp, base: str = "4000", joining: str = "2026-01-01", cc: str = "HQ", **kw: Any
) -> str:
    emp = erp.hire_employee(name=kw.pop("name", "Ada Lovelace"), joining_date=joining,
                            cost_centre=cc, **kw).documents[0]  # fmt: skip
    erp.assign_salary(employee=emp, effective=joining, structure="STD", base_pay=base)
    return emp


def voucher(erp: Erp, document: str) -> list[tuple[str, str | None, str | None, D]]:
    return [
        (ln.account, ln.cost_centre, getattr(ln, "party", None), ln.base)
        for ln in erp.general_ledger()
        if ln.document == document
    ]


def test_the_issue_payslip_through_events_and_one_voucher(erp: Erp) -> None:
    setup_payroll(erp)
    emp = hire(erp)
    run = erp.run_payroll(month="2026-03").documents[0]
    (slip,) = erp.query(payslips, "2026-03")
    lines = {ln.code: ln.amount for ln in slip.lines}
    assert lines == {
        "basic": D("4000.00"),
        "allowance": D("400.00"),
        "pension": D("160.00"),
        "income_tax": D("336.00"),
    }
    assert (slip.gross, slip.taxable, slip.tax, slip.net) == (
        D("4400.00"),
        D("4240.00"),
        D("336.00"),
        D("3904.00"),
    )
    assert slip.deductions == D("496.00") and slip.gross - slip.deductions == slip.net
    assert sorted(voucher(erp, run)) == sorted(
        [
            ("6100", "HQ", None, D("400.00")),
            ("6100", "HQ", None, D("4000.00")),
            ("2410", None, emp, D("-3904.00")),
            ("2420", None, None, D("-336.00")),
            ("2430", None, None, D("-160.00")),
        ]
    )
    tb = erp.trial_balance()
    assert tb.total_debit == tb.total_credit
    assert erp.query(salaries_payable_check).ok


def test_employer_contributions_are_costs_beside_the_slip(erp: Erp) -> None:
    components = [
        *ISSUE_COMPONENTS,
        {"code": "employer_pension", "type": "employer_contribution",
         "formula": "basic * 0.05", "expense_account": "6150", "payable_account": "2430"},
    ]  # fmt: skip
    setup_payroll(erp, components)
    hire(erp, cc="OPS")
    run = erp.run_payroll(month="2026-03").documents[0]
    (slip,) = erp.query(payslips, "2026-03")
    assert slip.employer_contributions == D("200.00")
    assert slip.net == D("3904.00")  # unchanged by the employer's share
    lines = voucher(erp, run)
    assert ("6150", "OPS", None, D("200.00")) in lines
    pension = [x[3] for x in lines if x[0] == "2430"]
    assert sorted(pension) == [D("-200.00"), D("-160.00")]  # one line per component
    assert sum(x[3] for x in lines) == 0


def test_mid_month_joiner_leaver_and_unpaid_leave_are_prorated(erp: Erp) -> None:
    setup_payroll(erp)
    stays = hire(erp, "3100", name="Stays")
    joins = hire(erp, "3100", joining="2026-03-11", name="Joins")  # 21 of 31 days
    leaves = hire(erp, "3100", name="Leaves")
    erp.record_leaving(employee=leaves, leaving_date="2026-03-10", reason="resigned")
    erp.record_leave(employee=stays, date_from="2026-03-02", date_to="2026-03-03",
                     leave_type="UNPAID")  # fmt: skip
    erp.run_payroll(month="2026-03")
    slips = {s.employee: s for s in erp.query(payslips, "2026-03")}
    basic = {e: next(ln.amount for ln in s.lines if ln.code == "basic") for e, s in slips.items()}
    assert slips[stays].payment_days == 29 and basic[stays] == D("2900.00")
    assert slips[joins].payment_days == 21 and basic[joins] == D("2100.00")
    assert slips[leaves].payment_days == 10 and basic[leaves] == D("1000.00")
    assert any("leave without pay" in r for r in slips[stays].reasons)
    assert any("joined 2026-03-11" in r for r in slips[joins].reasons)
    erp.run_payroll(month="2026-04")
    assert {s.employee for s in erp.query(payslips, "2026-04")} == {stays, joins}


def test_annual_tax_table_withholds_the_year_evenly(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_tax_table(
        effective_from="2026-01-01",
        basis="annual",
        slabs=[{"lower": "0", "rate_percent": "0"}, {"lower": "24000", "rate_percent": "15"}],
    )
    hire(erp)
    for month in ("2026-01", "2026-02"):
        erp.run_payroll(month=month)
    taxes = [erp.query(payslips, m)[0].tax for m in ("2026-01", "2026-02")]
    # 12 x 4,240 = 50,880 taxable a year; (50,880 - 24,000) x 15% = 4,032; 336 a month
    assert taxes == [D("336.00"), D("336.00")]


def test_running_a_month_twice_is_refused_and_stores_nothing(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    erp.run_payroll(month="2026-03")
    before = erp.general_ledger()
    with pytest.raises(ValidationError, match="already posted as PR-2026-000001"):
        erp.run_payroll(month="2026-03")
    assert erp.general_ledger() == before


def test_a_dry_run_shows_the_run_and_stores_nothing(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    with pytest.raises(PayrollPreview) as preview:
        erp.run_payroll(month="2026-03", dry_run=True)
    assert preview.value.run == "PR-2026-000001"
    assert [s.net for s in preview.value.slips] == [D("3904.00")]
    assert sum(ln.base for ln in preview.value.lines) == 0
    assert erp.query(payslips, "2026-03") == []
    assert erp.run_payroll(month="2026-03").documents[0] == "PR-2026-000001"


def test_payroll_in_a_closed_period_is_refused(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    erp.close_period("2026-03")
    with pytest.raises(PeriodClosed):
        erp.run_payroll(month="2026-03")
    assert erp.query(payslips, "2026-03") == []


def test_formulas_are_checked_when_the_structure_is_defined(erp: Erp) -> None:
    setup_payroll(erp)
    cyclic = [
        {"code": "a", "type": "earning", "formula": "b + 1"},
        {"code": "b", "type": "earning", "formula": "a * 2"},
    ]
    with pytest.raises(ValidationError, match=r"components\.a: .*cycle: a -> b -> a"):
        erp.define_salary_structure(code="BAD", name="x", effective_from="2026-01-01",
                                    components=cyclic)  # fmt: skip
    unknown = [{"code": "a", "type": "earning", "formula": "bonus * 2"}]
    with pytest.raises(ValidationError, match=r"components\.a: .*unknown name 'bonus'"):
        erp.define_salary_structure(code="BAD", name="x", effective_from="2026-01-01",
                                    components=unknown)  # fmt: skip
    evil = [{"code": "a", "type": "earning", "formula": "__import__('os')"}]
    with pytest.raises(ValidationError, match=r"components\.a"):
        erp.define_salary_structure(code="BAD", name="x", effective_from="2026-01-01",
                                    components=evil)  # fmt: skip
    no_payable = [{"code": "d", "type": "deduction", "amount": "10"}]
    with pytest.raises(ValidationError, match="payable_account"):
        erp.define_salary_structure(code="BAD", name="x", effective_from="2026-01-01",
                                    components=no_payable)  # fmt: skip
    with pytest.raises(NotFound):
        erp.assign_salary(employee="EMP-000001", effective="2026-01-01", structure="BAD",
                          base_pay="1")  # fmt: skip


def test_division_by_zero_and_negative_net_are_refused_at_the_run(erp: Erp) -> None:
    setup_payroll(erp)
    erp.define_salary_structure(
        code="DIV",
        name="divides",
        effective_from="2026-01-01",
        components=[{"code": "basic", "type": "earning", "formula": "base / (base - 1000)"}],
    )
    erp.define_salary_structure(
        code="NEG",
        name="too much",
        effective_from="2026-01-01",
        components=[
            {"code": "basic", "type": "earning", "formula": "base"},
            {"code": "fine", "type": "deduction", "amount": "5000", "payable_account": "2430"},
        ],
    )
    emp = erp.hire_employee(name="Zero", joining_date="2026-01-01").documents[0]
    erp.assign_salary(employee=emp, effective="2026-01-01", structure="DIV", base_pay="1000")
    with pytest.raises(ValidationError, match=r"employees\.EMP-000001\.basic: .*division by zero"):
        erp.run_payroll(month="2026-03")
    erp.assign_salary(employee=emp, effective="2026-01-01", structure="NEG", base_pay="1000")
    with pytest.raises(ValidationError, match="exceed gross pay"):
        erp.run_payroll(month="2026-03")
    assert erp.query(payslips, "2026-03") == []


def test_an_employee_without_a_structure_blocks_the_run(erp: Erp) -> None:
    setup_payroll(erp)
    erp.hire_employee(name="No pay", joining_date="2026-01-01")
    with pytest.raises(ValidationError, match="EMP-000001: has no salary structure"):
        erp.run_payroll(month="2026-03")


def test_paying_salaries_clears_the_payable_per_employee(erp: Erp) -> None:
    setup_payroll(erp)
    ada = hire(erp)
    bob = hire(erp, "3000", name="Bob")
    erp.run_payroll(month="2026-03")
    slip = f"2026-03/{bob}"
    with pytest.raises(ValidationError, match="open; cannot allocate"):
        erp.pay_salaries(month="2026-03", date="2026-03-31", bank_account="1120",
                         allocations=[{"invoice": slip, "amount": "99999"}])  # fmt: skip
    with pytest.raises(NotFound):
        erp.pay_salaries(
            month="2026-03",
            date="2026-03-31",
            bank_account="1120",
            allocations=[{"invoice": "2026-03/EMP-000999", "amount": "1"}],
        )
    erp.pay_salaries(month="2026-03", date="2026-03-31", bank_account="1120",
                     allocations=[{"invoice": slip, "amount": "1000"}])  # fmt: skip
    assert erp.query(salaries_payable_check).ok
    open_ = {s.employee: s.open for s in erp.query(payslips, "2026-03")}
    # Bob: gross 3,300 - pension 120 - tax (3,180 - 2,000) x 15% = 177 -> net 3,003; 1,000 paid
    assert open_ == {ada: D("3904.00"), bob: D("2003.00")}
    with pytest.raises(ValidationError, match="has been paid|have been paid"):
        erp.reverse_payroll_run(month="2026-03", date="2026-03-31", reason="too late")
    erp.pay_salaries(month="2026-03", date="2026-04-01", bank_account="1120")
    assert all(s.open == 0 for s in erp.query(payslips, "2026-03"))
    check = erp.query(salaries_payable_check)
    assert check.ok and check.expected == 0
    with pytest.raises(ValidationError, match="nothing of payroll 2026-03 is open"):
        erp.pay_salaries(month="2026-03", date="2026-04-01", bank_account="1120")


def test_a_manual_posting_to_the_payable_account_is_caught_by_the_check(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    erp.run_payroll(month="2026-03")
    erp.post_voucher(
        date="2026-03-31",
        memo="stray",
        lines=[{"account": "2410", "debit": "10"}, {"account": "1120", "credit": "10"}],
    )
    assert not erp.query(salaries_payable_check).ok


def test_reversal_then_rerun(erp: Erp) -> None:
    setup_payroll(erp)
    hire(erp)
    first = erp.run_payroll(month="2026-03").documents[0]
    reversal = erp.reverse_payroll_run(month="2026-03", date="2026-03-31", reason="wrong pay")
    assert sum(x[3] for x in voucher(erp, reversal.documents[0])) == 0
    assert erp.query(salaries_payable_check).ok
    assert erp.query(payslips, "2026-03") == []
    second = erp.run_payroll(month="2026-03").documents[0]
    assert second != first
    summary = erp.query(payroll_summary)
    assert [(r.run, r.reversed_by is not None) for r in summary] == [(first, True), (second, False)]
    tb = erp.trial_balance()
    assert tb.total_debit == tb.total_credit
    with pytest.raises(ErpError, match="payroll_accrual|reverse"):
        erp.reverse_voucher(document=second, date="2026-03-31")  # only through payroll


def test_rebuild_equals_live(erp: Erp) -> None:
    setup_payroll(erp)
    ada = hire(erp)
    hire(erp, "2500", joining="2026-02-14", name="Bob")
    erp.run_payroll(month="2026-02")
    erp.run_payroll(month="2026-03")
    erp.pay_salaries(month="2026-02", date="2026-03-01", bank_account="1120")
    erp.reverse_payroll_run(month="2026-03", date="2026-03-31", reason="redo")
    erp.change_employee_record(employee=ada, effective="2026-03-01", cost_centre="OPS")
    erp.run_payroll(month="2026-03")

    def reports() -> dict[str, object]:
        from erp_core.projections.hr import employees_as_of

        return {
            "slips": [erp.query(payslips, m, None, True) for m in ("2026-02", "2026-03")],
            "summary": erp.query(payroll_summary),
            "check": erp.query(salaries_payable_check),
            "employees": erp.query(employees_as_of, dt.date(2026, 3, 31)),
            "tb": erp.trial_balance(),
        }

    before = reports()
    erp.rebuild()
    assert reports() == before
