"""Payroll on the command line: `erp payroll run|pay|reverse|check` and the reports
`payslips`, `payroll-summary`."""

from __future__ import annotations

import datetime as dt
import sys

import click

from erp_core.cli_base import FORMATS, Context, parse_date, pass_ctx
from erp_core.render import rows_out


@click.group("payroll")
def payroll() -> None:
    """Run payroll for a month, pay net salaries, reverse a run, check the liability."""


PAY_GROUP = click.option("--pay-group", help="The pay group's run (default: the default group).")


@payroll.command("run")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, help="Posting date (default month end).")
@click.option("--dry-run", is_flag=True, help="Show the payslips and journal; store nothing.")
@PAY_GROUP
@pass_ctx
def run(
    state: Context, month: str, date: dt.date | None, dry_run: bool, pay_group: str | None
) -> None:
    """Compute every active employee's payslip for MONTH (YYYY-MM; a weekly or fortnightly pay
    group's period as YYYYWww) and post one voucher."""
    from erp_core.payroll.handlers import PayrollPreview

    fields: dict[str, object] = {"month": month, "dry_run": dry_run}
    if date is not None:
        fields["date"] = date
    if pay_group:
        fields["pay_group"] = pay_group
    try:
        result = state.erp().run_payroll(**fields)
    except PayrollPreview as preview:
        _print_preview(preview)
        return
    click.echo(f"payroll {month} posted as {', '.join(result.documents)}")


def _print_preview(preview: object) -> None:
    from erp_core.payroll.handlers import PayrollPreview
    from erp_core.render import new_table, print_table

    assert isinstance(preview, PayrollPreview)
    table = new_table(f"Dry run: payroll {preview.month} ({preview.run}), nothing stored")
    for c in ("employee", "payment days", "gross", "deductions", "tax", "net", "employer"):
        table.add_column(c)
    for s in preview.slips:
        table.add_row(
            s.employee,
            f"{s.payment_days}/{s.working_days}",
            f"{s.gross:,.2f}",
            f"{s.deductions:,.2f}",
            f"{s.tax:,.2f}",
            f"{s.net:,.2f}",
            f"{s.employer_contributions:,.2f}",
        )
    print_table(table, 100)
    journal = new_table("Journal")
    for c in ("account", "cost centre", "party", "debit", "credit", "memo"):
        journal.add_column(c)
    for ln in preview.lines:
        journal.add_row(
            ln.account,
            ln.dimensions.get("cost_centre", ""),
            ln.party or "",
            f"{ln.base:,.2f}" if ln.base > 0 else "",
            f"{-ln.base:,.2f}" if ln.base < 0 else "",
            ln.memo or "",
        )
    print_table(journal, 100)


@payroll.command("pay")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, required=True)
@click.option("--bank-account", required=True)
@PAY_GROUP
@pass_ctx
def pay(
    state: Context, month: str, date: dt.date, bank_account: str, pay_group: str | None
) -> None:
    """Pay every open net salary of MONTH's run from the bank account."""
    result = state.erp().pay_salaries(
        month=month, date=date, bank_account=bank_account, pay_group=pay_group
    )
    click.echo(f"salaries {month} paid: {', '.join(result.documents)}")


@payroll.command("reverse")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, required=True)
@click.option("--reason", required=True)
@PAY_GROUP
@pass_ctx
def reverse(state: Context, month: str, date: dt.date, reason: str, pay_group: str | None) -> None:
    """Reverse MONTH's (unpaid, unremitted) run; the month can then be run again."""
    result = state.erp().reverse_payroll_run(
        month=month, date=date, reason=reason, pay_group=pay_group
    )
    click.echo(f"payroll {month} reversed by {', '.join(result.documents)}")


