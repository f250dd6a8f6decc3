"""Reports of the currency area: `erp report rates`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from erp_core.cli_base import FORMATS, Context, parse_date, pass_ctx, with_period
from erp_core.render import rows_out

if TYPE_CHECKING:
    from erp_core.api import Erp


@click.command("rates")
@with_period("as_of")
@click.option("--currency", help="Only this currency.")
@click.option(
    "--as-of",
    callback=parse_date,
    help="The rates in force on this date: set on or before it (YYYY-MM-DD, inclusive).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_rates(
    state: Context, currency: str | None, as_of: dt.date | None, fmt_name: str
) -> None:
    """The exchange-rate table: every rate set, or those in force on a date (--as-of)."""
    from erp_core.projections.currency import rate_rows

    rows = state.erp().query(rate_rows, currency, as_of)
    title = "Exchange rates" + (f" in force on {as_of}" if as_of else "")
    rows_out(title, rows, ["currency", "date", "rate", "source"], fmt_name)


@click.command("fx-aging")
@with_period("as_of")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Everything up to and including this date (YYYY-MM-DD; default today).",
)
@click.option("--ledger", type=click.Choice(["payables", "receivables"]), help="Only one side.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_fx_aging(
    state: Context, as_of: dt.date | None, ledger: str | None, fmt_name: str
) -> None:
    """Open foreign-currency invoices by days past due, in their currency and in base."""
    from erp_core.projections.currency import foreign_aging

    day = as_of or dt.date.today()
    rows = state.erp().query(foreign_aging, day, ledger)
    columns = [
        "ledger", "party", "currency", "not_due", "days_1_30", "days_31_60", "days_61_90",
        "over_90", "total", "total_base",
    ]  # fmt: skip
    rows_out(f"Foreign-currency aging on {day}", rows, columns, fmt_name)


@click.command("fx")
@with_period("range", required=True)
@click.option("--from", "date_from", callback=parse_date, help="First day (inclusive).")
@click.option("--to", "date_to", callback=parse_date, help="Last day (inclusive).")
@click.option(
    "--by",
    type=click.Choice(["document", "party", "currency"]),
    help="Add up per invoice or account, party or currency (default: every difference).",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_fx(
    state: Context,
    date_from: dt.date | None,
    date_to: dt.date | None,
    by: str | None,
    fmt_name: str,
) -> None:
    """Realised and unrealised exchange differences booked in a period (gains positive)."""
    from erp_core.projections.currency import fx_differences, fx_summary
    from erp_core.projections.queries import company

    assert date_from is not None and date_to is not None
    if date_from > date_to:
        raise click.BadParameter(f"{date_from} is after {date_to}", param_hint="--from")
    erp = state.erp()
    rows = erp.query(fx_differences, date_from, date_to)
    _, base = erp.query(company)
    title = f"Exchange differences {date_from} to {date_to} ({base}, gains positive)"
    if by is None:
        columns = ["date", "kind", "ledger", "party", "currency", "item", "document", "gain"]
        rows_out(title, rows, columns, fmt_name)
        return
    summary = fx_summary(rows, by, base)
    rows_out(f"{title} by {by}", summary, ["key", "realised", "unrealised", "total"], fmt_name)


@click.command("fx-ledger")
@click.argument("ledger", type=click.Choice(["payables", "receivables"]))
@click.argument("party")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def report_fx_ledger(state: Context, ledger: str, party: str, fmt_name: str) -> None:
    """A supplier's or customer's postings in the document currency, with base alongside."""
    party_ledger_out(state.erp(), ledger, party, fmt_name)


def party_ledger_out(erp: Erp, ledger: str, party: str, fmt_name: str) -> None:
    """The party ledger in the document currency (`--currency document` of the supplier and
    customer ledgers)."""
    from erp_core.projections.currency import party_ledger

    erp._require("supplier" if ledger == "payables" else "customer", party)
    rows = erp.query(party_ledger, ledger, party)
    columns = [
        "date", "document", "kind", "memo", "currency", "amount", "balance", "base_amount",
        "base_balance",
    ]  # fmt: skip
    noun = "Supplier" if ledger == "payables" else "Customer"
    rows_out(f"{noun} ledger {party} in its currency", rows, columns, fmt_name)


def document_aging_out(erp: Erp, ledger: str, as_of: dt.date, fmt_name: str) -> None:
    """The payables or receivables aging in each party's currency (`--currency document`)."""
    from erp_core.projections.currency import document_aging

    rows = erp.query(document_aging, ledger, as_of)
    noun = "Payables" if ledger == "payables" else "Receivables"
    columns = [
        "party", "name", "currency", "not_due", "days_1_30", "days_31_60", "days_61_90",
        "over_90", "unallocated", "balance", "balance_base",
    ]  # fmt: skip
    rows_out(f"{noun} aging as of {as_of} in each party's currency", rows, columns, fmt_name)


commands: list[click.Command] = []
reports: list[click.Command] = [report_rates, report_fx_aging, report_fx, report_fx_ledger]
