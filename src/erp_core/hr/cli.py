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


commands: list[click.Command] = []
reports: list[click.Command] = [
    report_employees,
    report_headcount,
    report_appraisals,
    report_recruitment,
]
