"""Reports of the currency area: `erp report rates`."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import FORMATS, Context, parse_date, pass_ctx
from erp_core.render import rows_out


@click.command("rates")
@click.option("--currency", help="Only this currency.")
@click.option("--as-of", callback=parse_date, help="The rate in force on this date.")
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


commands: list[click.Command] = []
reports: list[click.Command] = [report_rates]
