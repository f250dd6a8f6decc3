"""Payroll actions: configuration, structures, tax tables, salary assignment, the monthly run
(one accrual voucher), salary payments and reversals. Each checks everything, then records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_core.access.workflow import held_amount
from erp_core.hr.employees import (
    NUMBERS_STREAM,
    PAY_GROUPS_STREAM,
    Employee,
    EmployeeNumbers,
    PayGroups,
    employee_of,
    record_change,
)
from erp_core.hr.leave import LeaveAccount, leave_stream, unpaid_attendance
from erp_core.hr.records import EmployeeRecord
from erp_core.kernel.context import Context
from erp_core.kernel.errors import ErpError, NotFound, ValidationError
from erp_core.kernel.formulas import FormulaError
from erp_core.kernel.money import MINOR_UNITS, ZERO
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger import journal, periods
from erp_core.ledger.events import PostedLine
from erp_core.ledger.posting import (
    chart_of,
    check_money,
    check_period,
    company_of,
    gl,
    next_document,
    placeholder,
    post_document,
)
from erp_core.parties.settlement import check_allocations
from erp_core.payroll.commands import (
    AssignSalary,
    ComponentIn,
    ConfigurePayroll,
    DefineSalaryStructure,
    DefineTaxTable,
    PaySalaries,
    RemitPayrollLiabilities,
    ReversePayrollRun,
    RunPayroll,
)
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
    SlabSpec,
    SlipLineOut,
    TaxTableDefined,
)
from erp_core.payroll.periods import MONTH_RE, pay_period, periods_touching, table_factor
from erp_core.payroll.slip import (
    AccrualAccounts,
    LeaveDay,
    LineKind,
    PaidElsewhere,
    PayPeriod,
    Payslip,
    ProrationBasis,
    SlipInput,
    accrual_journal,
    compute_payslip,
    payment_days,
)
from erp_core.payroll.structures import (
    TAX_STREAM,
    PayrollRun,
    StructureVersion,
    TaxTables,
    build_structure,
    payslip_id,
    run_stream,
    settings_of,
    structure_of,
    to_table,
)
from erp_core.payroll.tax import TaxPosition, scaled

TAX_COMPONENT = "income_tax"


class PayrollPreview(ErpError):
    """A dry run's answer: the payslips and the journal the run would post; nothing stored."""

    exit_code = 0

    def __init__(self, run: str, month: str, slips: list[PayslipIssued], lines: list[PostedLine]):
        total = sum((s.net for s in slips), ZERO)
        super().__init__(
            f"dry run: payroll {month} would post {run} for {len(slips)} employees, "
            f"net {total:f}; nothing was stored"
        )
        self.run = run
        self.month = month
        self.slips = slips
        self.lines = lines


def _check_two_places(uow: UnitOfWork) -> str:
    base = company_of(uow).base_currency
    if MINOR_UNITS[base] != 2:
        raise ValidationError(
            "currency", f"payroll computes in cents; {base} has {MINOR_UNITS[base]} decimals"
        )
    return base


