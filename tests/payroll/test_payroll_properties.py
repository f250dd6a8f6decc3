"""Hypothesis: random employees and runs; slips add up and every run's journal balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.payroll.errors import NegativeNetPay
from erp_core.payroll.formulas import AmountKind, Component, ComponentType, SalaryStructure
from erp_core.payroll.slip import (
    DEDUCTION_KINDS,
    AccrualAccounts,
    LeaveDay,
    LineKind,
    LoanRepayment,
    PayPeriod,
    Payslip,
    ProrationBasis,
    SlipInput,
    WorkingPattern,
    accrual_journal,
    compute_payslip,
    split_by_cost_centre,
)
from erp_core.payroll.tax import Slab, TaxPosition, TaxTable

D = Decimal
E, DED, ER = ComponentType.EARNING, ComponentType.DEDUCTION, ComponentType.EMPLOYER_CONTRIBUTION
F = AmountKind.FORMULA
PERIOD = PayPeriod.month(2026, 2)  # 28 days
TABLE = TaxTable(
    dt.date(2026, 1, 1),
    (Slab(D(0), D(0)), Slab(D(12_000), D(10)), Slab(D(50_000), D(25)), Slab(D(120_000), D(40))),
    standard_deduction=D(3_000),
)
ACCOUNTS = AccrualAccounts(
    salary_expense="6100",
    salaries_payable="2410",
    tax_payable="2420",
    contribution_expense="6110",
    loan_receivable="1350",
    expense_accounts={"allowance": "6120"},
    payable_accounts={"pension": "2430", "er_pension": "2430", "union": "2440"},
)

cents = st.decimals(min_value=0, max_value=20_000, places=2)
rate = st.decimals(min_value=0, max_value=D("0.5"), places=3)


@st.composite
def structures(draw: st.DrawFn) -> SalaryStructure:
    r_allow, r_pension, r_er = draw(rate), draw(rate) / 5, draw(rate) / 4
    comps = [
        Component(
            "allowance",
            E,
            F,
            formula=f"basic * {r_allow}",
            taxable=draw(st.booleans()),
            prorated=draw(st.booleans()),
        ),
        Component("pension", DED, F, formula=f"basic * {r_pension}", pre_tax=True, prorated=True),
        Component("basic", E, F, formula="base", taxable=True, prorated=True),
        Component("er_pension", ER, F, formula=f"min(basic * {r_er}, 900)", prorated=True),
        Component(
            "bonus",
            E,
            AmountKind.CONDITION,
            condition="years_of_service >= 2",
            formula="round(basic / 7, 2)",
            taxable=True,
        ),
        Component("union", DED, AmountKind.FIXED, amount=draw(st.sampled_from([D(0), D("7.50")]))),
    ]
    order = draw(st.permutations(comps))
    return SalaryStructure("random", tuple(order))


@st.composite
def cost_centres(draw: st.DrawFn) -> dict[str, Decimal]:
    n = draw(st.integers(0, 3))
    if n == 0:
        return {}
    cuts = sorted(
        draw(st.lists(st.integers(1, 9_999), min_size=n - 1, max_size=n - 1, unique=True))
    )
    bounds = [0, *cuts, 10_000]
    return {f"CC{i}": D(bounds[i + 1] - bounds[i]) / 100 for i in range(n)}


@st.composite
def slip_inputs(draw: st.DrawFn, employee: str) -> SlipInput:
    days = PERIOD.days()
    joining = draw(st.sampled_from([dt.date(2019, 5, 5), dt.date(2025, 12, 1), *days]))
    leaving = draw(st.one_of(st.none(), st.sampled_from([d for d in days if d >= joining])))
    leave_days = draw(st.lists(st.sampled_from(days), unique=True, max_size=6))
    fractions = st.sampled_from([D(0), D("0.25"), D("0.5"), D(1)])
    leave = tuple(LeaveDay(d, draw(fractions)) for d in leave_days)
    loans = tuple(
        LoanRepayment(f"L{i}", draw(st.decimals(min_value="0.01", max_value=800, places=2)))
        for i in range(draw(st.integers(0, 2)))
    )
    tax = None
    if draw(st.booleans()):
        remaining = draw(st.integers(1, 11))
        tax = TaxPosition(
            TABLE,
            remaining,
            taxable_to_date=draw(cents) * (12 - remaining),
            tax_withheld_to_date=draw(st.decimals(min_value=0, max_value=3_000, places=2)),
        )
    return SlipInput(
        employee=employee,
        period=PERIOD,
        structure=draw(structures()),
        base=draw(cents),
        joining_date=joining,
        leaving_date=leaving,
        leave=leave,
        basis=draw(st.sampled_from(list(ProrationBasis))),
        pattern=WorkingPattern(holidays=frozenset({dt.date(2026, 2, 16)})),
        cost_centres=draw(cost_centres()),
        loans=loans,
        tax=tax,
    )


@st.composite
def runs(draw: st.DrawFn) -> list[Payslip]:
    slips = []
    for i in range(draw(st.integers(1, 5))):
        try:
            slips.append(compute_payslip(draw(slip_inputs(f"E-{i}"))))
        except NegativeNetPay:
            continue  # refused, as it should be; the run goes on without that employee
    return slips


@settings(max_examples=150, deadline=None)
@given(run=runs())
def test_slips_add_up_and_every_run_journal_balances(run: list[Payslip]) -> None:
    for slip in run:
        earnings = sum((ln.amount for ln in slip.lines if ln.kind is LineKind.EARNING), D(0))
        deductions = sum((ln.amount for ln in slip.lines if ln.kind in DEDUCTION_KINDS), D(0))
        assert slip.gross == earnings and slip.total_deductions == deductions
        assert slip.net == slip.gross - slip.total_deductions >= 0
        assert all(ln.amount == ln.amount.quantize(D("0.01")) for ln in slip.lines)
        assert D(0) <= slip.days.payment_days <= slip.days.working_days
        for ln in slip.lines:
            if ln.prorated:
                assert ln.amount <= ln.full_amount
    journal = accrual_journal(run, ACCOUNTS)
    debit = sum((ln.debit for ln in journal), D(0))
    credit = sum((ln.credit for ln in journal), D(0))
    assert debit == credit
    # The payable per employee is their net pay; the tax payable nets the tax lines.
    payable = {ln.party: ln.credit for ln in journal if ln.account == "2410"}
    assert payable == {s.employee: s.net for s in run if s.net}
    tax_lines = sum((ln.amount for s in run for ln in s.lines if ln.kind is LineKind.TAX), D(0))
    assert sum((ln.credit - ln.debit for ln in journal if ln.account == "2420"), D(0)) == tax_lines
    expense = sum((ln.debit for ln in journal if ln.account.startswith("61")), D(0))
    assert expense == sum((s.gross + s.employer_contributions for s in run), D(0))


@settings(max_examples=200, deadline=None)
@given(amount=cents, shares=cost_centres())
def test_cost_centre_split_always_sums_to_the_amount(
    amount: Decimal, shares: dict[str, Decimal]
) -> None:
    parts = split_by_cost_centre(amount, shares)
    assert sum((p for _, p in parts), D(0)) == amount
    assert all(p == p.quantize(D("0.01")) for _, p in parts)
