"""Payroll master data as aggregates: settings, salary structures (effective-dated versions),
tax tables, and each month's run with its payslips, payments and reversal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.formulas import FormulaError
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.payroll.errors import PayrollError
from erp_core.payroll.events import (
    ComponentSpec,
    PayrollConfigured,
    PayrollLiabilityRemitted,
    PayrollRunPosted,
    PayrollRunReversed,
    PayslipIssued,
    SalaryPaid,
    SalaryStructureDefined,
    TaxTableDefined,
)
from erp_core.payroll.formulas import Component, SalaryStructure
from erp_core.payroll.tax import Slab, TaxTable

SETTINGS_STREAM = "settings:payroll"
# Variables a payslip supplies besides the formula language's standard ones (a structure whose
# component has one of these codes keeps its component: the variable is then not offered).
PAYROLL_VARIABLES = frozenset({"overtime_hours"})
TAX_STREAM = "payroll:tax-tables"
ZERO = Decimal(0)


def structure_stream(code: str) -> str:
    return f"salary-structure:{code}"


def run_stream(month: str, pay_group: str = "") -> str:
    """The stream of a month's run of a pay group ("" the default group: no suffix)."""
    return f"payroll-run:{month}:{pay_group}" if pay_group else f"payroll-run:{month}"


def payslip_id(month: str, employee: str) -> str:
    return f"{month}/{employee}"


class PayrollSettings(Aggregate):
    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.configured: PayrollConfigured | None = None

    def _on_configured(self, e: PayrollConfigured) -> None:
        self.configured = e

    handlers = {PayrollConfigured: _on_configured}

    def check(self) -> PayrollConfigured:
        if self.configured is None:
            raise ValidationError("payroll", "payroll is not configured (configure_payroll)")
        return self.configured


def settings_of(uow: UnitOfWork) -> PayrollSettings:
    return uow.get(PayrollSettings, SETTINGS_STREAM)


def to_component(spec: ComponentSpec) -> Component:
    return Component(
        code=spec.code,
        type=spec.type,  # type: ignore[arg-type]
        kind=spec.kind,  # type: ignore[arg-type]
        amount=spec.amount,
        formula=spec.formula,
        condition=spec.condition,
        taxable=spec.taxable,
        pre_tax=spec.pre_tax,
        prorated=spec.prorated,
        name=spec.name,
    )


def build_structure(code: str, specs: tuple[ComponentSpec, ...]) -> SalaryStructure:
    """The core structure; a refusal becomes a ValidationError naming the component."""
    try:
        components = tuple(to_component(s) for s in specs)
        extra = PAYROLL_VARIABLES - {c.code for c in components}
        return SalaryStructure(code=code, components=components, variables=extra)
    except (PayrollError, FormulaError) as exc:
        raise ValidationError(f"components.{exc.field}", exc.reason) from None


@dataclass(frozen=True)
class StructureVersion:
    effective_from: dt.date
    name: str
    specs: tuple[ComponentSpec, ...]
    structure: SalaryStructure

    def spec(self, code: str) -> ComponentSpec:
        return next(s for s in self.specs if s.code == code)


