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


@payroll.command("run")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, help="Posting date (default month end).")
@click.option("--dry-run", is_flag=True, help="Show the payslips and journal; store nothing.")
@pass_ctx
def run(state: Context, month: str, date: dt.date | None, dry_run: bool) -> None:
    """Compute every active employee's payslip for MONTH (YYYY-MM) and post one voucher."""
    from erp_core.payroll.handlers import PayrollPreview

    fields: dict[str, object] = {"month": month, "dry_run": dry_run}
    if date is not None:
        fields["date"] = date
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
@pass_ctx
def pay(state: Context, month: str, date: dt.date, bank_account: str) -> None:
    """Pay every open net salary of MONTH's run from the bank account."""
    result = state.erp().pay_salaries(month=month, date=date, bank_account=bank_account)
    click.echo(f"salaries {month} paid: {', '.join(result.documents)}")


@payroll.command("reverse")
@click.argument("month")
@click.option("--date", "date", callback=parse_date, required=True)
@click.option("--reason", required=True)
@pass_ctx
def reverse(state: Context, month: str, date: dt.date, reason: str) -> None:
    """Reverse MONTH's (unpaid) run; the month can then be run again."""
    result = state.erp().reverse_payroll_run(month=month, date=date, reason=reason)
    click.echo(f"payroll {month} reversed by {', '.join(result.documents)}")


@payroll.command("check")
@pass_ctx
def check(state: Context) -> None:
    """Net salaries payable (general ledger, per employee) equals the open payslips."""
    from erp_core.projections.payroll import salaries_payable_check

    result = state.erp().query(salaries_payable_check)
    click.echo(result.message)
    if not result.ok:
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
    """The payslips of MONTH (YYYY-MM): every line, the totals and the payment days."""
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


commands: list[click.Command] = [payroll]
reports: list[click.Command] = [report_payslips, report_payroll_summary]
