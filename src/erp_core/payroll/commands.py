"""Actions of payroll: configuration, structures, tax tables, salary assignment, runs,
payments, reversals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator

from erp_core.kernel.commands import (
    MAX_LINES,
    Action,
    Code,
    Line,
    Name,
    Reason,
    Text,
)
from erp_core.kernel.money import Dec
from erp_core.parties.commands import Allocation
from erp_core.payroll.periods import period_text


class ConfigurePayroll(Action):
    """The accounts of the payroll journal and how pay is prorated."""

    action: Literal["configure_payroll"] = "configure_payroll"
    salary_expense: str = "6100"
    contribution_expense: str = "6100"
    salaries_payable: str
    tax_payable: str
    proration: Literal["calendar_days", "working_days"] = "calendar_days"


class ComponentIn(Line):
    code: Code
    name: Text = ""
    type: Literal["earning", "deduction", "employer_contribution", "statistical"]
    kind: Literal["fixed", "formula", "condition"] | None = None  # default from the fields
    amount: Dec | None = None
    formula: Annotated[str, Field(max_length=2000)] | None = None
    condition: Annotated[str, Field(max_length=2000)] | None = None
    taxable: bool = False
    pre_tax: bool = False
    prorated: bool = False
    expense_account: str | None = None
    payable_account: str | None = None


class DefineSalaryStructure(Action):
    """Define (or redefine from `effective_from`) a salary structure: its formulas are
    checked now, so an unknown name or a cycle is refused naming the component."""

    action: Literal["define_salary_structure"] = "define_salary_structure"
    code: Code
    name: Name
    effective_from: dt.date
    components: Annotated[list[ComponentIn], Field(min_length=1, max_length=200)]


class SlabIn(Line):
    lower: Dec
    rate_percent: Dec


class DefineTaxTable(Action):
    """A progressive income tax table in force from `effective_from`: `monthly` slabs apply
    to each month's taxable pay; `annual` slabs to the year's projected taxable pay, withheld
    evenly over the remaining months of the fiscal year; `weekly` and `fortnightly` slabs to
    each period's pay of such a pay group. A run of another frequency scales the table's
    bounds by periods per year (see docs/decisions/people.md, "Pay frequencies")."""

    action: Literal["define_tax_table"] = "define_tax_table"
    effective_from: dt.date
    basis: Literal["monthly", "annual", "weekly", "fortnightly"] = "monthly"
    slabs: Annotated[list[SlabIn], Field(min_length=1, max_length=50)]
    standard_deduction: Dec = Decimal(0)


class AssignSalary(Action):
    """Assign a salary structure and base pay to an employee from `effective` on."""

    action: Literal["assign_salary"] = "assign_salary"
    employee: Code
    effective: dt.date
    structure: Code
    base_pay: Dec


class RunPayroll(Action):
    """Compute every active employee's payslip for `month` and post ONE accrual voucher dated
    `date` (default: the month's last day). With `dry_run`, nothing is stored: the refusal
    `PayrollPreview` carries the slips and the journal."""

    action: Literal["run_payroll"] = "run_payroll"
    month: str
    pay_group: Code | None = None
    date: dt.date | None = None
    dry_run: bool = False

    _check_month = field_validator("month")(period_text)


class PaySalaries(Action):
    """Pay net salaries of a run from a bank account: every open payslip in full, or the
    given allocations (payslip `MONTH/EMPLOYEE` and amount)."""

    action: Literal["pay_salaries"] = "pay_salaries"
    month: str
    pay_group: Code | None = None
    date: dt.date
    bank_account: str
    allocations: Annotated[list[Allocation], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )

    _check_month = field_validator("month")(period_text)


class ReversePayrollRun(Action):
    """Reverse a month's run (nothing of it may have been paid): posts the opposite voucher;
    the month may then be run again."""

    action: Literal["reverse_payroll_run"] = "reverse_payroll_run"
    month: str
    pay_group: Code | None = None
    date: dt.date
    reason: Reason

    _check_month = field_validator("month")(period_text)


class RemitLine(Line):
    account: str
    amount: Dec | None = None  # None: all that is still open on the account for the month


class RemitPayrollLiabilities(Action):
    """Pay the tax withheld and the contributions (employee and employer shares) of a month's
    run to the authority from a bank account: Dr each liability account, Cr the bank.
    Refused beyond what the run left open on an account."""

    action: Literal["remit_payroll_liabilities"] = "remit_payroll_liabilities"
    month: str
    pay_group: Code | None = None
    date: dt.date
    bank_account: str
    authority: Name
    lines: Annotated[list[RemitLine], Field(min_length=1, max_length=50)]

    _check_month = field_validator("month")(period_text)
