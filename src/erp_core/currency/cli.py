"""Reports of the currency area: `erp report rates`."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.render import rows_out


@click.command("rates")
@with_period("as_of")
@click.option("--currency", help="Only this currency.")
@click.option(
    "--as-of",
    callback=parse_date,
    help="The rates in force on this date: set on or before it (YYYY-MM-DD, inclusive).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_rates(
    state: Context, currency: str | None, as_of: dt.date | None, fmt_name: str
) -> None:
    """The exchange-rate table: every rate set, or those in force on a date (--as-of)."""
    from erp_core.projections.currency import rate_rows

    rows = state.erp().query(rate_rows, currency, as_of)
    title = "Exchange rates" + (f" in force on {as_of}" if as_of else "")
    rows_out(title, rows, ["currency", "date", "rate", "source"], fmt_name)


@click.command("fx-aging")
@with_period("as_of")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Everything up to and including this date (YYYY-MM-DD; default today).",
)
@click.option("--ledger", type=click.Choice(["payables", "receivables"]), help="Only one side.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_fx_aging(
    state: Context, as_of: dt.date | None, ledger: str | None, fmt_name: str
) -> None:
    """Open foreign-currency invoices by days past due, in their currency and in base."""
    from erp_core.projections.currency import foreign_aging

    day = as_of or dt.date.today()
    rows = state.erp().query(foreign_aging, day, ledger)
    columns = [
        "ledger", "party", "currency", "not_due", "days_1_30", "days_31_60", "days_61_90",
        "over_90", "total", "total_base",
    ]  # fmt: skip
    rows_out(f"Foreign-currency aging on {day}", rows, columns, fmt_name)


commands: list[click.Command] = []
reports: list[click.Command] = [report_rates, report_fx_aging]
