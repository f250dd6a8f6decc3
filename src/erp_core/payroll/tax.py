"""Progressive income tax from slab tables, with the monthly withholding by annual projection.

A `TaxTable` is annual and effective-dated. Its slabs are given by lower bound and marginal rate
(percent); a slab may also state `fixed`, the published tax due at its lower bound (tables printed
as "42,678 + 26% of the amount above 237,100"). Without `fixed`, the tax at a slab's lower bound is
the marginal tax of the slabs below it. Tax on income `x` in slab k is therefore
`base_k + rate_k% * (x - lower_k)`. The table refuses a `fixed` lower than the tax already due at
the end of the slab below, so tax never falls as income rises.

Monthly withholding (`monthly_tax`):

    projected annual income = taxable to date (earlier months of the tax year)
                            + taxable this month
                            + future monthly taxable * (remaining months - 1)
    taxable annual income   = max(0, projected - standard deduction - exemptions)
    tax this month          = (annual tax - tax withheld to date)
                              * taxable this month / (taxable this month
                                                      + future monthly taxable * (remaining - 1))

that is, the year's remaining tax spread over the remaining months in proportion to their
taxable pay (equal months get equal shares: (annual - withheld) / remaining months). The last
month (remaining 1, also the month an employee leaves) settles the year; a month with no
taxable pay withholds nothing (unless refunding). Rounded half up to cents; a negative result
becomes 0 unless the table allows refunds.

Why proportional and not an even division: an even share of the year's tax can exceed what a
short first month pays (a joiner on the 28th at a high salary), which would make net pay
negative; the Hypothesis property of the payroll run found exactly that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from erp_core.payroll.errors import PayrollError
from erp_core.payroll.formulas import check_amount

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def to_cents(amount: Decimal) -> Decimal:
    """Round half up to two places (the payroll's minor unit)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Slab:
    """From `lower` upwards (until the next slab's lower bound) at `rate_percent` marginal."""

    lower: Decimal
    rate_percent: Decimal
    fixed: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", check_amount(self.lower, "slabs.lower"))
        rate = check_amount(self.rate_percent, "slabs.rate_percent")
        if rate > HUNDRED:
            raise PayrollError("slabs.rate_percent", f"must be at most 100, got {rate}")
        object.__setattr__(self, "rate_percent", rate)
        if self.fixed is not None:
            object.__setattr__(self, "fixed", check_amount(self.fixed, "slabs.fixed"))


@dataclass(frozen=True)
class TaxTable:
    """An annual slab table in force from `effective_from`.

    `standard_deduction` is taken off every employee's projected annual income; `allow_refund`
    lets a month's withholding go negative when more was withheld than the year's tax.
    """

    effective_from: dt.date
    slabs: tuple[Slab, ...]
    standard_deduction: Decimal = ZERO
    allow_refund: bool = False
    bases: tuple[Decimal, ...] = field(init=False, compare=False, default=())

    def __post_init__(self) -> None:
        slabs = tuple(self.slabs)
        object.__setattr__(self, "slabs", slabs)
        object.__setattr__(
            self,
            "standard_deduction",
            check_amount(self.standard_deduction, "standard_deduction"),
        )
        if not slabs:
            raise PayrollError("slabs", "a tax table needs at least one slab")
        if slabs[0].lower != 0:
            raise PayrollError("slabs", f"the first slab must start at 0, not {slabs[0].lower}")
        bases: list[Decimal] = []
        for i, slab in enumerate(slabs):
            if i == 0:
                due = ZERO
            else:
                prev = slabs[i - 1]
                if slab.lower <= prev.lower:
                    raise PayrollError(
                        f"slabs[{i}].lower",
                        f"lower bounds must increase ({slab.lower} after {prev.lower})",
                    )
                due = bases[-1] + prev.rate_percent * (slab.lower - prev.lower) / HUNDRED
            if slab.fixed is not None:
                if slab.fixed < due:
                    raise PayrollError(
                        f"slabs[{i}].fixed",
                        f"{slab.fixed} is below the tax already due at {slab.lower} ({due}); "
                        "tax would fall as income rises",
                    )
                due = slab.fixed
            bases.append(due)
        object.__setattr__(self, "bases", tuple(bases))

    def annual_tax(self, taxable: Decimal) -> Decimal:
        """Exact tax on annual taxable income (not rounded)."""
        taxable = check_amount(taxable, "taxable", allow_negative=True)
        if taxable <= 0:
            return ZERO
        k = max(i for i, s in enumerate(self.slabs) if s.lower <= taxable)
        slab = self.slabs[k]
        return self.bases[k] + slab.rate_percent * (taxable - slab.lower) / HUNDRED


def table_in_force(tables: Sequence[TaxTable], on: dt.date) -> TaxTable:
    """The table with the latest `effective_from` on or before `on`."""
    candidates = [t for t in tables if t.effective_from <= on]
    if not candidates:
        raise PayrollError("tax_tables", f"no tax table in force on {on.isoformat()}")
    dates = [t.effective_from for t in candidates]
    latest = max(dates)
    if dates.count(latest) > 1:
        raise PayrollError("tax_tables", f"two tax tables take effect on {latest.isoformat()}")
    return next(t for t in candidates if t.effective_from == latest)


@dataclass(frozen=True)
class TaxPosition:
    """The employee's position in the tax year before this month's slip.

    `remaining_months` counts this month (12 in the first month of a 12-month year, 1 in the
    last). `exemptions` is the annual total of declared exemptions.
    """

    table: TaxTable
    remaining_months: int
    taxable_to_date: Decimal = ZERO
    tax_withheld_to_date: Decimal = ZERO
    exemptions: Decimal = ZERO

    def __post_init__(self) -> None:
        if isinstance(self.remaining_months, bool) or not isinstance(self.remaining_months, int):
            raise PayrollError("remaining_months", "must be a whole number")
        if not 1 <= self.remaining_months <= 12:
            raise PayrollError(
                "remaining_months", f"must be from 1 to 12, got {self.remaining_months}"
            )
        object.__setattr__(
            self,
            "taxable_to_date",
            check_amount(self.taxable_to_date, "taxable_to_date", allow_negative=True),
        )
        object.__setattr__(
            self,
            "tax_withheld_to_date",
            check_amount(self.tax_withheld_to_date, "tax_withheld_to_date", allow_negative=True),
        )
        object.__setattr__(self, "exemptions", check_amount(self.exemptions, "exemptions"))


@dataclass(frozen=True)
class TaxComputation:
    """How this month's tax was found (travels on the payslip)."""

    projected_annual_income: Decimal
    deductions: Decimal
    taxable_annual_income: Decimal
    annual_tax: Decimal
    tax_withheld_to_date: Decimal
    remaining_months: int
    tax_this_month: Decimal


def monthly_tax(
    position: TaxPosition,
    taxable_this_month: Decimal,
    future_monthly_taxable: Decimal | None = None,
) -> TaxComputation:
    """This month's withholding by annual projection (see the module docstring).

    `future_monthly_taxable` is what each later month is expected to bring (the full-month
    amount of the current structure); it defaults to `taxable_this_month`.
    """
    this_month = check_amount(taxable_this_month, "taxable_this_month", allow_negative=True)
    future = (
        this_month
        if future_monthly_taxable is None
        else check_amount(future_monthly_taxable, "future_monthly_taxable", allow_negative=True)
    )
    n = position.remaining_months
    projected = position.taxable_to_date + this_month + future * (n - 1)
    deductions = position.table.standard_deduction + position.exemptions
    taxable = max(ZERO, projected - deductions)
    annual = to_cents(position.table.annual_tax(taxable))
    remaining_tax = annual - position.tax_withheld_to_date
    remaining_income = this_month + future * (n - 1)
    if n == 1:
        due = remaining_tax  # the last month (or the month of leaving) settles the year
    elif this_month > 0 and future == this_month:
        # every remaining month brings the same: an even share, divided once (the general
        # form below rounds `this / (this * n)` in 28 digits and could cost a half cent at a
        # rounding boundary, making the withholding fall as pay rises; found by Hypothesis)
        due = to_cents(remaining_tax / n)
    elif this_month > 0 and remaining_income > 0:
        # Spread over the remaining months in proportion to their pay, so a short month (a
        # mid-month joiner) never withholds more than its share.
        due = to_cents(remaining_tax * this_month / remaining_income)
    elif remaining_tax < 0:
        due = to_cents(remaining_tax / n)
    else:
        due = ZERO  # nothing paid this month: nothing to withhold from
    if due < 0 and not position.table.allow_refund:
        due = ZERO
    return TaxComputation(
        projected_annual_income=projected,
        deductions=deductions,
        taxable_annual_income=taxable,
        annual_tax=annual,
        tax_withheld_to_date=position.tax_withheld_to_date,
        remaining_months=n,
        tax_this_month=due,
    )


def scaled(table: TaxTable, factor: Decimal) -> TaxTable:
    """The table for another pay frequency: every slab bound, fixed amount and the standard
    deduction multiplied by `factor` and rounded to the cent (half up); rates unchanged."""
    return TaxTable(
        effective_from=table.effective_from,
        slabs=tuple(
            Slab(
                lower=to_cents(s.lower * factor),
                rate_percent=s.rate_percent,
                fixed=None if s.fixed is None else to_cents(s.fixed * factor),
            )
            for s in table.slabs
        ),
        standard_deduction=to_cents(table.standard_deduction * factor),
        allow_refund=table.allow_refund,
    )
