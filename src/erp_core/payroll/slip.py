"""One payslip for a pay period, and the accrual journal of a run of payslips.

Payment days (`payment_days`):
- `CALENDAR_DAYS` basis: working days = calendar days of the period; `WORKING_DAYS` basis:
  working days = the days of the period the working pattern marks as working (weekdays less
  holidays).
- Days before joining or after leaving are not paid (they do not count in payment days).
- A leave day counts only if the employee is employed that day and it is a working day of the
  pattern (leave is not taken on rest days, and leave after leaving is never deducted twice).
  It removes `1 - paid_fraction` of a day: unpaid leave (fraction 0) removes one day, a day
  paid at 0.25 removes 0.75.
- Days another posted payslip of the employee has paid already (a run of another pay group,
  of any frequency: `PaidElsewhere`) are not paid again: they count like days outside
  employment, with a reason naming that run, its period and the dates; leave on them is
  ignored (that slip dealt with it).
- payment days = employed days not paid elsewhere (on the basis) - unpaid leave days.

Amounts (`compute_payslip`):
1. The structure is evaluated on full-period amounts (formulas see other components' full
   amounts); variables `base`, `payment_days`, `working_days`, `years_of_service` (completed
   years at the period end) are supplied.
2. Each line is `full * payment_days / working_days` if the component is prorated, else `full`,
   rounded half up to cents: this is the single rounding point of a line.
3. Gross = earning lines; taxable = taxable earnings - pre-tax deductions; income tax via
   `tax.monthly_tax` (future months projected at the full-month taxable amount; in the month the
   employee leaves, the remaining months are 1, so the year is settled); loan repayments.
4. Deductions = deduction lines + tax + loans; net = gross - deductions, exact because every line
   is already in cents. A negative net is refused. Employer contributions are costs beside the
   slip, outside gross and net. Statistical lines are shown and never summed.

The accrual journal (`accrual_journal`): Dr salary expense per earning component and cost
centre, Dr employer-contribution expense per component and cost centre; Cr each deduction's
payable account (an employee pension share and the employer's share can name the same account),
Cr tax payable, Cr loan receivable per employee, Cr salaries payable per employee (net). A cost
centre split divides each expense amount by percentage, rounded to cents, with the residue on the
largest share (the first listed among equals), so it always balances to the cent.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from erp_core.payroll.errors import NegativeNetPay, PayrollError
from erp_core.payroll.formulas import (
    ComponentType,
    SalaryStructure,
    check_amount,
    check_code,
    evaluate_structure,
)
from erp_core.payroll.tax import ZERO, TaxComputation, TaxPosition, monthly_tax, to_cents

HUNDRED = Decimal(100)
ONE = Decimal(1)


class ProrationBasis(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class PayPeriod:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if not isinstance(self.start, dt.date) or not isinstance(self.end, dt.date):
            raise PayrollError("period", "start and end must be dates")
        if self.end < self.start:
            raise PayrollError("period", f"ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def month(cls, year: int, month: int) -> PayPeriod:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last))

    def days(self) -> list[dt.date]:
        n = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(n)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class WorkingPattern:
    """Working weekdays (Monday = 0) and holidays."""

    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise PayrollError("working_pattern.weekdays", "must be a non-empty subset of 0..6")

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays


@dataclass(frozen=True)
class LeaveDay:
    """A day of leave paid at `paid_fraction` (0 = leave without pay, 1 = fully paid)."""

    day: dt.date
    paid_fraction: Decimal
    leave_type: str = ""

    def __post_init__(self) -> None:
        fraction = check_amount(self.paid_fraction, "leave.paid_fraction")
        if fraction > ONE:
            raise PayrollError("leave.paid_fraction", f"must be from 0 to 1, got {fraction}")
        object.__setattr__(self, "paid_fraction", fraction)


@dataclass(frozen=True)
class LoanRepayment:
    loan: str
    amount: Decimal

    def __post_init__(self) -> None:
        if not self.loan:
            raise PayrollError("loans.loan", "a loan repayment names its loan")
        amount = check_amount(self.amount, f"loans.{self.loan}.amount")
        if amount == 0 or to_cents(amount) != amount:
            raise PayrollError(f"loans.{self.loan}.amount", "must be positive, in whole cents")
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class PaidElsewhere:
    """Days from `start` to `end` already paid by a posted payslip of another pay group's run
    `run`, for its period `period` (e.g. a month's slip when the employee moved to a weekly
    group within the month)."""

    start: dt.date
    end: dt.date
    run: str
    period: str


@dataclass(frozen=True)
class PaymentDays:
    """Why the employee is paid for `payment_days` of `working_days`; `employed_days` leaves
    out the days paid by another pay group's slip."""

    working_days: Decimal
    employed_days: Decimal
    unpaid_leave_days: Decimal
    payment_days: Decimal
    reasons: tuple[str, ...]

    @property
    def ratio(self) -> Decimal:
        return self.payment_days / self.working_days


