"""Reports of inventory: the stock ledger and the stock balance."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import AS_OF_HELP, FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.kernel.money import fmt
from erp_core.render import echo_json, rows_out


@click.command("stock-ledger")
@with_period("as_of")
@click.option("--item")
@click.option("--warehouse")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_stock_ledger(
    state: Context, item: str | None, warehouse: str | None, as_of: dt.date | None, fmt_name: str
) -> None:
    """Every stock movement with running quantity and value per item x warehouse."""
    rows = state.erp().stock_ledger(item, warehouse, as_of)
    rows_out(
        "Stock ledger",
        list(rows),
        [
            "date",
            "document",
            "item",
            "warehouse",
            "batch",
            "kind",
            "quantity",
            "value",
            "running_quantity",
            "running_value",
        ],
        fmt_name,
    )


@click.command("stock-balance")
@with_period("as_of")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option("--by-batch", is_flag=True, help="One row per batch.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_stock_balance(
    state: Context, as_of: dt.date | None, by_batch: bool, fmt_name: str
) -> None:
    """Quantity and value of every item in every warehouse as of a date."""
    balance = state.erp().stock_balance(as_of or dt.date.today(), by_batch)
    if fmt_name == "json":
        echo_json(balance)
        return
    rows_out(
        f"Stock balance as of {balance.as_of} ({balance.currency}); total "
        f"{fmt(balance.total_value, balance.currency)}",
        list(balance.rows),
        ["item", "warehouse", "batch", "quantity", "value"],
        fmt_name,
    )


commands: list[click.Command] = []
reports: list[click.Command] = [report_stock_ledger, report_stock_balance]