class SalaryStructureDoc(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.versions: list[StructureVersion] = []

    def _on_defined(self, e: SalaryStructureDefined) -> None:
        version = StructureVersion(
            e.effective_from, e.name, e.components, build_structure(e.code, e.components)
        )
        self.versions = [v for v in self.versions if v.effective_from != e.effective_from]
        self.versions.append(version)
        self.versions.sort(key=lambda v: v.effective_from)

    handlers = {SalaryStructureDefined: _on_defined}

    def in_force(self, on: dt.date) -> StructureVersion | None:
        found = [v for v in self.versions if v.effective_from <= on]
        return found[-1] if found else None


def structure_of(
    uow: UnitOfWork, code: str, on: dt.date, field: str = "structure"
) -> StructureVersion:
    doc = uow.get(SalaryStructureDoc, structure_stream(code))
    if not doc.versions:
        raise NotFound(f"{field}: unknown salary structure {code!r}")
    version = doc.in_force(on)
    if version is None:
        raise ValidationError(
            field,
            f"salary structure {code!r} is in force only from {doc.versions[0].effective_from}",
        )
    return version


class TaxTables(Aggregate):
    cacheable = True

    def __init__(self, stream: str = TAX_STREAM) -> None:
        super().__init__(stream)
        # the main line: monthly and annual tables, one in force at a time
        self.tables: dict[dt.date, tuple[str, TaxTable]] = {}
        # tables defined for one pay frequency (weekly, fortnightly), a line per frequency
        self.per_frequency: dict[str, dict[dt.date, TaxTable]] = {}

    def _on_defined(self, e: TaxTableDefined) -> None:
        if e.basis in ("weekly", "fortnightly"):
            self.per_frequency.setdefault(e.basis, {})[e.effective_from] = to_table(e)
        else:
            self.tables[e.effective_from] = (e.basis, to_table(e))

    handlers = {TaxTableDefined: _on_defined}

    def in_force(self, on: dt.date, frequency: str = "monthly") -> tuple[str, TaxTable] | None:
        """The table a run of `frequency` on `on` uses, with its basis: the frequency's own
        table when one is in force, else the main line's (monthly or annual), else any
        frequency's table (the caller scales one of another basis)."""
        own = self.per_frequency.get(frequency, {})
        dates = [d for d in own if d <= on]
        if dates:
            return frequency, own[max(dates)]
        dates = [d for d in self.tables if d <= on]
        if dates:
            return self.tables[max(dates)]
        others = [(d, basis) for basis, line in self.per_frequency.items() for d in line if d <= on]
        if others:
            d, basis = max(others)
            return basis, self.per_frequency[basis][d]
        return None


def to_table(e: TaxTableDefined) -> TaxTable:
    try:
        return TaxTable(
            effective_from=e.effective_from,
            slabs=tuple(Slab(s.lower, s.rate_percent) for s in e.slabs),
            standard_deduction=e.standard_deduction,
        )
    except (PayrollError, FormulaError) as exc:
        raise ValidationError(exc.field, exc.reason) from None


class PayrollRun(Aggregate):
    """A month's payroll: the current run (None when never run or reversed), its payslips and
    what has been paid of each; earlier reversed runs are kept in `reversed_runs`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.posted: PayrollRunPosted | None = None
        self.slips: dict[str, PayslipIssued] = {}
        self.paid: dict[str, Decimal] = {}
        self.reversed_runs: list[str] = []
        self.remitted: dict[str, Decimal] = {}
        self._pending: dict[str, PayslipIssued] = {}

    def _on_slip(self, e: PayslipIssued) -> None:
        self._pending[e.employee] = e

    def _on_posted(self, e: PayrollRunPosted) -> None:
        self.posted = e
        self.slips = self._pending
        self._pending = {}
        self.paid = {}
        self.remitted = {}

    def _on_paid(self, e: SalaryPaid) -> None:
        self.paid[e.employee] = self.paid.get(e.employee, ZERO) + e.amount

    def _on_remitted(self, e: PayrollLiabilityRemitted) -> None:
        self.remitted[e.account] = self.remitted.get(e.account, ZERO) + e.amount

    def _on_reversed(self, e: PayrollRunReversed) -> None:
        self.reversed_runs.append(e.run)
        self.posted = None
        self.slips = {}
        self.paid = {}
        self.remitted = {}

    handlers = {
        PayslipIssued: _on_slip,
        PayrollRunPosted: _on_posted,
        SalaryPaid: _on_paid,
        PayrollRunReversed: _on_reversed,
        PayrollLiabilityRemitted: _on_remitted,
    }

    def open_liability(self, account: str) -> Decimal:
        owed = ZERO if self.posted is None else self.posted.liabilities.get(account, ZERO)
        return owed - self.remitted.get(account, ZERO)

    def open_amount(self, employee: str) -> Decimal:
        slip = self.slips.get(employee)
        return ZERO if slip is None else slip.net - self.paid.get(employee, ZERO)
