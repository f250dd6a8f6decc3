"""The payslip as a business document (`PS-<fy>-nnnnnn`), built from the log.

A payslip is the `PayslipIssued` event carrying its number, read with what the log knew at the
payslip's last event: the employee's record as of the month's last day (name, position,
grade), the structure's component names, the payments of that payslip and a reversal of its
run. Personal data (national id, bank account for salary) is shown in fields whose label ends
with `PERSONAL_MARK` (" *"), so `--redact` can mask it and the verification block says so.

Registered with `builders.register` (documents come after payroll in the areas, so payroll
itself never imports documents).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from erp_core.documents.builders import (
    DocumentType,
    finish,
    formats,
    letterhead,
    not_found,
    register,
)
from erp_core.documents.log import LogView, Record
from erp_core.documents.model import PERSONAL_MARK, Column, Document, Party, Table
from erp_core.hr.employees import Employee, employee_stream
from erp_core.hr.events import PersonalDataRecorded
from erp_core.hr.personal import reveal
from erp_core.payroll.events import (
    PayrollRunPosted,
    PayrollRunReversed,
    PayslipIssued,
    SalaryPaid,
    SalaryStructureDefined,
)
from erp_core.payroll.structures import run_stream, structure_stream

ZERO = Decimal(0)
PREFIX = "PS"
KIND_TITLES = {
    "earning": "Earnings",
    "deduction": "Deductions",
    "tax": "Deductions",
    "loan": "Deductions",
    "employer_contribution": "Employer contributions",
    "statistical": "For information",
}


def _readable(view: LogView, e: PersonalDataRecorded) -> dict[str, str | None]:
    """The event's personal fields decrypted (`[erased]` once the employee's key is gone)."""
    with view.erp.reader.connect() as conn:
        return reveal(conn, e.employee, e.fields, e.encrypted)


def _find_slip(view: LogView, number: str) -> Record:
    for record in view.scan(PayslipIssued):
        event = record.event
        assert isinstance(event, PayslipIssued)
        if event.payslip == number:
            return record
    raise not_found(number)


def _component_names(view: LogView, slip: PayslipIssued, at: int, end: dt.date) -> dict[str, str]:
    versions = [
        e
        for p, e in view.of(structure_stream(slip.structure), SalaryStructureDefined)
        if p <= at and e.effective_from <= end
    ]
    if not versions:
        return {}
    version = max(versions, key=lambda e: e.effective_from)
    return {c.code: c.name or c.code for c in version.components}


def build_payslip(view: LogView, number: str) -> Document:
    found = _find_slip(view, number)
    slip = found.event
    assert isinstance(slip, PayslipIssued)
    run_records = view.stream(run_stream(slip.month, slip.pay_group))
    posted = next(
        (
            r.event
            for r in run_records
            if isinstance(r.event, PayrollRunPosted) and r.event.run == slip.run
        ),
        None,
    )
    if posted is None:  # the run's own event is in the same save; a log cut inside it
        raise not_found(number)

    def mine(r: Record) -> bool:
        e = r.event
        if isinstance(e, SalaryPaid):
            return e.run == slip.run and e.employee == slip.employee
        return isinstance(e, PayrollRunReversed | PayrollRunPosted) and e.run == slip.run

    own = [r for r in run_records if r.position >= found.position and mine(r)]
    at = max([found.position, *(r.position for r in own)])
    company, currency = letterhead(view, at)
    f = formats(view, "employee", slip.employee, at)

    emp = Employee(employee_stream(slip.employee))
    personal: dict[str, str | None] = {}
    for version, r in enumerate(view.stream(employee_stream(slip.employee)), start=1):
        if r.position > at:
            break
        if type(r.event) in emp.handlers:
            emp.apply(r.event)
        emp.version = version  # the record's changes are ordered by recording order
        if isinstance(r.event, PersonalDataRecorded):
            personal.update(_readable(view, r.event))
    month_end = slip.period_end or _month_end(slip.month)
    record = emp.as_of(month_end) if emp.hired is not None else None
    name = record.name if record else slip.employee
    names = _component_names(view, slip, at, month_end)

    def c(amount: Decimal) -> str:
        return f.money(amount, currency)

    groups: dict[str, list[dict[str, str]]] = {}
    for ln in slip.lines:
        title = KIND_TITLES.get(ln.kind, ln.kind)
        label = f.t("Income tax") if ln.kind == "tax" else names.get(ln.code, ln.code)
        groups.setdefault(title, []).append(
            {
                "code": ln.code,
                "component": label,
                "full": c(ln.full_amount),
                "amount": c(ln.amount),
            }
        )
    columns = (
        Column("code", f.t("Code")),
        Column("component", f.t("Component")),
        Column("full", f.t("Full month"), True),
        Column("amount", f.t("This period"), True),
    )
    tables = [
        Table("lines", f.t("Earnings"), columns, tuple(groups.get("Earnings", ()))),
        Table("deductions", f.t("Deductions"), columns, tuple(groups.get("Deductions", ()))),
    ]
    if groups.get("Employer contributions"):
        tables.append(
            Table(
                "employer",
                f.t("Employer contributions (not deducted from pay)"),
                columns,
                tuple(groups["Employer contributions"]),
            )
        )
    if groups.get("For information"):
        tables.append(
            Table(
                "statistical",
                f.t("For information"),
                columns,
                tuple(groups["For information"]),
            )
        )

    fields: list[tuple[str, str]] = [
        (f.t("Payslip number"), number),
        (f.t("Pay period"), slip.month),
        (f.t("Payment date"), f.date(posted.date)),
        (f.t("Payroll run"), slip.run),
        (f.t("Employee"), slip.employee),
    ]
    if record is not None:
        for label, value in (
            (f.t("Department"), record.department),
            (f.t("Position"), record.position),
            (f.t("Grade"), record.grade),
        ):
            if value:
                fields.append((label, value))
    if slip.cost_centre:
        fields.append((f.t("Cost centre"), slip.cost_centre))
    fields += [
        (f.t("Salary structure"), slip.structure),
        (f.t("Working days"), f.days(slip.working_days)),
        (f.t("Payment days"), f.days(slip.payment_days)),
        (f.t("Currency"), currency),
    ]
    for key, label in (("national_id", "National id"), ("bank_account", "Paid to account")):
        if personal.get(key):
            fields.append((f.t(label) + PERSONAL_MARK, str(personal[key])))

    paid = sum(
        (r.event.amount for r in own if isinstance(r.event, SalaryPaid)),
        ZERO,
    )
    reversal = next((r.event for r in own if isinstance(r.event, PayrollRunReversed)), None)
    if reversal is not None:
        status = f.t(
            "Reversed by {reversal} on {date}: {reason}",
            reversal=reversal.reversal,
            date=f.date(reversal.date),
            reason=reversal.reason,
        )
    elif paid >= slip.net:
        last = [r.event for r in own if isinstance(r.event, SalaryPaid)][-1]
        status = f.t("Paid on {date} ({payment})", date=f.date(last.date), payment=last.payment)
    elif paid > 0:
        status = f.t("Partly paid: {paid} of {net}", paid=c(paid), net=c(slip.net))
    else:
        status = f.t("Issued, not yet paid")

    notes: list[tuple[str, str]] = []
    if slip.reasons:
        notes.append((f.t("Payment days"), "\n".join(slip.reasons)))
    if any(label.endswith(PERSONAL_MARK) for label, _ in fields):
        notes.append((f.t("Personal data"), f.t("Fields marked * hold personal data.")))

    return finish(
        view,
        Document(
            type="payslip",
            title=f.t("Payslip"),
            number=number,
            date=posted.date,
            currency=currency,
            company=company,
            party=Party(role=f.t("Employee"), code=slip.employee, name=name),
            fields=tuple(fields),
            tables=tuple(tables),
            totals=(
                (f.t("Gross pay"), c(slip.gross)),
                (f.t("Taxable pay"), c(slip.taxable)),
                (f.t("Total deductions"), c(slip.deductions)),
                (f.t("Net pay"), c(slip.net)),
            ),
            notes=tuple(notes),
            status=status,
            figures={
                "gross": c(slip.gross),
                "taxable": c(slip.taxable),
                "tax": c(slip.tax),
                "deductions": c(slip.deductions),
                "net": c(slip.net),
                "employer": c(slip.employer_contributions),
                "paid": c(paid),
            },
            language=f.language,
            position=at,
        ),
    )


def _month_end(month: str) -> dt.date:
    year, mon = (int(x) for x in month.split("-"))
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


register(DocumentType(PREFIX, "payslip", "Payslip", build_payslip))
