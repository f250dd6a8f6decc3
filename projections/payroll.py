"""The payroll projection: runs, payslips and their lines, salary payments; queries for the
payslip register, the payroll summary and the salaries-payable check.

Amounts are stored in minor units (exact integers). Payments and reversals update the payslip
rows they concern; events arrive in log order, so a slip is always inserted before it is paid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import gl_lines, metadata
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    update,
)

from erp_core.kernel.money import MINOR_UNITS, from_minor, minor_from_text
from erp_core.ledger.checks import _check
from erp_core.ledger.reports import CheckResult

payroll_config = Table(
    "payroll_config",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("salaries_payable", String(20), nullable=False),
    Column("tax_payable", String(20), nullable=False),
)
payroll_runs = Table(
    "payroll_runs",
    metadata,
    Column("run", String(32), primary_key=True),
    Column("month", String(7), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("employees", Integer, nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("employer_minor", BigInteger, nullable=False),
    Column("reversed_by", String(32)),
    Column("pay_group", String(32), nullable=False, server_default=""),
)
payroll_slips = Table(
    "payroll_slips",
    metadata,
    Column("run", String(32), primary_key=True),
    Column("employee", String(32), primary_key=True),
    Column("month", String(7), nullable=False, index=True),
    Column("structure", String(32), nullable=False),
    Column("cost_centre", String(32), nullable=False),
    Column("department", String(32), nullable=False),
    Column("working_days", String(40), nullable=False),
    Column("payment_days", String(40), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("deductions_minor", BigInteger, nullable=False),
    Column("taxable_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("employer_minor", BigInteger, nullable=False),
    Column("paid_minor", BigInteger, nullable=False),
    Column("reversed", Boolean, nullable=False),
)
payroll_slip_lines = Table(
    "payroll_slip_lines",
    metadata,
    Column("run", String(32), primary_key=True),
    Column("employee", String(32), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)
# The payroll sub-ledger of tax and contributions owed to the authorities: + what each run's
# voucher credits a liability account, - each remittance; rows of a reversed run are marked.
payroll_liabilities = Table(
    "payroll_liabilities",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("account", String(20), primary_key=True),
    Column("run", String(32), nullable=False, index=True),
    Column("month", String(7), nullable=False),
    Column("document", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("authority", String(200), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reversed", Boolean, nullable=False),
)
payroll_payments = Table(
    "payroll_payments",
    metadata,
    Column("payment", String(32), primary_key=True),
    Column("employee", String(32), primary_key=True),
    Column("run", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)


class PayrollProjection:
    name = "payroll"
    tables: Sequence[Table] = (
        payroll_config,
        payroll_runs,
        payroll_slips,
        payroll_slip_lines,
        payroll_payments,
        payroll_liabilities,
    )
    event_names = frozenset(
        {
            "PayrollLiabilityRemitted",
            "PayrollConfigured",
            "PayslipIssued",
            "PayrollRunPosted",
            "SalaryPaid",
            "PayrollRunReversed",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS.get(base_currency, 2)

        def m(text: Any) -> int:
            return minor_from_text(str(text), places)

        slips: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []

        def flush() -> None:
            insert_rows(conn, payroll_slips, slips)
            insert_rows(conn, payroll_slip_lines, lines)
            slips.clear()
            lines.clear()

        for position, _stream, name, e in records:
            if name == "PayslipIssued":
                slips.append(
                    (
                        e["run"],
                        e["employee"],
                        e["month"],
                        e["structure"],
                        e["cost_centre"],
                        e["department"],
                        e["working_days"],
                        e["payment_days"],
                        json.dumps(e["reasons"]),
                        m(e["gross"]),
                        m(e["deductions"]),
                        m(e["taxable"]),
                        m(e["tax"]),
                        m(e["net"]),
                        m(e["employer_contributions"]),
                        0,
                        False,
                    )
                )
                for i, ln in enumerate(e["lines"], start=1):
                    lines.append(
                        (e["run"], e["employee"], i, ln["code"], ln["kind"], m(ln["amount"]))
                    )
                continue
            flush()
            if name == "PayrollConfigured":
                conn.execute(payroll_config.delete())
                insert_rows(conn, payroll_config, [(1, e["salaries_payable"], e["tax_payable"])])
            elif name == "PayrollRunPosted":
                insert_rows(
                    conn,
                    payroll_runs,
                    [
                        (
                            e["run"],
                            e["month"],
                            e["date"],
                            e["employees"],
                            m(e["gross"]),
                            m(e["net"]),
                            m(e["tax"]),
                            m(e["employer_contributions"]),
                            None,
                            e.get("pay_group", ""),
                        )
                    ],
                )
                insert_rows(
                    conn,
                    payroll_liabilities,
                    [
                        (position, a, e["run"], e["month"], e["run"], e["date"], "", m(v), False)
                        for a, v in sorted((e.get("liabilities") or {}).items())
                    ],
                )
            elif name == "PayrollLiabilityRemitted":
                insert_rows(
                    conn,
                    payroll_liabilities,
                    [
                        (
                            position,
                            e["account"],
                            e["run"],
                            e["month"],
                            e["payment"],
                            e["date"],
                            e["authority"],
                            -m(e["amount"]),
                            False,
                        )
                    ],
                )
            elif name == "SalaryPaid":
                amount = m(e["amount"])
                insert_rows(
                    conn,
                    payroll_payments,
                    [(e["payment"], e["employee"], e["run"], e["month"], e["date"], amount)],
                )
                s = payroll_slips
                conn.execute(
                    update(s)
                    .where(s.c.run == e["run"], s.c.employee == e["employee"])
                    .values(paid_minor=s.c.paid_minor + amount)
                )
            else:  # PayrollRunReversed
                conn.execute(
                    update(payroll_runs)
                    .where(payroll_runs.c.run == e["run"])
                    .values(reversed_by=e["reversal"])
                )
                conn.execute(
                    update(payroll_slips)
                    .where(payroll_slips.c.run == e["run"])
                    .values(reversed=True)
                )
                conn.execute(
                    update(payroll_liabilities)
                    .where(payroll_liabilities.c.run == e["run"])
                    .values(reversed=True)
                )
        flush()


def projections() -> list[Projection]:
    return [PayrollProjection()]


# --- queries ---------------------------------------------------------------------------------


def _base(conn: Connection) -> str:
    from erp_core.projections.schema import company_info

    found = conn.execute(select(company_info.c.base_currency)).scalar()
    return str(found or "EUR")


class PayslipLine(BaseModel):
    code: str
    kind: str
    amount: Decimal


class PayslipRow(BaseModel):
    run: str
    month: str
    employee: str
    name: str
    department: str
    cost_centre: str
    structure: str
    working_days: Decimal
    payment_days: Decimal
    reasons: list[str]
    gross: Decimal
    deductions: Decimal
    taxable: Decimal
    tax: Decimal
    net: Decimal
    employer_contributions: Decimal
    paid: Decimal
    open: Decimal
    reversed: bool
    lines: list[PayslipLine]


def payslips(
    conn: Connection, month: str, employee: str | None = None, include_reversed: bool = False
) -> list[PayslipRow]:
    """The payslips of a month (the current run's; reversed runs' only when asked)."""
    from erp_core.projections.hr import hr_employees

    base = _base(conn)

    def d(minor: int) -> Decimal:
        return from_minor(int(minor), base)

    names: dict[str, str] = {
        e: n for e, n in conn.execute(select(hr_employees.c.employee, hr_employees.c.name))
    }
    s = payroll_slips
    query = select(s).where(s.c.month == month)
    if employee:
        query = query.where(s.c.employee == employee)
    if not include_reversed:
        query = query.where(s.c.reversed.is_(False))
    rows = conn.execute(query.order_by(s.c.run, s.c.employee)).mappings().all()
    lines: dict[tuple[str, str], list[PayslipLine]] = {}
    ln = payroll_slip_lines
    for r in conn.execute(
        select(ln)
        .where(ln.c.run.in_({r["run"] for r in rows}))
        .order_by(ln.c.run, ln.c.employee, ln.c.line_no)
    ).mappings():
        lines.setdefault((r["run"], r["employee"]), []).append(
            PayslipLine(code=r["code"], kind=r["kind"], amount=d(r["amount_minor"]))
        )
    return [
        PayslipRow(
            run=r["run"],
            month=r["month"],
            employee=r["employee"],
            name=names.get(r["employee"], ""),
            department=r["department"],
            cost_centre=r["cost_centre"],
            structure=r["structure"],
            working_days=Decimal(r["working_days"]),
            payment_days=Decimal(r["payment_days"]),
            reasons=json.loads(r["reasons"]),
            gross=d(r["gross_minor"]),
            deductions=d(r["deductions_minor"]),
            taxable=d(r["taxable_minor"]),
            tax=d(r["tax_minor"]),
            net=d(r["net_minor"]),
            employer_contributions=d(r["employer_minor"]),
            paid=d(r["paid_minor"]),
            open=d(r["net_minor"] - r["paid_minor"]),
            reversed=bool(r["reversed"]),
            lines=lines.get((r["run"], r["employee"]), []),
        )
        for r in rows
    ]


class RunSummaryRow(BaseModel):
    run: str
    month: str
    date: dt.date
    employees: int
    gross: Decimal
    tax: Decimal
    net: Decimal
    employer_contributions: Decimal
    paid: Decimal
    open: Decimal
    reversed_by: str | None


def _in_year(month: Any, year: int) -> Any:
    """Runs of a year: its months (YYYY-MM) and its ISO weeks (YYYYWww, weekly and fortnightly
    pay groups; a week belongs to its ISO year)."""
    return or_(month.like(f"{year:04d}-%"), month.like(f"{year:04d}W%"))


def payroll_summary(conn: Connection, year: int | None = None) -> list[RunSummaryRow]:
    """Every run (reversed ones marked), with what has been paid of it."""
    base = _base(conn)
    r = payroll_runs
    paid = dict(
        conn.execute(
            select(payroll_payments.c.run, func.sum(payroll_payments.c.amount_minor)).group_by(
                payroll_payments.c.run
            )
        ).all()
    )
    query = select(r).order_by(r.c.month, r.c.run)
    if year is not None:
        query = query.where(_in_year(r.c.month, year))
    out = []
    for row in conn.execute(query).mappings():
        p = int(paid.get(row["run"]) or 0)
        out.append(
            RunSummaryRow(
                run=row["run"],
                month=row["month"],
                date=row["date"],
                employees=row["employees"],
                gross=from_minor(row["gross_minor"], base),
                tax=from_minor(row["tax_minor"], base),
                net=from_minor(row["net_minor"], base),
                employer_contributions=from_minor(row["employer_minor"], base),
                paid=from_minor(p, base),
                open=from_minor(0 if row["reversed_by"] else row["net_minor"] - p, base),
                reversed_by=row["reversed_by"],
            )
        )
    return out


def salaries_payable_by_employee(conn: Connection) -> dict[str, Decimal]:
    """Net salaries still owed, per employee, from the payslips (the sub-ledger)."""
    base = _base(conn)
    s = payroll_slips
    rows = conn.execute(
        select(s.c.employee, func.sum(s.c.net_minor - s.c.paid_minor))
        .where(s.c.reversed.is_(False))
        .group_by(s.c.employee)
    ).all()
    return {e: from_minor(int(v), base) for e, v in rows if v}


def salaries_payable_check(conn: Connection) -> CheckResult:
    """The net salaries payable account (a credit balance) equals the open payslips, and the
    account's lines per employee (party) equal each employee's open payslips."""
    base = _base(conn)
    account = conn.execute(select(payroll_config.c.salaries_payable)).scalar()
    owed = salaries_payable_by_employee(conn)
    expected = sum(owed.values(), from_minor(0, base))  # 0.00, not 0, when nothing is owed
    if account is None:
        return _check("salaries payable", expected, Decimal(0), "payroll is not configured and")
    g = gl_lines
    per_party = {
        p: -from_minor(int(v), base)
        for p, v in conn.execute(
            select(g.c.party, func.sum(g.c.base_minor))
            .where(g.c.account == account)
            .group_by(g.c.party)
        ).all()
        if v
    }
    total = sum(per_party.values(), from_minor(0, base))
    result = _check(
        f"salaries payable ({account})",
        expected,
        total,
        "the net salaries account and the open payslips",
    )
    if result.ok and per_party != owed:
        wrong = sorted(k for k in set(per_party) | set(owed) if per_party.get(k) != owed.get(k))
        return CheckResult(
            name=result.name,
            ok=False,
            expected=expected,
            actual=total,
            message=f"{result.name}: the totals agree but these employees differ: "
            + ", ".join(wrong),
        )
    return result


def liabilities_owed(conn: Connection) -> dict[str, Decimal]:
    """Tax and contributions still owed to the authorities per liability account, from the
    runs and remittances (the payroll sub-ledger)."""
    base = _base(conn)
    t = payroll_liabilities
    rows = conn.execute(
        select(t.c.account, func.sum(t.c.amount_minor))
        .where(t.c.reversed.is_(False))
        .group_by(t.c.account)
        .order_by(t.c.account)
    ).all()
    return {a: from_minor(int(v), base) for a, v in rows}


def liabilities_checks(conn: Connection) -> list[CheckResult]:
    """Each payroll liability account's balance (a credit) equals what the payroll sub-ledger
    says is still owed on it (the runs' tax and contributions less the remittances)."""
    base = _base(conn)
    g = gl_lines
    out = []
    for account, owed in liabilities_owed(conn).items():
        balance = conn.execute(
            select(func.coalesce(func.sum(g.c.base_minor), 0)).where(g.c.account == account)
        ).scalar()
        out.append(
            _check(
                f"payroll liabilities ({account})",
                owed,
                -from_minor(int(balance or 0), base),
                "the account and the tax and contributions the payroll runs still owe",
            )
        )
    return out


class RemittanceRow(BaseModel):
    month: str
    run: str
    account: str
    owed: Decimal
    remitted: Decimal
    open: Decimal


def payroll_liabilities_report(conn: Connection, year: int | None = None) -> list[RemittanceRow]:
    """Per month and liability account: owed by the run, remitted, still open."""
    base = _base(conn)
    t = payroll_liabilities
    query = select(t).where(t.c.reversed.is_(False)).order_by(t.c.month, t.c.account)
    if year is not None:
        query = query.where(_in_year(t.c.month, year))
    acc: dict[tuple[str, str, str], list[int]] = {}
    for r in conn.execute(query).mappings():
        v = acc.setdefault((r["month"], r["run"], r["account"]), [0, 0])
        if r["document"] == r["run"]:
            v[0] += r["amount_minor"]
        else:
            v[1] -= r["amount_minor"]
    return [
        RemittanceRow(
            month=month,
            run=run,
            account=account,
            owed=from_minor(o, base),
            remitted=from_minor(p, base),
            open=from_minor(o - p, base),
        )
        for (month, run, account), (o, p) in sorted(acc.items())
    ]


def checks(conn: Connection) -> list[CheckResult]:
    """This area's reconciliations, run by `erp check` with every other area's: salaries
    payable against the open payslips (only once payroll is configured or has payslips), and
    each tax or contribution account against what the runs still owe on it."""
    configured = conn.execute(select(payroll_config.c.salaries_payable)).scalar()
    if configured is None and not salaries_payable_by_employee(conn):
        return []
    return [salaries_payable_check(conn), *liabilities_checks(conn)]


# --- registers and cost reports ---------------------------------------------------------------


class RegisterRow(BaseModel):
    """One employee's payslip in a run's register: every line by component code."""

    run: str
    month: str
    pay_group: str
    employee: str
    name: str
    department: str
    cost_centre: str
    payment_days: Decimal
    working_days: Decimal
    lines: dict[str, Decimal]
    gross: Decimal
    deductions: Decimal
    tax: Decimal
    net: Decimal
    employer_contributions: Decimal
    reversed: bool


def payroll_register(conn: Connection, run: str) -> list[RegisterRow]:
    """The register of one run (its voucher number, e.g. PR-2026-000001): a row per payslip
    with every component, and the totals row last (employee `TOTAL`)."""
    found = conn.execute(select(payroll_runs).where(payroll_runs.c.run == run)).mappings().first()
    if found is None:
        from erp_core.kernel.errors import NotFound

        raise NotFound(f"run: no payroll run {run!r}")
    slips = payslips(conn, found["month"], None, include_reversed=True)
    rows = []
    for s in slips:
        if s.run != run:
            continue
        rows.append(
            RegisterRow(
                run=run,
                month=s.month,
                pay_group=found["pay_group"] or "",
                employee=s.employee,
                name=s.name,
                department=s.department,
                cost_centre=s.cost_centre,
                payment_days=s.payment_days,
                working_days=s.working_days,
                lines={ln.code: ln.amount for ln in s.lines},
                gross=s.gross,
                deductions=s.deductions,
                tax=s.tax,
                net=s.net,
                employer_contributions=s.employer_contributions,
                reversed=s.reversed,
            )
        )
    if rows:
        totals: dict[str, Decimal] = {}
        for r in rows:
            for code, amount in r.lines.items():
                totals[code] = totals.get(code, Decimal(0)) + amount

        def total(field: str) -> Decimal:
            return sum((getattr(r, field) for r in rows), Decimal(0))

        rows.append(
            RegisterRow(
                run=run,
                month=rows[0].month,
                pay_group=rows[0].pay_group,
                employee="TOTAL",
                name="",
                department="",
                cost_centre="",
                payment_days=total("payment_days"),
                working_days=total("working_days"),
                lines=totals,
                gross=total("gross"),
                deductions=total("deductions"),
                tax=total("tax"),
                net=total("net"),
                employer_contributions=total("employer_contributions"),
                reversed=rows[0].reversed,
            )
        )
    return rows


class CostRow(BaseModel):
    group: str  # the department or cost centre ("" : none)
    component: str
    kind: str  # earning | employer_contribution
    amount: Decimal


def payroll_cost(
    conn: Connection,
    from_month: str,
    to_month: str,
    by: str = "department",
) -> list[CostRow]:
    """The employer's cost of the runs (not reversed) of `from_month`..`to_month`: earnings and
    employer contributions per department (or cost centre, with `by`) and component."""
    base = _base(conn)
    s, ln = payroll_slips, payroll_slip_lines
    key = s.c.department if by == "department" else s.c.cost_centre
    rows = conn.execute(
        select(key, ln.c.code, ln.c.kind, func.sum(ln.c.amount_minor))
        .select_from(ln.join(s, (ln.c.run == s.c.run) & (ln.c.employee == s.c.employee)))
        .where(
            s.c.reversed.is_(False),
            s.c.month >= from_month,
            s.c.month <= to_month,
            ln.c.kind.in_(("earning", "employer_contribution")),
        )
        .group_by(key, ln.c.code, ln.c.kind)
        .order_by(key, ln.c.kind, ln.c.code)
    ).all()
    return [
        CostRow(group=g or "", component=c, kind=k, amount=from_minor(int(v), base))
        for g, c, k, v in rows
        if v
    ]


class YearToDateRow(BaseModel):
    employee: str
    name: str
    months: int
    gross: Decimal
    taxable: Decimal
    tax: Decimal
    other_deductions: Decimal
    net: Decimal
    employer_contributions: Decimal
    paid: Decimal
    open: Decimal


def _ytd_bounds(year: int, to_month: str | None) -> tuple[str, str]:
    """The last month and the last ISO week a year-to-date up to `to_month` (a month or a
    week) takes: a month takes the weeks that end by its last day, a week the months that end
    by its Sunday."""
    if not to_month:
        return f"{year:04d}-12", f"{year:04d}W53"
    if "W" in to_month:
        sunday = dt.date.fromisocalendar(int(to_month[:4]), int(to_month[5:]), 7)
        month_end = dt.date(sunday.year, sunday.month, 1) - dt.timedelta(days=1)
        if (sunday + dt.timedelta(days=1)).day == 1:
            month_end = sunday  # the week ends on a month's last day
        return f"{month_end.year:04d}-{month_end.month:02d}", to_month
    y, m = int(to_month[:4]), int(to_month[5:])
    last_day = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    sunday = last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)
    iso_year, week, _ = sunday.isocalendar()
    return to_month, f"{iso_year:04d}W{week:02d}"


