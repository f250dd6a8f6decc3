"""Events of payroll: configuration, salary structures, tax tables, runs with one event per
payslip, salary payments, reversals."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("payroll_accrual", "salary_payment", "payroll_reversal", "payroll_remit")


class PayrollConfigured(DomainEvent):
    salary_expense: str
    contribution_expense: str
    salaries_payable: str
    tax_payable: str
    proration: str  # calendar_days | working_days


class ComponentSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    name: str = ""
    type: str  # earning | deduction | employer_contribution | statistical
    kind: str  # fixed | formula | condition
    amount: Dec | None = None
    formula: str | None = None
    condition: str | None = None
    taxable: bool = False
    pre_tax: bool = False
    prorated: bool = False
    expense_account: str | None = None
    payable_account: str | None = None


class SalaryStructureDefined(DomainEvent):
    code: str
    name: str
    effective_from: dt.date
    components: tuple[ComponentSpec, ...]


class SlabSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    lower: Dec
    rate_percent: Dec


class TaxTableDefined(DomainEvent):
    effective_from: dt.date
    basis: str  # monthly | annual
    slabs: tuple[SlabSpec, ...]
    standard_deduction: Dec


class SlipLineOut(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    kind: str
    amount: Dec
    full_amount: Dec


class PayslipIssued(DomainEvent):
    """One payslip of a run: every line, the totals and why the payment days are what they are."""

    run: str
    month: str
    employee: str
    structure: str
    cost_centre: str
    department: str
    working_days: Dec
    payment_days: Dec
    reasons: tuple[str, ...]
    lines: tuple[SlipLineOut, ...]
    gross: Dec
    deductions: Dec
    taxable: Dec
    tax: Dec
    net: Dec
    employer_contributions: Dec
    payslip: str | None = None  # its own number, PS-<fy>-nnnnnn (gapless; None in a dry run)
    pay_group: str = ""  # "" : the default group
    # the dates of a weekly or fortnightly period (`month` is then its YYYYWww); None: a month
    period_start: dt.date | None = None
    period_end: dt.date | None = None


class PayrollRunPosted(DomainEvent):
    run: str  # the accrual voucher's number
    month: str
    date: dt.date
    employees: int
    gross: Dec
    net: Dec
    tax: Dec
    employer_contributions: Dec
    # What the run owes the authorities per liability account (tax payable and the deductions'
    # and contributions' payables); empty in runs recorded before remittances existed.
    liabilities: dict[str, Dec] = {}
    pay_group: str = ""


class SalaryPaid(DomainEvent):
    run: str
    month: str
    employee: str
    payment: str
    date: dt.date
    amount: Dec
    bank_account: str


class PayrollRunReversed(DomainEvent):
    run: str
    month: str
    reversal: str
    date: dt.date
    reason: str


class PayrollLiabilityRemitted(DomainEvent):
    """Part of a run's tax or contributions paid to the authority (voucher `payment`)."""

    run: str
    month: str
    payment: str
    date: dt.date
    account: str
    amount: Dec
    authority: str
    bank_account: str
