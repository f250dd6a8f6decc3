"""Operating the books: projection status and rebuilds, and the demo company."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from erp_core.cli_base import Context, pass_ctx
from erp_core.kernel.money import fmt
from erp_core.ledger.cli import balance_sheet_out, income_statement_out, trial_balance_out
from erp_core.render import new_table, print_table, rows_out


@click.group()
def projections() -> None:
    """Inspect and rebuild the read models."""


@projections.command("status")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def projections_status(state: Context, fmt_name: str) -> None:
    """Position and lag of each projection."""
    statuses = state.erp().projection_status()
    if fmt_name == "json":
        click.echo(json.dumps([s.model_dump() for s in statuses], indent=2))
        return
    table = new_table(title="Projections")
    for col in ("Name", "Position", "Log head", "Lag"):
        table.add_column(col, justify="left" if col == "Name" else "right")
    for s in statuses:
        table.add_row(s.name, str(s.position), str(s.head), str(s.lag))
    print_table(table, 0)


@projections.command("rebuild")
@click.argument("names", nargs=-1)
@pass_ctx
def projections_rebuild(state: Context, names: tuple[str, ...]) -> None:
    """Drop the named projections (default: all) and replay them from the log."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    erp = state.erp()
    head = erp.store.last_position()
    with Progress(
        TextColumn("rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("rebuild", total=head)
        read = erp.rebuild(
            list(names) or None,
            progress=lambda pos, top: bar.update(task, completed=pos, total=top),
        )
    click.echo(f"Rebuilt {', '.join(names) or 'all projections'}: {read} events replayed.")


@click.command()
@pass_ctx
def demo(state: Context) -> None:
    """Build a demo company's year of business through the public API and print its statements."""
    from erp_core.demo import build_demo

    erp = state.erp(create=True)
    try:
        year_label = build_demo(erp)
    except BaseException:
        state.discard_created()
        raise
    start, end = dt.date(year_label, 1, 1), dt.date(year_label, 12, 31)
    trial_balance_out(erp.trial_balance(end), "table")
    income_statement_out(erp.income_statement(start, end), "table")
    balance_sheet_out(erp.balance_sheet(end), "table")
    balance = erp.stock_balance(end)
    rows_out(
        f"Stock balance as of {end}; total {fmt(balance.total_value, balance.currency)}",
        list(balance.rows),
        ["item", "warehouse", "quantity", "value"],
        "table",
    )
    from erp_core.procurement.cli import payables_aging_out
    from erp_core.sales.cli import receivables_aging_out

    payables_aging_out(erp.payables_aging(end), "table")  # every column the report has
    receivables_aging_out(erp.receivables_aging(end), "table")
    margin = erp.margin("item", start, end)
    rows_out(
        f"Gross margin by item, {start} to {end}",
        [*margin.rows, margin.total],
        ["key", "revenue", "cost", "margin", "margin_percent"],
        "table",
    )
    forecast = erp.sales_forecast("WIDGET", 6)
    click.echo(
        f"Widget demand forecast ({forecast.method}, backtest MAPE {forecast.mape_percent}% "
        f"over {forecast.holdout_months} months): "
        + ", ".join(f"{p.month} {p.quantity}" for p in forecast.forecast)
    )
    for result in erp.check():
        click.echo(("ok    " if result.ok else "FAIL  ") + result.message)


commands: list[click.Command] = [projections, demo]
reports: list[click.Command] = []
