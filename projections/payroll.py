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
    func,
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
    )
    event_names = frozenset(
        {
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

        for _position, _stream, name, e in records:
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
        query = query.where(r.c.month.like(f"{year:04d}-%"))
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


def checks(conn: Connection) -> list[CheckResult]:
    """This area's reconciliations, run by `erp check` with every other area's: salaries
    payable against the open payslips (only once payroll is configured or has payslips)."""
    configured = conn.execute(select(payroll_config.c.salaries_payable)).scalar()
    if configured is None and not salaries_payable_by_employee(conn):
        return []
    return [salaries_payable_check(conn)]
