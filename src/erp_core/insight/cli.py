"""Commands of insight: ``erp export ocel`` and the reports ``process``, ``conformance``,
``kpi``, ``budget-variance`` and ``pack``.

``erp export`` is the audit area's group (audit/cli.py); this module adds ``ocel`` to it when
the command line loads the areas' commands. ``erp ocel-export`` is kept as a hidden alias.
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


@click.command("ocel")
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
    """Write the book as an OCEL 2.0 object-centric event log (JSON or SQLite) to FILE."""
    from erp_core.insight.reports import export_ocel

    log = export_ocel(
        state.erp(), file, fmt_name, basis=basis, date_from=date_from, date_to=date_to
    )
    click.echo(
        f"wrote {file}: {len(log.events)} events, {len(log.objects)} objects, "
        f"{log.e2o_count} event-object and {log.o2o_count} object-object relations "
        f"({basis} times)"
    )


KINDS_HELP = "purchase-to-pay, order-to-cash, production or hire-to-pay"


@click.command("process")
@with_period("range")
@click.argument("kind", required=False, metavar="KIND")
@click.option("--object-type", help="Instead of KIND: any object type (e.g. sales_invoice, item).")
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option("--time", "basis", type=TIME, default="recorded", show_default=True)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    help="Draw the process map to a .png or .svg file (needs the 'plot' extra).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_process(
    state: Context,
    kind: str | None,
    object_type: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    basis: str,
    plot: str | None,
    fmt_name: str,
) -> None:
    """Cases, cycle times, waits, bottleneck, rework and variants of a process.

    KIND is purchase-to-pay, order-to-cash, production or hire-to-pay; --object-type takes any
    object type of the log instead."""
    from erp_core.insight.reports import load_log, process_report, process_report_of, to_plain
    from erp_core.kernel.errors import ValidationError

    if (kind is None) == (object_type is None):
        raise ValidationError("kind", f"give KIND ({KINDS_HELP}) or --object-type, one of them")
    if kind is not None:
        from erp_core.insight.reports import process_kind

        process_kind(kind)  # an unknown name is refused before the book is read
    if plot:
        from erp_core.insight.charts import check_chart_path

        check_chart_path(plot)
    log = load_log(state.erp(), basis, date_from, date_to)
    if kind is not None:
        rep = process_report_of(log, kind, basis)
    else:
        assert object_type is not None
        rep = process_report(log, object_type, basis)
    if plot:
        from erp_core.insight.charts import plot_process_map

        plot_process_map(rep, plot)
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
    title = f"{rep.kind} ({rep.object_type})" if rep.kind else rep.object_type
    click.echo(
        f"{title} ({basis} times): {rep.cases} cases, {rep.finished} finished, "
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
    if rep.workload:
        table = new_table("Actors: events done and hand-overs received")
        for col in ("actor", "events", "hand-overs in", "hand-overs out"):
            table.add_column(col)
        into: dict[str, int] = {}
        out_of: dict[str, int] = {}
        for h in rep.handovers:
            into[h.target] = into.get(h.target, 0) + h.count
            out_of[h.source] = out_of.get(h.source, 0) + h.count
        for load in rep.workload:
            table.add_row(
                load.actor,
                str(load.events),
                str(into.get(load.actor, 0)),
                str(out_of.get(load.actor, 0)),
            )
        print_table(table, 120)


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


def _kpi_value(k: object) -> str:
    value = getattr(k, "value", None)
    return "" if value is None else format(value, "f")


@click.command("kpi")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option(
    "--by", type=click.Choice(["month", "quarter"]), help="One column per month or quarter."
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_kpi(
    state: Context, date_from: dt.date, date_to: dt.date, by: str | None, fmt_name: str
) -> None:
    """Revenue, margins, working capital, delivery, production and payroll KPIs, each beside
    the previous period's (effective dates)."""
    from erp_core.insight.kpi import change
    from erp_core.insight.reports import kpi_columns_of, to_plain
    from erp_core.render import csv_text

    columns = kpi_columns_of(state.erp(), date_from, date_to, by)
    rows = []
    for col in columns:
        previous = {k.name: k for k in col.previous.figures()}
        for k in col.current.figures():
            before = previous[k.name]
            delta = change(k, before)
            rows.append(
                {
                    "period": col.label,
                    "kpi": k.name,
                    "value": _kpi_value(k),
                    "previous": _kpi_value(before),
                    "change": "" if delta is None else format(delta, "f"),
                    "unit": k.unit,
                    "formula": k.formula,
                    "note": k.reason or "",
                }
            )
    if fmt_name == "json":
        if by is None:
            echo_json(to_plain(columns[0].current) | {"previous": to_plain(columns[0].previous)})
        else:
            echo_json(to_plain(columns))
        return
    keys = ["period", "kpi", "value", "previous", "change", "unit", "formula", "note"]
    if fmt_name == "csv":
        click.echo(csv_text(rows, keys), nl=False)
        return
    for col in columns:
        rep = col.current
        click.echo(
            f"{col.label} ({rep.days} days, {rep.currency}): revenue {rep.revenue:f}, COGS "
            f"{rep.cogs:f}, gross margin {rep.gross_margin:f}, operating profit "
            f"{rep.operating_profit:f}; closing receivables {rep.receivables:f}, payables "
            f"{rep.payables:f}, inventory {rep.inventory:f}; previous period "
            f"{col.previous.date_from} to {col.previous.date_to}"
        )
        table = new_table(f"KPIs {col.label}")
        for name in ("kpi", "value", "previous", "change", "unit", "formula / note"):
            table.add_column(name)
        for r in rows:
            if r["period"] == col.label:
                table.add_row(
                    r["kpi"],
                    r["value"],
                    r["previous"],
                    r["change"],
                    r["unit"],
                    r["note"] or r["formula"],
                )
        print_table(table, 160)


