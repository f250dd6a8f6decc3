"""Reports of production: work orders and the WIP check."""

from __future__ import annotations

import json
import sys

import click

from erp_core.cli_base import FORMATS, Context, pass_ctx
from erp_core.render import rows_out


@click.command("work-orders")
@click.option("--status", help="Only work orders in this state (draft, released, ...).")
@click.option("--item", help="Only work orders making this item.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_work_orders(state: Context, status: str | None, item: str | None, fmt_name: str) -> None:
    """Work orders: quantities, materials, labour, overhead, receipts, variance and WIP."""
    from erp_core.projections.production import work_orders

    rows = state.erp().query(work_orders, status, item)
    rows_out(
        "Work orders",
        rows,
        [
            "document",
            "item",
            "bom_version",
            "status",
            "quantity",
            "good_quantity",
            "materials",
            "returned",
            "labour",
            "overhead",
            "received",
            "variance",
            "wip",
            "unit_cost",
        ],
        fmt_name,
    )


@click.command("wip")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def report_wip(state: Context, fmt_name: str) -> None:
    """WIP check: each WIP account equals its work orders' WIP; exit 1 on a difference."""
    from erp_core.projections.production import wip_check

    results = state.erp().query(wip_check)
    if fmt_name == "json":
        click.echo(json.dumps([r.model_dump(mode="json") for r in results], indent=2))
    else:
        if not results:
            click.echo("no work orders")
        for r in results:
            click.echo(("ok    " if r.ok else "FAIL  ") + r.message)
    if not all(r.ok for r in results):
        sys.exit(1)


commands: list[click.Command] = []
reports: list[click.Command] = [report_work_orders, report_wip]