def year_to_date(
    conn: Connection, year: int, to_month: str | None = None, employee: str | None = None
) -> list[YearToDateRow]:
    """Per employee, the runs (not reversed) of the calendar year up to `to_month`: gross,
    taxable pay, tax, other deductions, net, employer contributions, paid and open."""
    from erp_core.projections.hr import hr_employees

    base = _base(conn)
    names: dict[str, str] = {
        e: n for e, n in conn.execute(select(hr_employees.c.employee, hr_employees.c.name))
    }
    s = payroll_slips
    last_month, last_week = _ytd_bounds(year, to_month)
    query = (
        select(
            s.c.employee,
            func.count(),
            func.sum(s.c.gross_minor),
            func.sum(s.c.taxable_minor),
            func.sum(s.c.tax_minor),
            func.sum(s.c.deductions_minor),
            func.sum(s.c.net_minor),
            func.sum(s.c.employer_minor),
            func.sum(s.c.paid_minor),
        )
        .where(
            s.c.reversed.is_(False),
            or_(
                and_(s.c.month >= f"{year:04d}-01", s.c.month <= last_month),
                and_(s.c.month.like(f"{year:04d}W%"), s.c.month <= last_week),
            ),
        )
        .group_by(s.c.employee)
        .order_by(s.c.employee)
    )
    if employee:
        query = query.where(s.c.employee == employee)
    out = []
    for emp, n, gross, taxable, tax, ded, net, employer, paid in conn.execute(query).all():

        def d(v: Any) -> Decimal:
            return from_minor(int(v or 0), base)

        out.append(
            YearToDateRow(
                employee=emp,
                name=names.get(emp, ""),
                months=int(n),
                gross=d(gross),
                taxable=d(taxable),
                tax=d(tax),
                other_deductions=d(int(ded or 0) - int(tax or 0)),
                net=d(net),
                employer_contributions=d(employer),
                paid=d(paid),
                open=d(int(net or 0) - int(paid or 0)),
            )
        )
    return out
