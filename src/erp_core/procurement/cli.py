"""Reports of procurement: open orders, goods received not invoiced, payables aging, the
supplier ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import click

from erp_core.cli_base import AS_OF_HELP, FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.kernel.money import fmt

if TYPE_CHECKING:
    from erp_core.ledger.reports import PayablesAging

from erp_core.render import echo_json, rows_out


@click.command("open-orders")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_open_orders(state: Context, fmt_name: str) -> None:
    """Purchase order lines still to be received or invoiced."""
    rows_out(
        "Open purchase orders",
        list(state.erp().open_orders()),
        [
            "document",
            "supplier",
            "expected_delivery",
            "status",
            "line",
            "item",
            "ordered",
            "received",
            "rejected",
            "invoiced",
            "open_quantity",
            "received_not_invoiced",
        ],
        fmt_name,
    )


@click.command("grni")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_grni(state: Context, fmt_name: str) -> None:
    """Goods received not invoiced: the order lines whose receipts wait for an invoice."""
    lines = [x for x in state.erp().open_orders() if x.received_not_invoiced]
    total = sum((x.received_not_invoiced for x in lines), Decimal(0))
    rows_out(
        f"Goods received not invoiced; total {fmt(total)}",
        list(lines),
        ["document", "supplier", "line", "item", "received", "invoiced", "received_not_invoiced"],
        fmt_name,
    )


@click.command("payables-aging")
@with_period("as_of")
@click.option("--as-of", callback=parse_date, help=AS_OF_HELP)
@click.option(
    "--currency",
    "in_currency",
    type=click.Choice(["base", "document"]),
    default="base",
    show_default=True,
    help="Amounts in the base currency, or in each supplier's own (base alongside).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_payables_aging(
    state: Context, as_of: dt.date | None, in_currency: str, fmt_name: str
) -> None:
    """What is owed to each supplier, by days past the invoices' due dates."""
    day = as_of or dt.date.today()
    if in_currency == "document":
        from erp_core.currency.cli import document_aging_out

        document_aging_out(state.erp(), "payables", day, fmt_name)
        return
    payables_aging_out(state.erp().payables_aging(day), fmt_name)


@click.command("supplier-ledger")
@click.argument("supplier")
@click.option(
    "--currency",
    "in_currency",
    type=click.Choice(["base", "document"]),
    default="base",
    show_default=True,
    help="Amounts in the base currency, or in the supplier's own (base alongside).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_supplier_ledger(state: Context, supplier: str, in_currency: str, fmt_name: str) -> None:
    """Every invoice and payment of one supplier with the running balance."""
    if in_currency == "document":
        from erp_core.currency.cli import party_ledger_out

        party_ledger_out(state.erp(), "payables", supplier, fmt_name)
        return
    rows_out(
        f"Supplier ledger {supplier}",
        list(state.erp().supplier_ledger(supplier)),
        ["date", "document", "kind", "memo", "amount", "balance"],
        fmt_name,
    )


commands: list[click.Command] = []
reports: list[click.Command] = [
    report_open_orders,
    report_grni,
    report_payables_aging,
    report_supplier_ledger,
]


def payables_aging_out(aging: PayablesAging, fmt_name: str) -> None:
    """The payables aging as every command prints it (the report and `erp demo`): all columns."""
    if fmt_name == "json":
        echo_json(aging)
        return
    rows_out(
        f"Payables aging as of {aging.as_of} ({aging.currency}); total "
        f"{fmt(aging.total, aging.currency)}",
        list(aging.rows),
        [
            "supplier",
            "name",
            "not_due",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "unallocated_payments",
            "balance",
        ],
        fmt_name,
    )