@handles(ConfigurePayroll)
def configure_payroll(cmd: ConfigurePayroll, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    chart = chart_of(uow)
    for field in ("salary_expense", "contribution_expense"):
        account = chart.check_postable(getattr(cmd, field), base, field)
        if account.type != "expense":
            raise ValidationError(field, f"account {account.code} is not an expense account")
    for field in ("salaries_payable", "tax_payable"):
        account = chart.check_postable(getattr(cmd, field), base, field)
        if account.type != "liability":
            raise ValidationError(field, f"account {account.code} is not a liability account")
    if cmd.salaries_payable == cmd.tax_payable:
        raise ValidationError(
            "salaries_payable",
            "must differ from tax_payable: it holds only net salaries owed, per employee",
        )
    settings_of(uow).trigger(
        ctx.event(
            PayrollConfigured,
            salary_expense=cmd.salary_expense,
            contribution_expense=cmd.contribution_expense,
            salaries_payable=cmd.salaries_payable,
            tax_payable=cmd.tax_payable,
            proration=cmd.proration,
        )
    )
    return []


def _spec(c: ComponentIn) -> ComponentSpec:
    kind = c.kind
    if kind is None:
        kind = "condition" if c.condition else "formula" if c.formula else "fixed"
    return ComponentSpec(
        code=c.code,
        name=c.name,
        type=c.type,
        kind=kind,
        amount=c.amount,
        formula=c.formula,
        condition=c.condition,
        taxable=c.taxable,
        pre_tax=c.pre_tax,
        prorated=c.prorated,
        expense_account=c.expense_account,
        payable_account=c.payable_account,
    )


@handles(DefineSalaryStructure)
def define_salary_structure(cmd: DefineSalaryStructure, ctx: Context) -> list[str]:
    from erp_core.payroll.structures import SalaryStructureDoc, structure_stream

    uow = ctx.uow
    base = _check_two_places(uow)
    chart = chart_of(uow)
    specs = tuple(_spec(c) for c in cmd.components)
    for i, c in enumerate(specs):
        where = f"components[{i}]"
        if c.code == TAX_COMPONENT:
            raise ValidationError(f"{where}.code", f"{TAX_COMPONENT!r} is the income tax line")
        if c.amount is not None:
            check_money(c.amount, base, f"{where}.amount", positive=False)
        needs_payable = c.type in ("deduction", "employer_contribution")
        if needs_payable and not c.payable_account:
            raise ValidationError(f"{where}.payable_account", f"{c.type} {c.code} needs one")
        if not needs_payable and c.payable_account:
            raise ValidationError(f"{where}.payable_account", f"an {c.type} is not payable")
        if c.expense_account and c.type not in ("earning", "employer_contribution"):
            raise ValidationError(f"{where}.expense_account", f"a {c.type} has no expense")
        if c.payable_account:
            acc = chart.check_postable(c.payable_account, base, f"{where}.payable_account")
            if acc.type != "liability":
                raise ValidationError(f"{where}.payable_account", f"{acc.code} is not a liability")
        if c.expense_account:
            acc = chart.check_postable(c.expense_account, base, f"{where}.expense_account")
            if acc.type != "expense":
                raise ValidationError(f"{where}.expense_account", f"{acc.code} is not an expense")
    build_structure(cmd.code, specs)  # formulas, unknown names and cycles refused here
    doc = uow.get(SalaryStructureDoc, structure_stream(cmd.code))
    doc.trigger(
        ctx.event(
            SalaryStructureDefined,
            code=cmd.code,
            name=cmd.name,
            effective_from=cmd.effective_from,
            components=specs,
        )
    )
    return []


@handles(DefineTaxTable)
def define_tax_table(cmd: DefineTaxTable, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    event = ctx.event(
        TaxTableDefined,
        effective_from=cmd.effective_from,
        basis=cmd.basis,
        slabs=tuple(SlabSpec(lower=s.lower, rate_percent=s.rate_percent) for s in cmd.slabs),
        standard_deduction=cmd.standard_deduction,
    )
    to_table(event)  # slabs checked: start at 0, increasing, rates 0..100
    uow.get(TaxTables, TAX_STREAM).trigger(event)
    return []


@handles(AssignSalary)
def assign_salary(cmd: AssignSalary, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    emp = employee_of(uow, cmd.employee)
    structure_of(uow, cmd.structure, cmd.effective)
    check_money(cmd.base_pay, base, "base_pay", positive=False)
    record_change(
        ctx,
        emp,
        cmd.effective,
        {"salary_structure": cmd.structure, "base_pay": f"{cmd.base_pay:f}"},
        "salary assigned",
    )
    return []


# --- the run ------------------------------------------------------------------------------------


def month_period(month: str) -> PayPeriod:
    year, m = month.split("-")
    return PayPeriod.month(int(year), int(m))


def group_period(uow: UnitOfWork, period: str, group: str) -> tuple[PayPeriod, str]:
    """The dates of a run's period in its pay group, and the group's frequency."""
    defined = uow.get(PayGroups, PAY_GROUPS_STREAM).groups.get(group)
    frequency = defined.frequency if defined is not None else "monthly"
    anchor = defined.anchor if defined is not None else None
    try:
        return pay_period(period, frequency, anchor), frequency
    except PayrollError as exc:
        raise ValidationError(exc.field, exc.reason) from None


def _months_between(start: dt.date, period: PayPeriod) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) < (period.start.year, period.start.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Computed:
    record: EmployeeRecord
    version: StructureVersion
    slip: Payslip


def _tax_position(
    uow: UnitOfWork, employee: str, period: PayPeriod, frequency: str = "monthly"
) -> TaxPosition | None:
    found = uow.get(TaxTables, TAX_STREAM).in_force(period.end, frequency)
    if found is None:
        return None
    basis, table = found
    factor = table_factor(basis, frequency)
    if factor is not None:  # another frequency's table, scaled to this run's period
        return TaxPosition(table=scaled(table, factor), remaining_months=1)
    if basis != "annual":
        return TaxPosition(table=table, remaining_months=1)
    _, fy_start, fy_end = periods.fiscal_year_bounds(
        period.start, company_of(uow).fiscal_year_start
    )
    remaining = (fy_end.year - period.start.year) * 12 + fy_end.month - period.start.month + 1
    taxable = withheld = ZERO
    for month in _months_between(fy_start, period):
        slip = posted_slip(uow, month, employee)
        if slip is not None:
            taxable += slip.taxable
            withheld += slip.tax
    return TaxPosition(
        table=table,
        remaining_months=remaining,
        taxable_to_date=taxable,
        tax_withheld_to_date=withheld,
    )


def _leave_and_overtime(
    uow: UnitOfWork, emp: Employee, number: str, period: PayPeriod
) -> tuple[tuple[LeaveDay, ...], Decimal]:
    """The month's leave days (recorded leave, approved requests, absences) and overtime hours."""
    account = uow.get(LeaveAccount, leave_stream(number))
    days = [
        (day, fraction, leave_type)
        for day, (fraction, leave_type) in emp.leave.items()
        if period.start <= day <= period.end
    ]
    days += account.approved_days(period.start, period.end)
    attendance = [a for d, a in account.attendance.items() if period.start <= d <= period.end]
    days += unpaid_attendance(attendance)
    overtime = sum((a.overtime_hours for a in attendance), ZERO)
    return tuple(LeaveDay(d, f, t) for d, f, t in sorted(days)), overtime


def pay_groups(uow: UnitOfWork) -> list[str]:
    """Every pay group's code, "" (the default group) first."""
    return ["", *sorted(uow.get(PayGroups, PAY_GROUPS_STREAM).groups)]


def posted_slip(
    uow: UnitOfWork, month: str, employee: str, skip: str | None = None
) -> PayslipIssued | None:
    """The employee's payslip in a posted run of the month, whatever the pay group."""
    for group in pay_groups(uow):
        if group == skip:
            continue
        slip = uow.get(PayrollRun, run_stream(month, group)).slips.get(employee)
        if slip is not None:
            return slip
    return None


def paid_elsewhere(
    uow: UnitOfWork, employee: str, period: PayPeriod, pay_group: str
) -> tuple[PaidElsewhere, ...]:
    """The days of `period` the employee's payslips in posted (not reversed) runs of the other
    pay groups, whatever their frequency, have paid already."""
    groups = uow.get(PayGroups, PAY_GROUPS_STREAM).groups
    out: list[PaidElsewhere] = []
    for group in pay_groups(uow):
        if group == pay_group:  # a group's own periods never overlap
            continue
        defined = groups.get(group)
        frequency = defined.frequency if defined is not None else "monthly"
        anchor = defined.anchor if defined is not None else None
        for other in periods_touching(period.start, period.end, frequency, anchor):
            slip = uow.get(PayrollRun, run_stream(other, group)).slips.get(employee)
            if slip is None:
                continue
            dates = pay_period(other, frequency, anchor)
            start, end = max(dates.start, period.start), min(dates.end, period.end)
            out.append(PaidElsewhere(start, end, slip.run, other))
    return tuple(out)


def compute_run(uow: UnitOfWork, month: str, pay_group: str = "") -> list[Computed]:
    """Every payslip of the month for the pay group, checked; refuses when anyone cannot be
    paid, or has been paid for the same period in another group's run. Days another group's
    posted payslip of another period has paid (a move between frequencies) are not paid
    again; an employee whose every day of the period is paid so has no payslip."""
    conf = settings_of(uow).check()
    period, frequency = group_period(uow, month, pay_group)
    out: list[Computed] = []
    for number in uow.get(EmployeeNumbers, NUMBERS_STREAM).issued:
        emp = uow.get(Employee, f"employee:{number}")
        record = emp.as_of(period.end)
        if record is None or (
            record.leaving_date is not None and record.leaving_date < period.start
        ):
            continue
        if record.pay_group != pay_group:
            continue
        where = f"employees.{number}"
        elsewhere = posted_slip(uow, month, number, skip=pay_group)
        if elsewhere is not None:
            raise ValidationError(
                where,
                f"is paid for {month} already by run {elsewhere.run} "
                f"(pay group {elsewhere.pay_group or 'default'}): days {period} paid",
            )
        if not record.salary_structure:
            raise ValidationError(where, f"has no salary structure on {period.end} (assign_salary)")
        covered = paid_elsewhere(uow, number, period, pay_group)
        basis = ProrationBasis(conf.proration)
        if covered:
            try:
                left = payment_days(
                    period, record.joining_date, record.leaving_date, (), basis, None, covered
                )
            except PayrollError as exc:
                raise ValidationError(f"{where}.{exc.field}", exc.reason) from None
            if left.employed_days == 0:
                continue
        version = structure_of(uow, record.salary_structure, period.end, where)
        leave, overtime = _leave_and_overtime(uow, emp, number, period)
        variables = (
            {"overtime_hours": overtime} if "overtime_hours" in version.structure.variables else {}
        )
        try:
            slip = compute_payslip(
                SlipInput(
                    employee=number,
                    period=period,
                    structure=version.structure,
                    base=record.base_pay,
                    joining_date=record.joining_date,
                    leaving_date=record.leaving_date,
                    leave=leave,
                    variables=variables,
                    basis=basis,
                    cost_centres={record.cost_centre: Decimal(100)} if record.cost_centre else {},
                    tax=_tax_position(uow, number, period, frequency),
                    tax_component=TAX_COMPONENT,
                    paid_elsewhere=covered,
                )
            )
        except (PayrollError, FormulaError) as exc:
            raise ValidationError(f"{where}.{exc.field}", exc.reason) from None
        out.append(Computed(record, version, slip))
    if not out:
        group = f" in pay group {pay_group}" if pay_group else ""
        raise ValidationError("month", f"nobody is employed in {month}{group}")
    return out


def run_journal(uow: UnitOfWork, computed: list[Computed], base: str) -> list[PostedLine]:
    conf = settings_of(uow).check()
    chart = chart_of(uow)
    by_structure: dict[tuple[str, dt.date], list[Computed]] = defaultdict(list)
    for c in computed:
        by_structure[(c.version.structure.code, c.version.effective_from)].append(c)
    totals: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for group in by_structure.values():
        specs = group[0].version.specs
        payables = {s.code: s.payable_account for s in specs if s.payable_account}
        for code, account in payables.items():
            if account == conf.salaries_payable:
                raise ValidationError(
                    f"structure.{code}",
                    f"pays into {account}, the net salaries account; give it its own liability",
                )
        accounts = AccrualAccounts(
            salary_expense=conf.salary_expense,
            salaries_payable=conf.salaries_payable,
            tax_payable=conf.tax_payable,
            contribution_expense=conf.contribution_expense,
            expense_accounts={s.code: s.expense_account for s in specs if s.expense_account},
            payable_accounts=payables,
        )
        try:
            lines = accrual_journal([c.slip for c in group], accounts)
        except (PayrollError, FormulaError) as exc:
            raise ValidationError(exc.field, exc.reason) from None
        for ln in lines:
            totals[(ln.account, ln.cost_centre, ln.component, ln.party)] += ln.debit - ln.credit
    out: list[PostedLine] = []
    for (account, cc, component, party), amount in sorted(
        totals.items(), key=lambda kv: (kv[1] < 0, kv[0])
    ):
        if not amount:
            continue
        chart.check_postable(account, base, "accounts")
        dims = {"cost_centre": cc} if cc else {}
        if dims:
            chart.check_dimensions(dims, "cost_centre")
        memo = f"net salary {party}" if party else component or None
        out.append(gl(account, amount, base, memo, dims, party or None))
    return out


@held_amount("payroll_run")
def run_cost(fields: Mapping[str, Any], uow: UnitOfWork) -> Decimal:
    """What a payroll run's approval thresholds compare: what the run costs, the debits of
    its accrual voucher (gross pay and employer contributions), computed as the run would."""
    cmd = RunPayroll.model_validate(dict(fields))
    base = _check_two_places(uow)
    group = uow.get(PayGroups, PAY_GROUPS_STREAM).check(cmd.pay_group)
    lines = run_journal(uow, compute_run(uow, cmd.month, group), base)
    return sum((line.base for line in lines if line.base > 0), ZERO)


def _slip_event(
    ctx: Context, run: str, month: str, c: Computed, number: str | None = None, group: str = ""
) -> PayslipIssued:
    s = c.slip
    tax = sum((ln.amount for ln in s.lines if ln.kind is LineKind.TAX), ZERO)
    return ctx.event(
        PayslipIssued,
        run=run,
        month=month,
        employee=s.employee,
        structure=c.version.structure.code,
        cost_centre=c.record.cost_centre,
        department=c.record.department,
        working_days=s.days.working_days,
        payment_days=s.days.payment_days,
        reasons=s.days.reasons,
        lines=tuple(
            SlipLineOut(
                code=ln.code, kind=str(ln.kind), amount=ln.amount, full_amount=ln.full_amount
            )
            for ln in s.lines
        ),
        gross=s.gross,
        deductions=s.total_deductions,
        taxable=s.taxable_income,
        tax=tax,
        net=s.net,
        employer_contributions=s.employer_contributions,
        payslip=number,
        pay_group=group,
        period_start=s.period.start if not MONTH_RE.match(month) else None,
        period_end=s.period.end if not MONTH_RE.match(month) else None,
    )


@handles(RunPayroll)
def run_payroll(cmd: RunPayroll, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    group = uow.get(PayGroups, PAY_GROUPS_STREAM).check(cmd.pay_group)
    period, _frequency = group_period(uow, cmd.month, group)
    date = cmd.date or period.end
    if not period.start <= date <= period.end + dt.timedelta(days=31):
        raise ValidationError("date", f"{date} is not in or just after {cmd.month}")
    check_period(uow, date)
    run = uow.get(PayrollRun, run_stream(cmd.month, group))
    if run.posted is not None:
        raise ValidationError(
            "month", f"payroll for {cmd.month}{_of(group)} is already posted as {run.posted.run}"
        )
    computed = compute_run(uow, cmd.month, group)
    lines = run_journal(uow, computed, base)
    if cmd.dry_run:
        number = placeholder(uow, "PR", date)
        raise PayrollPreview(
            number,
            cmd.month,
            [_slip_event(ctx, number, cmd.month, c, None, group) for c in computed],
            lines,
        )
    document = post_document(
        uow,
        series="PR",
        kind="payroll_accrual",
        date=date,
        memo=f"Payroll {cmd.month}{_of(group)}",
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )
    slips = [
        _slip_event(
            ctx,
            document,
            cmd.month,
            c,
            next_document(uow, "PS", date, ctx.actor, ctx.now),
            group,
        )
        for c in computed
    ]
    for slip in slips:
        run.trigger(slip)
    run.trigger(
        ctx.event(
            PayrollRunPosted,
            run=document,
            month=cmd.month,
            date=date,
            employees=len(slips),
            gross=sum((s.gross for s in slips), ZERO),
            net=sum((s.net for s in slips), ZERO),
            tax=sum((s.tax for s in slips), ZERO),
            employer_contributions=sum((s.employer_contributions for s in slips), ZERO),
            liabilities=run_liabilities(uow, computed, lines),
            pay_group=group,
        )
    )
    return [document, *(s.payslip for s in slips if s.payslip)]


def run_liabilities(
    uow: UnitOfWork, computed: list[Computed], lines: list[PostedLine]
) -> dict[str, Decimal]:
    """What the run's voucher leaves owed to the authorities, per liability account: the tax
    payable and every deduction's and contribution's payable account (net of any refund)."""
    conf = settings_of(uow).check()
    accounts = {conf.tax_payable} | {
        s.payable_account for c in computed for s in c.version.specs if s.payable_account
    }
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln.account in accounts:
            owed[ln.account] -= ln.base
    return {a: v for a, v in sorted(owed.items()) if v}


def _of(group: str) -> str:
    return f" (pay group {group})" if group else ""


def posted_run(
    uow: UnitOfWork, month: str, pay_group: str | None
) -> tuple[PayrollRun, PayrollRunPosted]:
    group = uow.get(PayGroups, PAY_GROUPS_STREAM).check(pay_group)
    run = uow.get(PayrollRun, run_stream(month, group))
    if run.posted is None:
        raise NotFound(f"month: no payroll is posted for {month}{_of(group)}")
    return run, run.posted


@dataclass
class _OpenSlip:
    run: PayrollRun
    employee: str

    @property
    def open_amount(self) -> Decimal:
        return self.run.open_amount(self.employee)


@handles(PaySalaries)
def pay_salaries(cmd: PaySalaries, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    conf = settings_of(uow).check()
    run, posted = posted_run(uow, cmd.month, cmd.pay_group)
    check_period(uow, cmd.date)
    if cmd.date < posted.date:
        raise ValidationError("date", f"is before the payroll date {posted.date}")
    bank = chart_of(uow).check_postable(cmd.bank_account, base, "bank_account")
    if bank.type != "asset":
        raise ValidationError("bank_account", f"{bank.code} is not an asset account")
    pay: dict[str, Decimal] = defaultdict(Decimal)
    if cmd.allocations:
        posted_date = posted.date

        def load(item: str) -> tuple[_OpenSlip, str, dt.date] | None:
            month, _, employee = item.partition("/")
            if month != cmd.month or employee not in run.slips:
                return None
            return _OpenSlip(run, employee), employee, posted_date

        by_employee: dict[str, list[tuple[int, object]]] = defaultdict(list)
        for i, a in enumerate(cmd.allocations):
            by_employee[a.invoice.partition("/")[2]].append((i, a))
        for employee, group in by_employee.items():
            allocations = [a for _, a in group]
            total = sum((a.amount for a in allocations), ZERO)  # type: ignore[attr-defined]
            for slip, amount in check_allocations(
                allocations,  # type: ignore[arg-type]
                load=load,
                party=employee,
                available=total,
                currency=base,
                date=cmd.date,
                noun=f"payslip of {cmd.month}; a",
            ):
                pay[slip.employee] += amount
    else:
        for employee in run.slips:
            if run.open_amount(employee) > 0:
                pay[employee] = run.open_amount(employee)
    if not pay:
        raise ValidationError("allocations", f"nothing of payroll {cmd.month} is open to pay")
    total = sum(pay.values(), ZERO)
    lines = [
        gl(conf.salaries_payable, amount, base, f"salary {cmd.month} {emp}", party=emp)
        for emp, amount in sorted(pay.items())
    ]
    lines.append(gl(cmd.bank_account, -total, base, f"salaries {cmd.month}"))
    document = post_document(
        uow,
        series="SP",
        kind="salary_payment",
        date=cmd.date,
        memo=f"Salaries {cmd.month}",
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )
    for emp, amount in sorted(pay.items()):
        run.trigger(
            ctx.event(
                SalaryPaid,
                run=posted.run,
                month=cmd.month,
                employee=emp,
                payment=document,
                date=cmd.date,
                amount=amount,
                bank_account=cmd.bank_account,
            )
        )
    return [document]


@handles(ReversePayrollRun)
def reverse_payroll_run(cmd: ReversePayrollRun, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    run, posted = posted_run(uow, cmd.month, cmd.pay_group)
    if any(run.paid.values()):
        raise ValidationError(
            "month", f"salaries of {cmd.month} have been paid; a paid run cannot be reversed"
        )
    if any(run.remitted.values()):
        raise ValidationError(
            "month",
            f"tax or contributions of {cmd.month} have been remitted; the run cannot be reversed",
        )
    if cmd.date < posted.date:
        raise ValidationError("date", f"is before the payroll date {posted.date}")
    check_period(uow, cmd.date)
    voucher = uow.get(journal.Voucher, journal.stream_id(posted.run))
    if voucher.posted is None:
        raise NotFound(f"run: voucher {posted.run} is missing")
    lines = [
        gl(ln.account, -ln.base, base, ln.memo, dict(ln.dimensions), ln.party)
        for ln in voucher.posted.lines
    ]
    document = post_document(
        uow,
        series="PRR",
        kind="payroll_reversal",
        date=cmd.date,
        memo=f"Reversal of payroll {cmd.month} ({posted.run}): {cmd.reason}",
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )
    run.trigger(
        ctx.event(
            PayrollRunReversed,
            run=posted.run,
            month=cmd.month,
            reversal=document,
            date=cmd.date,
            reason=cmd.reason,
        )
    )
    return [document]


@handles(RemitPayrollLiabilities)
def remit_payroll_liabilities(cmd: RemitPayrollLiabilities, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = _check_two_places(uow)
    run, posted = posted_run(uow, cmd.month, cmd.pay_group)
    check_period(uow, cmd.date)
    if cmd.date < posted.date:
        raise ValidationError("date", f"is before the payroll date {posted.date}")
    chart = chart_of(uow)
    bank = chart.check_postable(cmd.bank_account, base, "bank_account")
    if bank.type != "asset":
        raise ValidationError("bank_account", f"{bank.code} is not an asset account")
    pay: dict[str, Decimal] = {}
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        if line.account in pay:
            raise ValidationError(f"{where}.account", f"{line.account} is named twice")
        open_amount = run.open_liability(line.account)
        if line.account not in posted.liabilities:
            owed = ", ".join(sorted(posted.liabilities)) or "nothing"
            raise ValidationError(
                f"{where}.account",
                f"payroll {cmd.month} owes nothing on {line.account} (it owes on: {owed})",
            )
        amount = open_amount if line.amount is None else line.amount
        if line.amount is not None:
            check_money(line.amount, base, f"{where}.amount")
        if amount <= 0:
            raise ValidationError(
                f"{where}.amount", f"nothing of {line.account} is open for {cmd.month}"
            )
        if amount > open_amount:
            raise ValidationError(
                f"{where}.amount",
                f"{amount:f} exceeds the {open_amount:f} open on {line.account} for {cmd.month}",
            )
        pay[line.account] = amount
    total = sum(pay.values(), ZERO)
    memo = f"{cmd.authority} {cmd.month}"
    lines = [gl(account, amount, base, memo) for account, amount in pay.items()]
    lines.append(gl(cmd.bank_account, -total, base, memo))
    document = post_document(
        uow,
        series="PLR",
        kind="payroll_remit",
        date=cmd.date,
        memo=f"Payroll {cmd.month}: tax and contributions to {cmd.authority}",
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )
    for account, amount in pay.items():
        run.trigger(
            ctx.event(
                PayrollLiabilityRemitted,
                run=posted.run,
                month=cmd.month,
                payment=document,
                date=cmd.date,
                account=account,
                amount=amount,
                authority=cmd.authority,
                bank_account=cmd.bank_account,
            )
        )
    return [document]


__all__ = ["PayrollPreview", "payslip_id"]