@payroll.command("remit")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, required=True)
@click.option("--bank-account", required=True)
@click.option("--authority", required=True, help="Who is paid (e.g. the tax office).")
@click.option(
    "--account",
    "accounts",
    multiple=True,
    required=True,
    help="A liability account to remit in full (repeat for several).",
)
@PAY_GROUP
@pass_ctx
def remit(
    state: Context,
    month: str,
    date: dt.date,
    bank_account: str,
    authority: str,
    accounts: tuple[str, ...],
    pay_group: str | None,
) -> None:
    """Pay MONTH's withheld tax or contributions still open on the accounts to the authority."""
    result = state.erp().remit_payroll_liabilities(
        month=month,
        date=date,
        bank_account=bank_account,
        authority=authority,
        lines=[{"account": a} for a in accounts],
        pay_group=pay_group,
    )
    click.echo(f"payroll {month} remitted to {authority}: {', '.join(result.documents)}")


@payroll.command("check")
@pass_ctx
def check(state: Context) -> None:
    """Net salaries payable (general ledger, per employee) equals the open payslips, and each
    tax or contribution account equals what the runs still owe on it."""
    from erp_core.projections.payroll import liabilities_checks, salaries_payable_check

    erp = state.erp()
    results = [erp.query(salaries_payable_check), *erp.query(liabilities_checks)]
    for result in results:
        click.echo(result.message)
    if not all(r.ok for r in results):
        sys.exit(1)


@click.command("payslips")
@click.argument("month")
@click.option("--employee", help="One employee's payslip, line by line.")
@click.option("--include-reversed", is_flag=True)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payslips(
    state: Context, month: str, employee: str | None, include_reversed: bool, fmt_name: str
) -> None:
    """The payslips of MONTH (YYYY-MM, or a week YYYYWww): every line, the totals and the
    payment days."""
    from erp_core.projections.payroll import payslips

    slips = state.erp().query(payslips, month, employee, include_reversed)
    if fmt_name == "table" and employee:
        from erp_core.render import new_table, print_table

        for s in slips:
            table = new_table(
                f"Payslip {s.month} {s.employee} {s.name} ({s.run}); paid "
                f"{s.payment_days} of {s.working_days} days"
            )
            table.add_column("line")
            table.add_column("kind")
            table.add_column("amount", justify="right")
            for ln in s.lines:
                table.add_row(ln.code, ln.kind, f"{ln.amount:,.2f}")
            for label, value in (
                ("gross", s.gross),
                ("deductions", s.deductions),
                ("net", s.net),
                ("employer contributions", s.employer_contributions),
            ):
                table.add_row(label, "", f"{value:,.2f}")
            for reason in s.reasons:
                table.add_row(reason, "", "")
            print_table(table, 80)
        return
    rows_out(
        f"Payslips {month}",
        slips,
        [
            "run",
            "employee",
            "name",
            "department",
            "cost_centre",
            "payment_days",
            "gross",
            "deductions",
            "tax",
            "net",
            "employer_contributions",
            "paid",
            "open",
        ],
        fmt_name,
    )


@click.command("payroll-summary")
@click.option("--year", type=int)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payroll_summary(state: Context, year: int | None, fmt_name: str) -> None:
    """Every payroll run: employees, gross, tax, net, employer costs, paid and open."""
    from erp_core.projections.payroll import payroll_summary

    rows_out(
        "Payroll runs",
        state.erp().query(payroll_summary, year),
        [
            "run",
            "month",
            "date",
            "employees",
            "gross",
            "tax",
            "net",
            "employer_contributions",
            "paid",
            "open",
            "reversed_by",
        ],
        fmt_name,
    )


@click.command("payslip")
@click.argument("employee")
@click.argument("month")
@pass_ctx
def report_payslip(state: Context, employee: str, month: str) -> None:
    """EMPLOYEE's payslip of MONTH (YYYY-MM, or a week YYYYWww), line by line (`erp document
    PS-...` renders it as HTML or PDF)."""
    from erp_core.kernel.errors import NotFound
    from erp_core.projections.payroll import payslips

    if not state.erp().query(payslips, month, employee, False):
        raise NotFound(f"no payslip of {employee} for {month}")
    click.get_current_context().invoke(
        report_payslips, month=month, employee=employee, include_reversed=False, fmt_name="table"
    )


