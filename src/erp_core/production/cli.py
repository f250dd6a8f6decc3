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


@click.command("production-plan")
@click.argument("plan")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_production_plan(state: Context, plan: str, fmt_name: str) -> None:
    """A stored production plan: gross, on hand, on order, reserved, net, lots; planned orders."""
    from erp_core.projections.production import production_plan

    report = state.erp().query(production_plan, plan)
    if report is None:
        raise click.ClickException(f"unknown production plan {plan!r}")
    if fmt_name == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    title = f"Production plan {report.document} ({report.start} to {report.end}, of {report.date})"
    rows_out(
        title,
        report.rows,
        [
            "item",
            "low_level_code",
            "kind",
            "gross",
            "on_hand",
            "on_order",
            "reserved",
            "available",
            "net",
            "planned",
            "projected_end",
        ],
        fmt_name,
    )
    rows_out(
        f"Planned orders of {report.document}",
        report.orders,
        ["line", "kind", "item", "quantity", "shortage", "start", "due", "late", "work_order"],
        fmt_name,
    )


commands: list[click.Command] = []
reports: list[click.Command] = [report_work_orders, report_wip, report_production_plan]
