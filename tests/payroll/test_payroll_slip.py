"""Hand-computed payslips and their accrual journal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.payroll.errors import NegativeNetPay, PayrollError
from erp_core.payroll.formulas import AmountKind, Component, ComponentType, SalaryStructure
from erp_core.payroll.slip import (
    AccrualAccounts,
    JournalLine,
    LeaveDay,
    LineKind,
    LoanRepayment,
    PayPeriod,
    ProrationBasis,
    SlipInput,
    WorkingPattern,
    accrual_journal,
    compute_payslip,
    payment_days,
    split_by_cost_centre,
)
from erp_core.payroll.tax import Slab, TaxPosition, TaxTable

D = Decimal
E, DED, ER = ComponentType.EARNING, ComponentType.DEDUCTION, ComponentType.EMPLOYER_CONTRIBUTION
F = AmountKind.FORMULA
MARCH, APRIL, MAY = PayPeriod.month(2026, 3), PayPeriod.month(2026, 4), PayPeriod.month(2026, 5)
HIRED_LONG_AGO = dt.date(2020, 1, 1)

# Annual table equal to the issue's monthly brackets: 0-2,000 at 0%, above at 15% (x 12).
TABLE = TaxTable(dt.date(2026, 1, 1), (Slab(D(0), D(0)), Slab(D(24_000), D(15))))

# Listed out of order on purpose: allowance and pension come before the basic they use.
STANDARD = SalaryStructure(
    "standard",
    (
        Component("allowance", E, F, formula="basic * 0.10", taxable=True, prorated=True),
        Component("pension", DED, F, formula="basic * 0.04", pre_tax=True, prorated=True),
        Component("basic", E, F, formula="base", taxable=True, prorated=True),
        Component("er_pension", ER, F, formula="basic * 0.06", prorated=True),
    ),
)
ACCOUNTS = AccrualAccounts(
    salary_expense="6100 Salaries",
    salaries_payable="2410 Salaries payable",
    tax_payable="2420 Tax payable",
    contribution_expense="6110 Employer pension",
    loan_receivable="1350 Staff loans",
    payable_accounts={"pension": "2430 Pension payable", "er_pension": "2430 Pension payable"},
)


def amounts(slip: object) -> dict[str, Decimal]:
    return {ln.code: ln.amount for ln in slip.lines}  # type: ignore[attr-defined]


def balanced(lines: tuple[JournalLine, ...]) -> bool:
    return sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines)


def test_the_issue_example_full_month() -> None:
    # basic 4,000.00; allowance 10% = 400.00; pension 4% = 160.00 (pre-tax);
    # taxable 4,400 - 160 = 4,240; annual 4,240 * 12 = 50,880; tax (50,880 - 24,000) * 15%
    # = 4,032.00; / 12 = 336.00; net 4,400.00 - 160.00 - 336.00 = 3,904.00.
    # Employer pension 6% = 240.00 beside the slip.
    slip = compute_payslip(
        SlipInput("E-1", MARCH, STANDARD, D(4000), HIRED_LONG_AGO, tax=TaxPosition(TABLE, 12))
    )
    assert amounts(slip) == {
        "allowance": D("400.00"),
        "pension": D("160.00"),
        "basic": D("4000.00"),
        "er_pension": D("240.00"),
        "income_tax": D("336.00"),
    }
    assert slip.taxable_income == D("4240.00")
    assert (slip.gross, slip.total_deductions, slip.net) == (D("4400.00"), D("496.00"), D(3904))
    assert slip.employer_contributions == D("240.00")
    journal = accrual_journal([slip], ACCOUNTS)
    assert balanced(journal)
    # Dr 4,000 + 400 salaries + 240 employer pension = 4,640 = Cr 3,904 + 336 + 160 + 240.
    assert sum(ln.debit for ln in journal) == D("4640.00")
    pension = [ln for ln in journal if ln.account == "2430 Pension payable"]
    assert sorted(ln.credit for ln in pension) == [D("160.00"), D("240.00")]  # both shares


def test_mid_month_joiner_is_prorated_and_taxed_on_the_projected_year() -> None:
    # Joins 16 March: 16 of 31 calendar days. basic 3,100 * 16/31 = 1,600.00;
    # allowance 310 * 16/31 = 160.00; pension 124 * 16/31 = 64.00.
    # Taxable now 1,600 + 160 - 64 = 1,696; each later month 3,100 + 310 - 124 = 3,286.
    # Ten months left (Mar-Dec): projected 1,696 + 3,286 * 9 = 31,270;
    # tax (31,270 - 24,000) * 15% = 1,090.50; this month's share 1,090.50 * 1,696 / 31,270
    # = 59.146... -> 59.15. Net 1,760 - 64 - 59.15 = 1,636.85.
    slip = compute_payslip(
        SlipInput("E-2", MARCH, STANDARD, D(3100), dt.date(2026, 3, 16), tax=TaxPosition(TABLE, 10))
    )
    assert slip.days.payment_days == 16 and slip.days.working_days == 31
    assert slip.days.reasons == ("joined 2026-03-16: 15 days before",)
    assert amounts(slip)["basic"] == D("1600.00")
    assert amounts(slip)["allowance"] == D("160.00")
    assert amounts(slip)["pension"] == D("64.00")
    assert slip.tax is not None and slip.tax.projected_annual_income == D("31270.00")
    assert amounts(slip)["income_tax"] == D("59.15")
    assert slip.net == D("1636.85")


def test_leaver_on_working_days_basis_and_leave_after_leaving_is_ignored() -> None:
    # April 2026 has 22 weekdays (1 Apr is a Wednesday: 3 + 5 + 5 + 5 + 4). Leaves Friday
    # 10 April: 3 + 5 = 8 working days. basic 2,200 * 8/22 = 800.00.
    # Leave without pay on 20 April is after leaving: not deducted again.
    structure = SalaryStructure("b", (Component("basic", E, F, formula="base", prorated=True),))
    slip = compute_payslip(
        SlipInput(
            "E-3",
            APRIL,
            structure,
            D(2200),
            HIRED_LONG_AGO,
            leaving_date=dt.date(2026, 4, 10),
            leave=(LeaveDay(dt.date(2026, 4, 20), D(0)),),
            basis=ProrationBasis.WORKING_DAYS,
        )
    )
    assert (slip.days.working_days, slip.days.payment_days) == (22, 8)
    assert slip.net == D("800.00")
    assert "leave on 2026-04-20 ignored: not employed that day" in slip.days.reasons


def test_leave_without_pay_and_partly_paid_leave_on_calendar_basis() -> None:
    # May 2026, 31 days. Unpaid 4 and 5 May; 6 May paid at 0.25 -> 0.75 unpaid (not 0.25);
    # Saturday 9 May is not a working day: ignored. Unpaid 2.75; payment days 28.25.
    # basic 3,100 * 28.25 / 31 = 2,825.00.
    structure = SalaryStructure("b", (Component("basic", E, F, formula="base", prorated=True),))
    leave = (
        LeaveDay(dt.date(2026, 5, 4), D(0)),
        LeaveDay(dt.date(2026, 5, 5), D(0)),
        LeaveDay(dt.date(2026, 5, 6), D("0.25")),
        LeaveDay(dt.date(2026, 5, 9), D(0)),
    )
    slip = compute_payslip(SlipInput("E-4", MAY, structure, D(3100), HIRED_LONG_AGO, leave=leave))
    assert slip.days.unpaid_leave_days == D("2.75")
    assert slip.days.payment_days == D("28.25")
    assert slip.net == D("2825.00")


def test_partly_paid_leave_on_working_days_basis_with_a_holiday() -> None:
    # May 2026 weekdays: 1 + 5 + 5 + 5 + 5 = 21, less the 25 May holiday = 20 working days.
    # Unpaid 2.75 as above -> 17.25 payment days; basic 2,000 * 17.25 / 20 = 1,725.00.
    structure = SalaryStructure("b", (Component("basic", E, F, formula="base", prorated=True),))
    leave = (
        LeaveDay(dt.date(2026, 5, 4), D(0)),
        LeaveDay(dt.date(2026, 5, 5), D(0)),
        LeaveDay(dt.date(2026, 5, 6), D("0.25")),
    )
    pattern = WorkingPattern(holidays=frozenset({dt.date(2026, 5, 25)}))
    slip = compute_payslip(
        SlipInput(
            "E-5",
            MAY,
            structure,
            D(2000),
            HIRED_LONG_AGO,
            leave=leave,
            basis=ProrationBasis.WORKING_DAYS,
            pattern=pattern,
        )
    )
    assert (slip.days.working_days, slip.days.payment_days) == (20, D("17.25"))
    assert slip.net == D("1725.00")


def test_payment_days_variables_reach_formulas() -> None:
    # A daily-rate allowance that prorates itself: 20 per payment day, not flagged prorated.
    # Joins 22 May (Friday) on working-days basis: 22, 25-29 = 6 of 21 working days -> 120.00.
    structure = SalaryStructure("m", (Component("meal", E, F, formula="20 * payment_days"),))
    slip = compute_payslip(
        SlipInput(
            "E-6",
            MAY,
            structure,
            D(0),
            dt.date(2026, 5, 22),
            basis=ProrationBasis.WORKING_DAYS,
        )
    )
    assert slip.net == D("120.00")


def test_loan_repayment_is_deducted_and_credited_to_the_loan_receivable() -> None:
    # Issue example plus a 250.00 loan repayment: net 3,904.00 - 250.00 = 3,654.00.
    slip = compute_payslip(
        SlipInput(
            "E-7",
            MARCH,
            STANDARD,
            D(4000),
            HIRED_LONG_AGO,
            tax=TaxPosition(TABLE, 12),
            loans=(LoanRepayment("LOAN-9", D("250.00")),),
        )
    )
    assert slip.net == D("3654.00")
    loan = slip.line("loan_repayment")
    assert (loan.kind, loan.amount, loan.reference) == (LineKind.LOAN, D(250), "LOAN-9")
    journal = accrual_journal([slip], ACCOUNTS)
    assert balanced(journal)
    [credit] = [ln for ln in journal if ln.account == "1350 Staff loans"]
    assert (credit.credit, credit.party, credit.component) == (D(250), "E-7", "LOAN-9")


def test_leaving_month_settles_the_tax_year() -> None:
    # Leaves 30 April after 3 months at 4,240 taxable (336 withheld each = 1,008).
    # The position says 9 months remain, but leaving makes this the last: projected
    # 12,720 + 4,240 = 16,960 < 24,000 -> annual tax 0; 0 - 1,008 < 0 -> 0 (no refund).
    position = TaxPosition(TABLE, 9, taxable_to_date=D(12_720), tax_withheld_to_date=D(1_008))
    slip = compute_payslip(
        SlipInput(
            "E-8",
            APRIL,
            STANDARD,
            D(4000),
            HIRED_LONG_AGO,
            leaving_date=dt.date(2026, 4, 30),
            tax=position,
        )
    )
    assert slip.tax is not None and slip.tax.remaining_months == 1
    assert amounts(slip)["income_tax"] == 0
    # With refunds allowed the 1,008 comes back on the slip and is debited to tax payable.
    refunding = TaxTable(TABLE.effective_from, TABLE.slabs, allow_refund=True)
    position = TaxPosition(refunding, 9, taxable_to_date=D(12_720), tax_withheld_to_date=D(1_008))
    slip = compute_payslip(
        SlipInput(
            "E-8",
            APRIL,
            STANDARD,
            D(4000),
            HIRED_LONG_AGO,
            leaving_date=dt.date(2026, 4, 30),
            tax=position,
        )
    )
    assert amounts(slip)["income_tax"] == D("-1008.00")
    assert slip.net == D("4400.00") - D("160.00") + D("1008.00")
    journal = accrual_journal([slip], ACCOUNTS)
    assert balanced(journal)
    [tax] = [ln for ln in journal if ln.account == "2420 Tax payable"]
    assert (tax.debit, tax.credit) == (D("1008.00"), 0)


def test_cost_centre_split_puts_the_residue_on_the_largest_share() -> None:
    # 10.01 at 50/50: 5.005 -> 5.01 each = 10.02; residue -0.01 on the first of the equals.
    assert split_by_cost_centre(D("10.01"), {"A": D(50), "B": D(50)}) == [
        ("A", D("5.00")),
        ("B", D("5.01")),
    ]
    # 100.00 at 33.33 / 33.34 / 33.33: 33.33 + 33.34 + 33.33 = 100.00, no residue.
    parts = split_by_cost_centre(D(100), {"A": D("33.33"), "B": D("33.34"), "C": D("33.33")})
    assert [p for _, p in parts] == [D("33.33"), D("33.34"), D("33.33")]


def test_run_journal_per_component_and_cost_centre() -> None:
    a = compute_payslip(
        SlipInput(
            "E-1",
            MARCH,
            STANDARD,
            D(4000),
            HIRED_LONG_AGO,
            cost_centres={"SALES": D(60), "OPS": D(40)},
        )
    )
    b = compute_payslip(SlipInput("E-2", MARCH, STANDARD, D(1000), HIRED_LONG_AGO))
    journal = accrual_journal([a, b], ACCOUNTS)
    assert balanced(journal)
    debits = {(ln.account, ln.cost_centre, ln.component): ln.debit for ln in journal if ln.debit}
    # basic 4,000 at 60/40 = 2,400 / 1,600; E-2's 1,000 carries no cost centre.
    assert debits[("6100 Salaries", "SALES", "basic")] == D("2400.00")
    assert debits[("6100 Salaries", "OPS", "basic")] == D("1600.00")
    assert debits[("6100 Salaries", "", "basic")] == D("1000.00")
    # Employer pension 240 at 60/40 = 144 / 96, plus 60 without a cost centre.
    assert debits[("6110 Employer pension", "SALES", "er_pension")] == D("144.00")
    payable = {ln.party: ln.credit for ln in journal if ln.account == "2410 Salaries payable"}
    # Without tax: E-1 4,400 - 160 = 4,240; E-2 1,100 - 40 = 1,060.
    assert payable == {"E-1": D("4240.00"), "E-2": D("1060.00")}


# -- refusals -----------------------------------------------------------------------------------


def test_negative_net_pay_is_refused() -> None:
    structure = SalaryStructure(
        "s",
        (
            Component("basic", E, F, formula="base"),
            Component("fine", DED, AmountKind.FIXED, amount=D(500)),
        ),
    )
    with pytest.raises(NegativeNetPay, match=r"^net: deductions 500.00 exceed gross pay 400.00"):
        compute_payslip(SlipInput("E-9", MARCH, structure, D(400), HIRED_LONG_AGO))


def test_same_employee_twice_in_one_run_is_refused() -> None:
    slip = compute_payslip(SlipInput("E-1", MARCH, STANDARD, D(4000), HIRED_LONG_AGO))
    with pytest.raises(PayrollError, match="E-1 appears twice for period 2026-03-01..2026-03-31"):
        accrual_journal([slip, slip], ACCOUNTS)


def test_missing_payable_account_is_named() -> None:
    slip = compute_payslip(SlipInput("E-1", MARCH, STANDARD, D(4000), HIRED_LONG_AGO))
    accounts = AccrualAccounts("6100", "2410", "2420", contribution_expense="6110")
    with pytest.raises(PayrollError, match=r"^accounts.payable_accounts.pension: no payable"):
        accrual_journal([slip], accounts)


def test_slip_input_refusals() -> None:
    with pytest.raises(PayrollError, match="cost_centres: percentages sum to 90, not 100"):
        SlipInput("E", MARCH, STANDARD, D(1), HIRED_LONG_AGO, cost_centres={"A": D(90)})
    with pytest.raises(PayrollError, match="base: must be a Decimal or int, not a float"):
        SlipInput("E", MARCH, STANDARD, 4000.0, HIRED_LONG_AGO)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="leave.paid_fraction: must be from 0 to 1"):
        LeaveDay(dt.date(2026, 3, 2), D("1.5"))
    with pytest.raises(PayrollError, match="loans.L.amount: must be positive, in whole cents"):
        LoanRepayment("L", D("0.001"))
    with pytest.raises(PayrollError, match="employee is not employed during"):
        payment_days(MARCH, dt.date(2026, 4, 1))
    with pytest.raises(PayrollError, match="leave.day: 2026-04-01 is outside the period"):
        payment_days(MARCH, HIRED_LONG_AGO, leave=[LeaveDay(dt.date(2026, 4, 1), D(0))])
    with pytest.raises(PayrollError, match="leave.day: 2026-03-02 appears twice"):
        payment_days(
            MARCH,
            HIRED_LONG_AGO,
            leave=[LeaveDay(dt.date(2026, 3, 2), D(0)), LeaveDay(dt.date(2026, 3, 2), D(0))],
        )
    with pytest.raises(PayrollError, match="variables.grade: is not a variable of the structure"):
        compute_payslip(
            SlipInput("E", MARCH, STANDARD, D(1), HIRED_LONG_AGO, variables={"grade": D(1)})
        )
