"""Reports of sales: receivables aging, the customer ledger, open sales orders, margin and the
demand forecast."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

import click

from erp_core.cli_base import AS_OF_HELP, FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.kernel.money import fmt

if TYPE_CHECKING:
    from erp_core.ledger.reports import ReceivablesAging

from erp_core.render import echo_json, new_table, print_table, rows_out


@click.command("receivables-aging")
@with_period("as_of")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option(
    "--currency",
    "in_currency",
    type=click.Choice(["base", "document"]),
    default="base",
    show_default=True,
    help="Amounts in the base currency, or in each customer's own (base alongside).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_receivables_aging(
    state: Context, as_of: dt.date | None, in_currency: str, fmt_name: str
) -> None:
    """What each customer owes, by days past the invoices' due dates."""
    day = as_of or dt.date.today()
    if in_currency == "document":
        from erp_core.currency.cli import document_aging_out

        document_aging_out(state.erp(), "receivables", day, fmt_name)
        return
    receivables_aging_out(state.erp().receivables_aging(day), fmt_name)


@click.command("customer-ledger")
@click.argument("customer")
@click.option(
    "--currency",
    "in_currency",
    type=click.Choice(["base", "document"]),
    default="base",
    show_default=True,
    help="Amounts in the base currency, or in the customer's own (base alongside).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_customer_ledger(state: Context, customer: str, in_currency: str, fmt_name: str) -> None:
    """Every invoice, receipt and credit note of one customer with the running balance."""
    if in_currency == "document":
        from erp_core.currency.cli import party_ledger_out

        party_ledger_out(state.erp(), "receivables", customer, fmt_name)
        return
    rows_out(
        f"Customer ledger {customer}",
        list(state.erp().customer_ledger(customer)),
        ["date", "document", "kind", "memo", "amount", "balance"],
        fmt_name,
    )


@click.command("sales-orders")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_sales_orders(state: Context, fmt_name: str) -> None:
    """Open sales order lines: still to deliver, or delivered and not invoiced."""
    rows_out(
        "Open sales orders",
        list(state.erp().sales_open_orders()),
        [
            "document",
            "customer",
            "delivery_date",
            "status",
            "line",
            "item",
            "ordered",
            "delivered",
            "invoiced",
            "to_deliver",
            "delivered_not_invoiced",
        ],
        fmt_name,
    )


@click.command("margin")
@with_period("range")
@click.option(
    "--by", type=click.Choice(["item", "customer", "period"]), default="item", show_default=True
)
@click.option("--from", "date_from", callback=parse_date, help="First day (default: fiscal year).")
@click.option("--to", "date_to", callback=parse_date, help="Last day (default today).")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_margin(
    state: Context, by: str, date_from: dt.date | None, date_to: dt.date | None, fmt_name: str
) -> None:
    """Gross margin: revenue, cost of goods sold (as the deliveries posted it), margin %."""
    erp = state.erp()
    end = date_to or dt.date.today()
    start = date_from or erp.fiscal_year_of(end)[0]
    report = erp.margin(by, start, end)
    if fmt_name == "json":
        echo_json(report)
        return
    rows_out(
        f"Gross margin by {by}, {start} to {end} ({report.currency}); total margin "
        f"{fmt(report.total.margin, report.currency)} ({report.total.margin_percent}%)",
        [*report.rows, report.total],
        ["key", "revenue", "cost", "margin", "margin_percent"],
        fmt_name,
    )


@click.command("forecast")
@click.argument("item")
@click.option("--months", default=6, show_default=True, help="How many months ahead.")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False),
    help="Also draw history, backtest and forecast as a PNG chart.",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_forecast(
    state: Context, item: str, months: int, plot_file: str | None, fmt_name: str
) -> None:
    """Forecast an item's monthly demand (Holt's method), with the backtest error (MAPE)."""
    report = state.erp().sales_forecast(item, months)
    if plot_file:
        from erp_core.sales.charts import plot_forecast

        plot_forecast(report, plot_file)
    if fmt_name == "json":
        echo_json(report)
        return
    error = "n/a" if report.mape_percent is None else f"{report.mape_percent}%"
    rows = (
        [{"month": p.month, "kind": "history", "quantity": str(p.quantity)} for p in report.history]
        + [
            {"month": p.month, "kind": "backtest", "quantity": str(p.quantity)}
            for p in report.backtest
        ]
        + [
            {"month": p.month, "kind": "forecast", "quantity": str(p.quantity)}
            for p in report.forecast
        ]
    )
    if fmt_name == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=["month", "kind", "quantity"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    table = new_table(
        title=f"Demand forecast for {item}: {report.method} (alpha {report.alpha}, "
        f"beta {report.beta}); backtest MAPE over {report.holdout_months} "
        f"held-out months: {error}"
    )
    for col in ("month", "kind", "quantity"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["month"], row["kind"], row["quantity"])
    print_table(table, 120)
    if plot_file:
        click.echo(f"Chart written to {plot_file}.")


commands: list[click.Command] = []
reports: list[click.Command] = [
    report_receivables_aging,
    report_customer_ledger,
    report_sales_orders,
    report_margin,
    report_forecast,
]


def receivables_aging_out(aging: ReceivablesAging, fmt_name: str) -> None:
    """The receivables aging as every command prints it (the report and `erp demo`): all columns."""
    if fmt_name == "json":
        echo_json(aging)
        return
    rows_out(
        f"Receivables aging as of {aging.as_of} ({aging.currency}); total "
        f"{fmt(aging.total, aging.currency)}",
        list(aging.rows),
        [
            "customer",
            "name",
            "not_due",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "unallocated_credits",
            "balance",
        ],
        fmt_name,
    )