def _plural(n: Decimal | int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def payment_days(
    period: PayPeriod,
    joining_date: dt.date,
    leaving_date: dt.date | None = None,
    leave: Iterable[LeaveDay] = (),
    basis: ProrationBasis = ProrationBasis.CALENDAR_DAYS,
    pattern: WorkingPattern | None = None,
    paid_elsewhere: Iterable[PaidElsewhere] = (),
) -> PaymentDays:
    """Count working days and payment days (see the module docstring)."""
    pattern = pattern or WorkingPattern()
    basis = ProrationBasis(basis)
    if leaving_date is not None and leaving_date < joining_date:
        raise PayrollError("leaving_date", f"{leaving_date} is before joining {joining_date}")
    if joining_date > period.end or (leaving_date is not None and leaving_date < period.start):
        raise PayrollError("period", f"employee is not employed during {period}")

    def counts(day: dt.date) -> bool:
        return basis is ProrationBasis.CALENDAR_DAYS or pattern.is_working(day)

    def employed(day: dt.date) -> bool:
        return joining_date <= day and (leaving_date is None or day <= leaving_date)

    days = period.days()
    working = sum(1 for d in days if counts(d))
    if working == 0:
        raise PayrollError("working_pattern", f"no working day in {period}")
    paid_by: dict[dt.date, PaidElsewhere] = {}
    for other in paid_elsewhere:
        for d in days:
            if other.start <= d <= other.end:
                paid_by.setdefault(d, other)
    employed_days = sum(1 for d in days if counts(d) and employed(d) and d not in paid_by)
    unit = "day" if basis is ProrationBasis.CALENDAR_DAYS else "working day"
    reasons: list[str] = []
    before = sum(1 for d in days if counts(d) and d < joining_date)
    after = sum(1 for d in days if counts(d) and leaving_date is not None and d > leaving_date)
    if before:
        reasons.append(f"joined {joining_date.isoformat()}: {_plural(before, unit)} before")
    if after and leaving_date is not None:
        reasons.append(f"left {leaving_date.isoformat()}: {_plural(after, unit)} after")
    for other in dict.fromkeys(paid_by.values()):
        covered = [d for d in days if paid_by.get(d) == other]
        n = sum(1 for d in covered if counts(d) and employed(d))
        if n:
            reasons.append(
                f"paid already by run {other.run} ({other.period}) for "
                f"{covered[0].isoformat()}..{covered[-1].isoformat()}: {_plural(n, unit)}"
            )
    unpaid = ZERO
    seen: set[dt.date] = set()
    for entry in leave:
        d = entry.day
        if not period.start <= d <= period.end:
            raise PayrollError("leave.day", f"{d.isoformat()} is outside the period {period}")
        if d in seen:
            raise PayrollError("leave.day", f"{d.isoformat()} appears twice")
        seen.add(d)
        missing = ONE - entry.paid_fraction
        if missing == 0:
            continue
        if not employed(d):
            reasons.append(f"leave on {d.isoformat()} ignored: not employed that day")
            continue
        if d in paid_by:
            reasons.append(f"leave on {d.isoformat()} ignored: paid by run {paid_by[d].run}")
            continue
        if not pattern.is_working(d):
            reasons.append(f"leave on {d.isoformat()} ignored: not a working day")
            continue
        unpaid += missing
        if entry.leave_type in ("absent", "half day"):
            reasons.append(f"{entry.leave_type} on {d.isoformat()}: {missing} day unpaid")
        elif entry.paid_fraction == 0:
            reasons.append(f"leave without pay on {d.isoformat()}: 1 day unpaid")
        else:
            reasons.append(
                f"leave paid at {entry.paid_fraction} on {d.isoformat()}: {missing} day unpaid"
            )
    wd = Decimal(working)
    paid = Decimal(employed_days) - unpaid
    return PaymentDays(
        working_days=wd,
        employed_days=Decimal(employed_days),
        unpaid_leave_days=unpaid,
        payment_days=paid,
        reasons=tuple(reasons),
    )


def completed_years(since: dt.date, on: dt.date) -> int:
    years = on.year - since.year - ((on.month, on.day) < (since.month, since.day))
    return max(0, years)


class LineKind(StrEnum):
    EARNING = "earning"
    DEDUCTION = "deduction"
    TAX = "tax"
    LOAN = "loan"
    EMPLOYER_CONTRIBUTION = "employer_contribution"
    STATISTICAL = "statistical"


_LINE_KIND = {
    ComponentType.EARNING: LineKind.EARNING,
    ComponentType.DEDUCTION: LineKind.DEDUCTION,
    ComponentType.EMPLOYER_CONTRIBUTION: LineKind.EMPLOYER_CONTRIBUTION,
    ComponentType.STATISTICAL: LineKind.STATISTICAL,
}
DEDUCTION_KINDS = frozenset({LineKind.DEDUCTION, LineKind.TAX, LineKind.LOAN})


@dataclass(frozen=True)
class SlipLine:
    """One line of a payslip, in cents. `full_amount` is the unprorated month amount (cents);
    `reference` is the loan for a loan line."""

    code: str
    kind: LineKind
    amount: Decimal
    full_amount: Decimal
    prorated: bool = False
    taxable: bool = False
    pre_tax: bool = False
    reference: str = ""


@dataclass(frozen=True)
class SlipInput:
    """Everything one payslip depends on. `cost_centres` maps cost centre to percent (sum 100);
    empty means the expense carries no cost centre."""

    employee: str
    period: PayPeriod
    structure: SalaryStructure
    base: Decimal
    joining_date: dt.date
    leaving_date: dt.date | None = None
    variables: Mapping[str, Decimal] = field(default_factory=dict)
    overrides: Mapping[str, Decimal] = field(default_factory=dict)
    leave: tuple[LeaveDay, ...] = ()
    basis: ProrationBasis = ProrationBasis.CALENDAR_DAYS
    pattern: WorkingPattern = field(default_factory=WorkingPattern)
    cost_centres: Mapping[str, Decimal] = field(default_factory=dict)
    loans: tuple[LoanRepayment, ...] = ()
    tax: TaxPosition | None = None
    tax_component: str = "income_tax"
    paid_elsewhere: tuple[PaidElsewhere, ...] = ()

    def __post_init__(self) -> None:
        if not self.employee:
            raise PayrollError("employee", "is required")
        object.__setattr__(self, "base", check_amount(self.base, "base"))
        check_code(self.tax_component, "tax_component")
        if self.tax is not None and self.tax_component in {
            c.code for c in self.structure.components
        }:
            raise PayrollError(
                "tax_component", f"{self.tax_component!r} is also a component of the structure"
            )
        if self.cost_centres:
            total = ZERO
            for cc, pct in self.cost_centres.items():
                pct = check_amount(pct, f"cost_centres.{cc}")
                if pct == 0:
                    raise PayrollError(f"cost_centres.{cc}", "percent must be positive")
                total += pct
            if total != HUNDRED:
                raise PayrollError("cost_centres", f"percentages sum to {total}, not 100")
        loans = [r.loan for r in self.loans]
        for loan in loans:
            if loans.count(loan) > 1:
                raise PayrollError("loans", f"loan {loan!r} is repaid twice on one slip")


@dataclass(frozen=True)
class Payslip:
    employee: str
    period: PayPeriod
    days: PaymentDays
    lines: tuple[SlipLine, ...]
    gross: Decimal
    total_deductions: Decimal
    net: Decimal
    employer_contributions: Decimal
    taxable_income: Decimal
    tax: TaxComputation | None
    cost_centres: Mapping[str, Decimal]

    def line(self, code: str) -> SlipLine:
        for line in self.lines:
            if line.code == code:
                return line
        raise PayrollError(code, "no such line on the payslip")


def compute_payslip(slip: SlipInput) -> Payslip:
    """Compute one payslip (see the module docstring for every rule and rounding point)."""
    days = payment_days(
        slip.period,
        slip.joining_date,
        slip.leaving_date,
        slip.leave,
        slip.basis,
        slip.pattern,
        slip.paid_elsewhere,
    )
    variables: dict[str, Decimal] = {
        "base": slip.base,
        "payment_days": days.payment_days,
        "working_days": days.working_days,
        "years_of_service": Decimal(completed_years(slip.joining_date, slip.period.end)),
    }
    structure = slip.structure
    for name, value in slip.variables.items():
        if name in variables:
            raise PayrollError(f"variables.{name}", "is supplied by the payslip itself")
        if name not in structure.variables:
            raise PayrollError(f"variables.{name}", "is not a variable of the structure")
        variables[name] = value
    evaluated = evaluate_structure(structure, variables, slip.overrides)
    lines: list[SlipLine] = []
    for c in structure.components:
        if c.code not in evaluated.active:
            continue
        full = evaluated.amounts[c.code]
        amount = full * days.payment_days / days.working_days if c.prorated else full
        lines.append(
            SlipLine(
                code=c.code,
                kind=_LINE_KIND[c.type],
                amount=to_cents(amount),
                full_amount=to_cents(full),
                prorated=c.prorated,
                taxable=c.taxable,
                pre_tax=c.pre_tax,
            )
        )
    taxable = sum((ln.amount for ln in lines if ln.taxable), ZERO) - sum(
        (ln.amount for ln in lines if ln.pre_tax), ZERO
    )
    computation: TaxComputation | None = None
    if slip.tax is not None:
        position = slip.tax
        leaving = slip.leaving_date is not None and slip.leaving_date <= slip.period.end
        if leaving and position.remaining_months != 1:
            position = dataclasses.replace(position, remaining_months=1)
        future = sum((ln.full_amount for ln in lines if ln.taxable), ZERO) - sum(
            (ln.full_amount for ln in lines if ln.pre_tax), ZERO
        )
        computation = monthly_tax(position, taxable, future)
        lines.append(
            SlipLine(
                code=slip.tax_component,
                kind=LineKind.TAX,
                amount=computation.tax_this_month,
                full_amount=computation.tax_this_month,
            )
        )
    for repayment in slip.loans:
        lines.append(
            SlipLine(
                code="loan_repayment",
                kind=LineKind.LOAN,
                amount=repayment.amount,
                full_amount=repayment.amount,
                reference=repayment.loan,
            )
        )
    gross = sum((ln.amount for ln in lines if ln.kind is LineKind.EARNING), ZERO)
    deductions = sum((ln.amount for ln in lines if ln.kind in DEDUCTION_KINDS), ZERO)
    net = gross - deductions
    if net < 0:
        raise NegativeNetPay(
            "net",
            f"deductions {deductions} exceed gross pay {gross} for {slip.employee} in "
            f"{slip.period} (net would be {net})",
        )
    employer = sum((ln.amount for ln in lines if ln.kind is LineKind.EMPLOYER_CONTRIBUTION), ZERO)
    return Payslip(
        employee=slip.employee,
        period=slip.period,
        days=days,
        lines=tuple(lines),
        gross=gross,
        total_deductions=deductions,
        net=net,
        employer_contributions=employer,
        taxable_income=taxable,
        tax=computation,
        cost_centres=dict(slip.cost_centres),
    )


# -- accrual journal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccrualAccounts:
    """Accounts of the payroll accrual.

    `expense_accounts` overrides the expense account per earning or contribution component
    (default `salary_expense` for earnings, `contribution_expense` for contributions);
    `payable_accounts` names the liability credited for each deduction and each employer
    contribution component (required for every one that appears).
    """

    salary_expense: str
    salaries_payable: str
    tax_payable: str
    contribution_expense: str = ""
    loan_receivable: str = ""
    expense_accounts: Mapping[str, str] = field(default_factory=dict)
    payable_accounts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("salary_expense", "salaries_payable", "tax_payable"):
            if not getattr(self, name):
                raise PayrollError(f"accounts.{name}", "is required")


@dataclass(frozen=True)
class JournalLine:
    account: str
    debit: Decimal
    credit: Decimal
    cost_centre: str = ""
    component: str = ""
    party: str = ""


def split_by_cost_centre(
    amount: Decimal, shares: Mapping[str, Decimal]
) -> list[tuple[str, Decimal]]:
    """Split cents by percentage; the residue goes to the largest share (first among equals)."""
    if not shares:
        return [("", amount)]
    parts = [(cc, to_cents(amount * pct / HUNDRED)) for cc, pct in shares.items()]
    residue = amount - sum((p for _, p in parts), ZERO)
    if residue:
        largest = max(range(len(parts)), key=lambda i: (list(shares.values())[i], -i))
        cc, p = parts[largest]
        parts[largest] = (cc, p + residue)
    return parts


def accrual_journal(slips: Iterable[Payslip], accounts: AccrualAccounts) -> tuple[JournalLine, ...]:
    """The balanced accrual of a run: debits first, then credits, each sorted; zero lines left out.

    Refuses the same employee twice for the same period, and any deduction or contribution
    component without a payable account.
    """
    debits: dict[tuple[str, str, str, str], Decimal] = {}
    credits: dict[tuple[str, str, str, str], Decimal] = {}

    def add(
        book: dict[tuple[str, str, str, str], Decimal],
        key: tuple[str, str, str, str],
        amount: Decimal,
    ) -> None:
        book[key] = book.get(key, ZERO) + amount

    def payable(code: str) -> str:
        account = accounts.payable_accounts.get(code)
        if not account:
            raise PayrollError(f"accounts.payable_accounts.{code}", "no payable account given")
        return account

    seen: set[tuple[str, PayPeriod]] = set()
    for slip in slips:
        key = (slip.employee, slip.period)
        if key in seen:
            raise PayrollError(
                "slips", f"employee {slip.employee} appears twice for period {slip.period}"
            )
        seen.add(key)
        for ln in slip.lines:
            if ln.kind is LineKind.EARNING:
                account = accounts.expense_accounts.get(ln.code, accounts.salary_expense)
                for cc, part in split_by_cost_centre(ln.amount, slip.cost_centres):
                    add(debits, (account, cc, ln.code, ""), part)
            elif ln.kind is LineKind.EMPLOYER_CONTRIBUTION:
                account = accounts.expense_accounts.get(ln.code, accounts.contribution_expense)
                if not account:
                    raise PayrollError(
                        f"accounts.expense_accounts.{ln.code}",
                        "no expense account for this employer contribution",
                    )
                for cc, part in split_by_cost_centre(ln.amount, slip.cost_centres):
                    add(debits, (account, cc, ln.code, ""), part)
                add(credits, (payable(ln.code), "", ln.code, ""), ln.amount)
            elif ln.kind is LineKind.DEDUCTION:
                add(credits, (payable(ln.code), "", ln.code, ""), ln.amount)
            elif ln.kind is LineKind.TAX:
                add(credits, (accounts.tax_payable, "", ln.code, ""), ln.amount)
            elif ln.kind is LineKind.LOAN:
                if not accounts.loan_receivable:
                    raise PayrollError("accounts.loan_receivable", "is required for loan lines")
                add(credits, (accounts.loan_receivable, "", ln.reference, slip.employee), ln.amount)
        add(credits, (accounts.salaries_payable, "", "", slip.employee), slip.net)
    # A negative credit (a tax refund when the table allows one) is posted as a debit.
    for ckey, amt in list(credits.items()):
        if amt < 0:
            del credits[ckey]
            add(debits, ckey, -amt)
    lines = [
        JournalLine(account=a, debit=amt, credit=ZERO, cost_centre=cc, component=c, party=p)
        for (a, cc, c, p), amt in sorted(debits.items())
        if amt
    ] + [
        JournalLine(account=a, debit=ZERO, credit=amt, cost_centre=cc, component=c, party=p)
        for (a, cc, c, p), amt in sorted(credits.items())
        if amt
    ]
    total_debit = sum((ln.debit for ln in lines), ZERO)
    total_credit = sum((ln.credit for ln in lines), ZERO)
    if total_debit != total_credit:  # cannot happen: every slip line is in cents
        raise PayrollError("journal", f"unbalanced: debits {total_debit}, credits {total_credit}")
    return tuple(lines)
