"""Commands of insight: ``erp ocel-export`` and the reports ``process``, ``conformance``, ``kpi``.

The export is a root command of its own (``erp ocel-export FILE``) rather than a subcommand of
the audit area's ``export`` group, which only audit/cli.py defines.
"""

from __future__ import annotations

import datetime as dt

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
from erp_core.render import echo_json, new_table, print_table

TIME = click.Choice(["recorded", "effective"])


def _hours(d: dt.timedelta) -> str:
    return f"{d.total_seconds() / 3600:.1f}h"


@click.command("ocel-export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt_name", type=click.Choice(["json", "sqlite"]), default="json")
@click.option("--from", "date_from", callback=parse_date, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=parse_date, help="Last day (YYYY-MM-DD).")
@click.option("--time", "basis", type=TIME, default="recorded", show_default=True)
@pass_ctx
def ocel_export(
    state: Context,
    file: str,
    fmt_name: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    basis: str,
) -> None:
    """Write the book as an OCEL 2.0 object-centric event log (JSON or SQLite)."""
    from erp_core.insight.reports import export_ocel

    log = export_ocel(
        state.erp(), file, fmt_name, basis=basis, date_from=date_from, date_to=date_to
    )
    click.echo(
        f"wrote {file}: {len(log.events)} events, {len(log.objects)} objects, "
        f"{log.e2o_count} event-object and {log.o2o_count} object-object relations "
        f"({basis} times)"
    )


@click.command("process")
@with_period("range")
@click.option("--object-type", required=True, help="e.g. purchase_order, sales_order.")
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option("--time", "basis", type=TIME, default="recorded", show_default=True)
@click.option("--plot", type=click.Path(dir_okay=False), help="Write a PNG chart (needs 'plot').")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_process(
    state: Context,
    object_type: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    basis: str,
    plot: str | None,
    fmt_name: str,
) -> None:
    """Cycle times, waits, bottlenecks, rework and variants of one object type."""
    from erp_core.insight.reports import load_log, process_report, to_plain

    log = load_log(state.erp(), basis, date_from, date_to)
    rep = process_report(log, object_type, basis)
    if plot:
        from erp_core.insight.charts import plot_process

        plot_process(rep, plot)
    if fmt_name == "json":
        echo_json(to_plain(rep))
        return
    if fmt_name == "csv":
        from erp_core.render import csv_text

        rows = [
            {
                "source": a.source,
                "target": a.target,
                "count": a.count,
                "mean_wait_s": a.waits.mean.total_seconds(),
                "max_wait_s": a.waits.max.total_seconds(),
            }
            for a in rep.arrows
        ]
        click.echo(
            csv_text(rows, ["source", "target", "count", "mean_wait_s", "max_wait_s"]), nl=False
        )
        return
    s = rep.cycle.stats
    cycle = (
        "none finished"
        if s is None
        else (
            f"p50 {_hours(s.median)}, p90 {_hours(s.p90)}, max {_hours(s.max)}, "
            f"mean {_hours(s.mean)}"
        )
    )
    click.echo(
        f"{object_type} ({basis} times): {rep.cases} cases, {rep.finished} finished, "
        f"{rep.in_progress} in progress; cycle time {cycle}"
    )
    table = new_table("Waiting time between steps (bottleneck first)")
    for col in ("from", "to", "count", "mean wait", "total wait"):
        table.add_column(col)
    for b in rep.bottlenecks:
        table.add_row(b.source, b.target, str(b.count), _hours(b.mean_wait), _hours(b.score))
    print_table(table, 140)
    table = new_table("Variants")
    table.add_column("count")
    table.add_column("steps")
    for v in rep.variants:
        table.add_row(str(v.count), " > ".join(v.activities))
    print_table(table, 200)
    r = rep.rework
    click.echo(
        f"rework: {r.rework_count} repeated steps on {r.objects_with_rework} objects; "
        f"{len(r.cancelled)} cancelled or reversed"
    )


@click.command("conformance")
@with_period("range")
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option("--time", "basis", type=TIME, default="recorded", show_default=True)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_conformance(
    state: Context, date_from: dt.date | None, date_to: dt.date | None, basis: str, fmt_name: str
) -> None:
    """Breaches: payment before approval, invoice before receipt, same actor both steps."""
    from erp_core.insight.reports import conformance, load_log, to_plain
    from erp_core.render import csv_text

    breaches = conformance(load_log(state.erp(), basis, date_from, date_to))
    rows = [
        {"rule": b.rule, "object": b.object_id, "events": " ".join(b.event_ids), "why": b.reason}
        for b in breaches
    ]
    if fmt_name == "json":
        echo_json(to_plain(breaches))
    elif fmt_name == "csv":
        click.echo(csv_text(rows, ["rule", "object", "events", "why"]), nl=False)
    else:
        table = new_table(f"Conformance breaches: {len(rows)} ({basis} times)")
        for col in ("rule", "object", "events", "why"):
            table.add_column(col)
        for row in rows:
            table.add_row(*row.values())
        print_table(table, 160)


@click.command("kpi")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_kpi(state: Context, date_from: dt.date, date_to: dt.date, fmt_name: str) -> None:
    """Gross margin, DSO, DIO, DPO and the cash-conversion cycle (ledger, effective dates)."""
    from erp_core.insight.reports import kpis_of, to_plain
    from erp_core.render import csv_text

    rep = kpis_of(state.erp(), date_from, date_to)
    rows = [
        {
            "kpi": k.name,
            "value": "" if k.value is None else format(k.value, "f"),
            "unit": k.unit,
            "formula": k.formula,
            "note": k.reason or "",
        }
        for k in rep.figures()
    ]
    if fmt_name == "json":
        echo_json(to_plain(rep))
        return
    if fmt_name == "csv":
        click.echo(csv_text(rows, ["kpi", "value", "unit", "formula", "note"]), nl=False)
        return
    click.echo(
        f"{rep.date_from} to {rep.date_to} ({rep.days} days, {rep.currency}): revenue "
        f"{rep.revenue:f}, COGS {rep.cogs:f}, gross margin {rep.gross_margin:f}; closing "
        f"receivables {rep.receivables:f}, payables {rep.payables:f}, inventory {rep.inventory:f}"
    )
    table = new_table("KPIs")
    for col in ("kpi", "value", "unit", "formula", "note"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row.values())
    print_table(table, 140)


commands: list[click.Command] = [ocel_export]
reports: list[click.Command] = [report_process, report_conformance, report_kpi]
