"""HR reports: employees as of a date (personal data marked; `--redact` masks it)."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.render import rows_out

COLUMNS = [
    "employee",
    "name",
    "joining_date",
    "leaving_date",
    "department",
    "position",
    "grade",
    "manager",
    "cost_centre",
    "salary_structure",
    "base_pay",
]
PERSONAL = ["birth_date", "national_id", "bank_account"]


@click.command("employees")
@with_period("as_of")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Records in force on this date, inclusive (YYYY-MM-DD; default today).",
)
@click.option("--redact", is_flag=True, help="Mask personal data (birth date, id, bank account).")
@click.option("--include-left", is_flag=True, help="Also list employees who have left.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_employees(
    state: Context, as_of: dt.date | None, redact: bool, include_left: bool, fmt_name: str
) -> None:
    """Employees and their effective-dated records; columns marked * are personal data."""
    from erp_core.projections.hr import employees_as_of

    day = as_of or dt.date.today()
    rows = state.erp().query(employees_as_of, day, redact, include_left)
    title = f"Employees as of {day} (* personal data{', redacted' if redact else ''})"
    if fmt_name == "table":
        from erp_core.render import new_table, print_table

        table = new_table(title)
        for c in COLUMNS:
            table.add_column(c)
        for c in PERSONAL:
            table.add_column(f"{c} *")
        for r in rows:
            data = r.model_dump()
            table.add_row(*("" if data[c] is None else str(data[c]) for c in COLUMNS + PERSONAL))
        print_table(table, 140)
        return
    rows_out(title, rows, COLUMNS + PERSONAL, fmt_name)


APPRAISAL_COLUMNS = [
    "employee",
    "name",
    "department",
    "kras",
    "self_score",
    "manager_score",
    "peers_score",
    "peers",
    "missing",
    "weighted",
    "final",
    "calibrated",
    "rating",
    "status",
]


@click.command("appraisals")
@click.argument("cycle")
@click.option(
    "--distribution", is_flag=True, help="Ratings per department instead of the appraisals."
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_appraisals(state: Context, cycle: str, distribution: bool, fmt_name: str) -> None:
    """A review cycle's appraisals: each part's score, the final score (missing parts
    renormalised, listed under `missing`), calibration and rating."""
    from erp_core.projections.hr import appraisals, rating_distribution

    if distribution:
        rows = state.erp().query(rating_distribution, cycle)
        rows_out(
            f"Ratings per department, cycle {cycle}",
            rows,
            ["department", "rating", "count", "share"],
            fmt_name,
        )
        return
    rows_a = state.erp().query(appraisals, cycle)
    rows_out(f"Appraisals, cycle {cycle}", rows_a, APPRAISAL_COLUMNS, fmt_name)


# `erp report reviews CYCLE`: the name for the same report.
report_reviews = click.Command(
    "reviews",
    callback=report_appraisals.callback,
    params=report_appraisals.params,
    help="A review cycle's appraisals (the same report as `appraisals`).",
)


RECRUITMENT_COLUMNS = [
    "requisition",
    "position",
    "department",
    "count",
    "status",
    "applied",
    "interviewed",
    "offered",
    "rejected",
    "hired",
    "vacancies",
    "acceptance_rate",
    "days_to_fill",
]


@click.command("recruitment")
@click.argument("requisition", required=False)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_recruitment(state: Context, requisition: str | None, fmt_name: str) -> None:
    """Requisitions: applicants by stage, vacancies, offer acceptance rate (%) and time to
    fill (days from approval to the acceptance that filled the count)."""
    from erp_core.projections.hr import recruitment

    rows = state.erp().query(recruitment, requisition)
    rows_out("Recruitment", rows, RECRUITMENT_COLUMNS, fmt_name)


@click.command("headcount")
@with_period("as_of", first="since")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Headcount at the end of this date, inclusive (YYYY-MM-DD; default today).",
)
@click.option(
    "--since",
    callback=parse_date,
    help="Joiners and leavers from this date to --as-of, both inclusive (default: the first "
    "of --as-of's month).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_headcount(
    state: Context, as_of: dt.date | None, since: dt.date | None, fmt_name: str
) -> None:
    """Headcount per department, joiners and leavers, open requisitions and vacancies."""
    from erp_core.projections.hr import headcount

    day = as_of or dt.date.today()
    rows = state.erp().query(headcount, day, since)
    columns = ["department", "headcount", "joiners", "leavers", "open_requisitions", "vacancies"]
    rows_out(f"Headcount on {day}", rows, columns, fmt_name)


@click.command("leave-balances")
@with_period("as_of")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Balances at the end of this date, inclusive (YYYY-MM-DD; default today).",
)
@click.option("--employee", help="One employee only.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_leave_balances(
    state: Context, as_of: dt.date | None, employee: str | None, fmt_name: str
) -> None:
    """Leave balances per employee and type: credited (allocations and accrual), taken,
    booked (approved later or pending) and the balance."""
    from erp_core.projections.hr import leave_balances

    day = as_of or dt.date.today()
    rows = state.erp().query(leave_balances, day, employee)
    columns = ["employee", "name", "leave_type", "credited", "taken", "booked", "balance"]
    rows_out(f"Leave balances on {day}", rows, columns, fmt_name)


@click.command("leave-requests")
@click.option(
    "--status", type=click.Choice(["pending", "approved", "rejected", "cancelled"]), default=None
)
@click.option("--employee", help="One employee only.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_leave_requests(
    state: Context, status: str | None, employee: str | None, fmt_name: str
) -> None:
    """Leave requests (LR-...): employee, type, dates, working days and status."""
    from erp_core.projections.hr import leave_requests

    rows = state.erp().query(leave_requests, status, employee)
    columns = [
        "request",
        "employee",
        "leave_type",
        "date_from",
        "date_to",
        "days",
        "status",
        "paid_fraction",
    ]
    rows_out("Leave requests", rows, columns, fmt_name)


@click.command("attendance")
@click.argument("month")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_attendance(state: Context, month: str, fmt_name: str) -> None:
    """Attendance of MONTH (YYYY-MM) per employee: present, half days, absent, hours and
    overtime hours (what payroll reads)."""
    from erp_core.kernel.commands import month_text
    from erp_core.projections.hr import attendance_summary

    try:
        month_text(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="MONTH") from None
    rows = state.erp().query(attendance_summary, month)
    columns = ["employee", "name", "present", "half_days", "absent", "hours", "overtime_hours"]
    rows_out(f"Attendance {month}", rows, columns, fmt_name)


commands: list[click.Command] = []
reports: list[click.Command] = [
    report_employees,
    report_leave_balances,
    report_leave_requests,
    report_attendance,
    report_headcount,
    report_appraisals,
    report_reviews,
    report_recruitment,
]