@click.command("budget-variance")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help="First day of a month.")
@click.option("--to", "date_to", callback=parse_date, help="Last day of a month.")
@click.option("--budget", "budget_name", default="main", show_default=True)
@click.option("--by-cost-centre", is_flag=True, help="One row per account and cost centre.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_budget_variance(
    state: Context,
    date_from: dt.date,
    date_to: dt.date,
    budget_name: str,
    by_cost_centre: bool,
    fmt_name: str,
) -> None:
    """Actual against budget per income and expense account: variance and % (whole months)."""
    from erp_core.insight.variance import budget_variance
    from erp_core.render import csv_text

    rep = state.erp().query(budget_variance, date_from, date_to, budget_name, by_cost_centre)
    rows = [
        {
            "account": r.account,
            "name": r.name,
            "type": r.type,
            "cost_centre": r.cost_centre or "",
            "actual": format(r.actual, "f"),
            "budget": format(r.budget, "f"),
            "variance": format(r.variance, "f"),
            "variance_pct": "" if r.variance_pct is None else format(r.variance_pct, "f"),
            "favourable": r.favourable,
        }
        for r in rep.rows
    ]
    keys = [
        "account",
        "name",
        "type",
        "cost_centre",
        "actual",
        "budget",
        "variance",
        "variance_pct",
        "favourable",
    ]
    if not by_cost_centre:
        keys.remove("cost_centre")
        for row in rows:
            del row["cost_centre"]
    if fmt_name == "json":
        echo_json(
            {
                "budget": rep.budget,
                "from": str(rep.date_from),
                "to": str(rep.date_to),
                "currency": rep.currency,
                "rows": rows,
                "income": {
                    "actual": format(rep.income_actual, "f"),
                    "budget": format(rep.income_budget, "f"),
                },
                "expenses": {
                    "actual": format(rep.expense_actual, "f"),
                    "budget": format(rep.expense_budget, "f"),
                },
                "profit": {
                    "actual": format(rep.profit_actual, "f"),
                    "budget": format(rep.profit_budget, "f"),
                },
            }
        )
        return
    if fmt_name == "csv":
        click.echo(csv_text(rows, keys), nl=False)
        return
    table = new_table(
        f"Budget {rep.budget!r} against actual, {rep.date_from} to {rep.date_to} ({rep.currency})"
    )
    for col in keys:
        table.add_column(
            col.replace("_", " "),
            justify="left" if col in ("account", "name", "type", "cost_centre") else "right",
        )
    for row in rows:
        table.add_row(
            *(("yes" if v else "no") if k == "favourable" else str(v) for k, v in row.items())
        )
    print_table(table, 160)
    from erp_core.insight.variance import pct

    profit_var = rep.profit_actual - rep.profit_budget
    p = pct(profit_var, rep.profit_budget)
    click.echo(
        f"profit: actual {rep.profit_actual:f}, budget {rep.profit_budget:f}, variance "
        f"{profit_var:f}" + ("" if p is None else f" ({p:f} %)")
    )


@click.command("pack")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option(
    "--by",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="The columns of the statements, KPIs and charts.",
)
@click.option(
    "--out", required=True, type=click.Path(file_okay=False), help="The folder to write into."
)
@pass_ctx
def report_pack(state: Context, date_from: dt.date, date_to: dt.date, by: str, out: str) -> None:
    """Write a management pack into a folder: an HTML page and a PDF with the KPIs, the
    statements in columns, budget against actual and charts, plus CSV files (needs 'plot')."""
    from erp_core.insight.pack import build_pack, summary

    pack = build_pack(state.erp(), out, date_from, date_to, by)
    click.echo(f"wrote the management pack {date_from} to {date_to} into {out}:")
    for line in summary(pack):
        click.echo(f"  {line}")


def _ocel_alias() -> click.Command:
    """``erp ocel-export``: the old name of ``erp export ocel``, hidden from the help."""
    import copy

    alias = copy.copy(ocel_export)
    alias.name = "ocel-export"
    alias.hidden = True
    return alias


def _add_to_export_group() -> None:
    from erp_core.audit.cli import export_group

    if "ocel" not in export_group.commands:
        export_group.add_command(ocel_export)


_add_to_export_group()

commands: list[click.Command] = [_ocel_alias()]
reports: list[click.Command] = [
    report_process,
    report_conformance,
    report_kpi,
    report_budget_variance,
    report_pack,
]
