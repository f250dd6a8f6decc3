"""Command line of fixed assets (`erp assets ...`) and its reports: the asset register, the
depreciation schedule of an asset and the cash-flow statement."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

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
from erp_core.kernel.money import fmt
from erp_core.render import echo_json, emit, new_table, rows_out


@click.group("assets")
def assets() -> None:
    """Fixed assets: depreciation runs and the check of the asset accounts."""


@assets.command("depreciate")
@click.argument("month")
@pass_ctx
def assets_depreciate(state: Context, month: str) -> None:
    """Post the depreciation of every asset through MONTH (YYYY-MM), missed months first."""
    result = state.erp().apply({"action": "depreciate_assets", "month": month})
    click.echo(f"Depreciation through {month}: posted {', '.join(result.documents)}.")


@assets.command("check")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def assets_check(state: Context, fmt_name: str) -> None:
    """The asset accounts equal the asset register; exit 1 on any difference."""
    from erp_core.assets.reports import asset_checks

    results = state.erp().query(asset_checks)
    if fmt_name == "json":
        echo_json([r.model_dump(mode="json") for r in results])
    else:
        for r in results:
            click.echo(("ok    " if r.ok else "FAIL  ") + r.message)
    if not all(r.ok for r in results):
        sys.exit(1)


@click.command("asset-register")
@with_period("as_of")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Everything up to and including this date (YYYY-MM-DD; default today).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_asset_register(state: Context, as_of: dt.date | None, fmt_name: str) -> None:
    """Cost, accumulated depreciation and impairment, book value per asset and category."""
    from erp_core.assets.reports import asset_register

    report = state.erp().query(asset_register, as_of or dt.date.today())
    if fmt_name == "json":
        echo_json(report)
        return
    rows_out(
        f"Asset register as of {report.as_of} ({report.currency}); book value "
        f"{fmt(report.book_value, report.currency)}",
        list(report.rows),
        [
            "asset",
            "name",
            "category",
            "available_for_use",
            "method",
            "cost",
            "accumulated_depreciation",
            "accumulated_impairment",
            "book_value",
        ],
        fmt_name,
    )
    if fmt_name == "table" and report.categories:
        rows_out(
            "By category",
            list(report.categories),
            [
                "category",
                "cost",
                "accumulated_depreciation",
                "accumulated_impairment",
                "book_value",
            ],
            fmt_name,
        )
    if fmt_name == "table" and report.constructions:
        rows_out(
            f"Assets under construction: {fmt(report.under_construction, report.currency)}",
            list(report.constructions),
            ["construction", "name", "account", "collected", "capitalised", "balance"],
            fmt_name,
        )


@click.command("depreciation-schedule")
@click.argument("asset")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_depreciation_schedule(state: Context, asset: str, fmt_name: str) -> None:
    """ASSET's posted movements, then the depreciation still to come to the end of its life."""
    from erp_core.assets.reports import depreciation_schedule

    report = state.erp().query(depreciation_schedule, asset)
    if fmt_name == "json":
        echo_json(report)
        return
    rows_out(
        f"Depreciation schedule of {report.asset} {report.name} ({report.method}, "
        f"{report.useful_life_months} months, residual {report.residual_value} {report.currency})",
        list(report.rows),
        [
            "month",
            "date",
            "status",
            "kind",
            "document",
            "depreciation",
            "cost",
            "accumulated_depreciation",
            "accumulated_impairment",
            "book_value",
        ],
        fmt_name,
    )