@click.command("payroll-register")
@click.argument("run")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payroll_register(state: Context, run: str, fmt_name: str) -> None:
    """The register of RUN (its voucher, PR-...): a row per payslip, a column per component,
    the totals last. No personal data is shown."""
    from erp_core.projections.payroll import payroll_register
    from erp_core.render import csv_text, echo_json, print_rows

    rows = state.erp().query(payroll_register, run)
    if fmt_name == "json":
        echo_json([r.model_dump(mode="json") for r in rows])
        return
    codes: list[str] = []
    for r in rows:
        codes += [c for c in r.lines if c not in codes]
    fixed = ["employee", "name", "department", "payment_days"]
    totals = ["gross", "deductions", "net", "employer_contributions"]
    table = [
        {
            **{c: str(getattr(r, c)) for c in fixed},
            **{c: f"{r.lines[c]:f}" if c in r.lines else "" for c in codes},
            **{c: f"{getattr(r, c):f}" for c in totals},
        }
        for r in rows
    ]
    columns = fixed + codes + totals
    if fmt_name == "csv":
        click.echo(csv_text(table, columns), nl=False)
        return
    title = f"Payroll register {run}" + (f" ({rows[0].month})" if rows else "")
    if rows and rows[0].reversed:
        title += ", reversed"
    print_rows(
        title, [c.replace("_", " ") for c in columns], [[t[c] for c in columns] for t in table], 170
    )


@click.command("payroll-cost")
@click.option("--from-month", required=True, help="First month (YYYY-MM).")
@click.option("--to-month", help="Last month (YYYY-MM; default --from-month).")
@click.option(
    "--by",
    type=click.Choice(["department", "cost_centre"]),
    default="department",
    show_default=True,
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payroll_cost(
    state: Context, from_month: str, to_month: str | None, by: str, fmt_name: str
) -> None:
    """The employer's payroll cost (earnings and employer contributions) per department or cost
    centre and component, over the posted runs (reversed ones left out)."""
    from erp_core.kernel.commands import month_text
    from erp_core.projections.payroll import payroll_cost

    last = to_month or from_month
    for name, value in (("--from-month", from_month), ("--to-month", last)):
        try:
            month_text(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=name) from None
    rows = state.erp().query(payroll_cost, from_month, last, by)
    rows_out(
        f"Payroll cost by {by.replace('_', ' ')} {from_month}..{last}",
        rows,
        ["group", "component", "kind", "amount"],
        fmt_name,
    )


@click.command("payroll-ytd")
@click.option("--year", type=int, required=True)
@click.option("--to-month", help="Last month counted (YYYY-MM; default the year's last).")
@click.option("--employee", help="One employee only.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payroll_ytd(
    state: Context, year: int, to_month: str | None, employee: str | None, fmt_name: str
) -> None:
    """Year to date per employee: months paid, gross, taxable, tax, other deductions, net,
    employer contributions, paid and open."""
    from erp_core.projections.payroll import year_to_date

    rows = state.erp().query(year_to_date, year, to_month, employee)
    columns = [
        "employee",
        "name",
        "months",
        "gross",
        "taxable",
        "tax",
        "other_deductions",
        "net",
        "employer_contributions",
        "paid",
        "open",
    ]
    rows_out(f"Payroll year to date {year}", rows, columns, fmt_name)


@click.command("payroll-liabilities")
@click.option("--year", type=int)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payroll_liabilities(state: Context, year: int | None, fmt_name: str) -> None:
    """Tax and contributions per month and account: owed by the run, remitted, open."""
    from erp_core.projections.payroll import payroll_liabilities_report

    rows = state.erp().query(payroll_liabilities_report, year)
    rows_out(
        "Payroll liabilities",
        rows,
        ["month", "run", "account", "owed", "remitted", "open"],
        fmt_name,
    )


commands: list[click.Command] = [payroll]
reports: list[click.Command] = [
    report_payslips,
    report_payslip,
    report_payroll_summary,
    report_payroll_register,
    report_payroll_cost,
    report_payroll_ytd,
    report_payroll_liabilities,
]
