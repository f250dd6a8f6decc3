"""Reports of production: work orders and the WIP check."""

from __future__ import annotations

import datetime as dt
import sys

import click

from erp_core.cli_base import (
    FORMATS,
    FROM_HELP,
    TO_HELP,
    Context,
    parse_date,
    pass_ctx,
    with_period,
)
from erp_core.render import echo_json, rows_out


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
@with_period("as_of")
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    help="List each work order's WIP from everything up to and including this date "
    "(YYYY-MM-DD) instead of the check.",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table")
@pass_ctx
def report_wip(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """WIP check: each WIP account equals its work orders' WIP; exit 1 on a difference.
    With --as-of: the WIP of every work order on that date."""
    from erp_core.projections.production import wip_as_of, wip_check

    if as_of is not None:
        rows = state.erp().query(wip_as_of, as_of)
        rows_out(f"WIP as of {as_of}", rows, ["document", "item", "wip_account", "wip"], fmt_name)
        return

    results = state.erp().query(wip_check)
    if fmt_name == "json":
        echo_json([r.model_dump(mode="json") for r in results])
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
        echo_json(report)
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


@click.command("cost-sheet")
@click.argument("work_order")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_cost_sheet(state: Context, work_order: str, fmt_name: str) -> None:
    """A work order's cost sheet: materials by item, hours by work centre, outputs, unit cost."""
    from erp_core.projections.production import cost_sheet

    sheet = state.erp().query(cost_sheet, work_order)
    if sheet is None:
        raise click.ClickException(f"unknown work order {work_order!r}")
    if fmt_name == "json":
        echo_json(sheet)
        return
    rows_out(
        f"Cost sheet {sheet.document}: {sheet.item} ({sheet.status}), planned "
        f"{sheet.planned_quantity}, good {sheet.good_quantity}, rejected "
        f"{sheet.rejected_quantity}",
        sheet.materials,
        [
            "item",
            "issued_quantity",
            "issued_value",
            "returned_quantity",
            "returned_value",
            "adjustments",
            "net_quantity",
            "net_value",
            "planned_quantity",
            "planned_value",
            "value_difference",
        ],
        fmt_name,
    )
    rows_out(
        "Labour and overhead",
        sheet.centres,
        [
            "work_centre",
            "hours",
            "labour",
            "overhead",
            "planned_hours",
            "planned_labour",
            "planned_overhead",
            "cost_difference",
        ],
        fmt_name,
    )
    rows_out("Outputs", sheet.outputs, ["item", "kind", "quantity", "value"], fmt_name)
    if sheet.variances:
        rows_out("Standard cost variances", sheet.variances, ["kind", "code", "amount"], fmt_name)
    if fmt_name == "table":
        for name in (
            "material_cost",
            "labour",
            "overhead",
            "value_in",
            "finished_goods",
            "by_products",
            "scrap",
            "variance",
            "wip",
            "unit_cost",
            "basis",
            "standard_unit_cost",
            "planned_total",
            "planned_unit_cost",
        ):
            click.echo(f"{name.replace('_', ' '):>18}: {getattr(sheet, name)}")


@click.command("yield")
@with_period("range", first="start", last="end")
@click.option("--from", "start", callback=parse_date, help=FROM_HELP)
@click.option("--to", "end", callback=parse_date, help=TO_HELP)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_yield(state: Context, start: dt.date | None, end: dt.date | None, fmt_name: str) -> None:
    """Yield and scrap % per item made, from receipts and rejections in the period."""
    from erp_core.projections.production import production_yield

    rows = state.erp().query(production_yield, start, end)
    rows_out(
        f"Yield {start or '…'} to {end or '…'}",
        rows,
        [
            "item",
            "work_orders",
            "good_quantity",
            "rejected_quantity",
            "scrap_output",
            "yield_pct",
            "scrap_pct",
        ],
        fmt_name,
    )


@click.command("schedule-adherence")
@with_period("as_of")
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    help="Judge open orders at the end of this date, inclusive (YYYY-MM-DD; default today).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_schedule(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """Planned (due) against actual completion dates of work orders."""
    from erp_core.projections.production import schedule_adherence

    as_of = as_of or dt.date.today()
    report = state.erp().query(schedule_adherence, as_of)
    if fmt_name == "json":
        echo_json(report)
        return
    rows_out(
        f"Schedule adherence as of {as_of}: {report.on_time} of {report.completed} completed "
        f"on time ({report.on_time_pct if report.on_time_pct is not None else '-'} %), "
        f"{report.overdue} overdue",
        report.rows,
        ["document", "item", "status", "due", "completed_on", "days_late", "state"],
        fmt_name,
    )


commands: list[click.Command] = []
reports: list[click.Command] = [
    report_work_orders,
    report_wip,
    report_production_plan,
    report_cost_sheet,
    report_yield,
    report_schedule,
]