@click.command("asset-movements")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_asset_movements(
    state: Context, date_from: dt.date, date_to: dt.date, fmt_name: str
) -> None:
    """Per category and for assets under construction: opening, additions, transfers,
    disposals, depreciation, impairment, closing."""
    from erp_core.assets.reports import movement_schedule

    report = state.erp().query(movement_schedule, date_from, date_to)
    if fmt_name == "json":
        echo_json(report)
        return
    rows_out(
        f"Fixed-asset movements {date_from} to {date_to} ({report.currency})",
        [*report.rows, report.total],
        [
            "category",
            "opening_cost",
            "additions",
            "transfers",
            "disposals",
            "closing_cost",
            "opening_accumulated",
            "acquired_accumulated",
            "depreciation",
            "impairment",
            "disposals_accumulated",
            "closing_accumulated",
            "closing_book_value",
        ],
        fmt_name,
    )


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period before: as many whole months when the period is whole months (a quarter
    before a quarter), otherwise as many days."""
    after_end = date_to + dt.timedelta(days=1)
    if date_from.day == 1 and after_end.day == 1:
        months = (after_end.year - date_from.year) * 12 + after_end.month - date_from.month
        index = date_from.year * 12 + date_from.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1), date_from - dt.timedelta(days=1)
    last = date_from - dt.timedelta(days=1)
    return last - (date_to - date_from), last


@click.command("cash-flow")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help=FROM_HELP)
@click.option("--to", "date_to", callback=parse_date, help=TO_HELP)
@click.option(
    "--method", type=click.Choice(["indirect", "direct"]), default="indirect", show_default=True
)
@click.option(
    "--compare", is_flag=True, help="Add the previous period of the same length beside it."
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_cash_flow(
    state: Context,
    date_from: dt.date,
    date_to: dt.date,
    method: str,
    compare: bool,
    fmt_name: str,
) -> None:
    """IAS 7 cash-flow statement; exit 1 naming the accounts when it cannot reconcile."""
    from erp_core.assets.cash_flow_report import cash_flow

    if date_from > date_to:
        raise click.BadParameter(f"--from {date_from} is after --to {date_to}")
    erp = state.erp()
    report = erp.query(cash_flow, date_from, date_to, method)
    previous = None
    if compare:
        previous = erp.query(cash_flow, *previous_period(date_from, date_to), method)
    problems = [*report.problems, *(previous.problems if previous else [])]
    if problems:
        for problem in problems:
            click.echo(f"cash-flow: {problem}", err=True)
        if fmt_name == "json":
            echo_json(report)
        sys.exit(1)
    if fmt_name == "json":
        if previous is None:
            echo_json(report)
        else:
            both = {
                "current": report.model_dump(mode="json"),
                "previous": previous.model_dump(mode="json"),
            }
            echo_json(both)
        return
    currency = report.currency
    title = f"Cash-flow statement ({method}) {date_from} to {date_to} ({currency})"
    if previous is not None:
        title += f", previous {previous.date_from} to {previous.date_to}"
    table = new_table(title=title)
    table.add_column("")
    table.add_column("Amount", justify="right")
    if previous is not None:
        table.add_column("Previous", justify="right")
    before: dict[tuple[str, str], Any] = {}
    if previous is not None:
        for section in previous.sections:
            for line in section.lines:
                before[(section.name, line.label)] = line.amount
            before[(section.name, "total")] = section.total
        for label, amount in (
            ("Net change in cash", previous.net_change),
            ("Opening cash", previous.opening_cash),
            ("Closing cash", previous.closing_cash),
        ):
            before[("", label)] = amount
    labels: list[tuple[str, str, Any]] = []  # (section, label, amount)
    for section in report.sections:
        seen = set()
        for line in section.lines:
            labels.append((section.name, line.label, line.amount))
            seen.add(line.label)
        if previous is not None:  # lines only the previous period has
            for name, label in before:
                if name == section.name and label != "total" and label not in seen:
                    labels.append((section.name, label, None))
        labels.append((section.name, "total", section.total))
    for label, amount in (
        ("Net change in cash", report.net_change),
        ("Opening cash", report.opening_cash),
        ("Closing cash", report.closing_cash),
    ):
        labels.append(("", label, amount))
    rows: list[dict[str, Any]] = []
    current_section = None
    for name, label, amount in labels:
        if name and name != current_section:
            table.add_row(f"{name.capitalize()} activities", "", *([""] if previous else []))
            current_section = name
        shown = (
            f"Net cash from {name}" if label == "total" else (label if not name else f"  {label}")
        )
        cells = [fmt(amount, currency) if amount is not None else ""]
        row = {"section": name, "line": label, "amount": "" if amount is None else str(amount)}
        if previous is not None:
            old = before.get((name, label))
            cells.append(fmt(old, currency) if old is not None else "")
            row["previous"] = "" if old is None else str(old)
        style = "bold" if label == "total" or not name else None
        table.add_row(shown, *cells, style=style)
        rows.append(row)
    emit(report, fmt_name, table, rows)


commands: list[click.Command] = [assets]
reports: list[click.Command] = [
    report_asset_register,
    report_depreciation_schedule,
    report_asset_movements,
    report_cash_flow,
]
