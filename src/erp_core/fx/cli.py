"""Command line of revaluation: `erp fx revalue --as-of DATE` shows its workings."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import Context, parse_date, pass_ctx


@click.group("fx")
def fx() -> None:
    """Foreign currency: period-end revaluation of open items."""


@fx.command("revalue")
@click.option("--as-of", callback=parse_date, required=True, help="The closing date.")
@click.option(
    "--rate", "rates", multiple=True, help="CUR=RATE, instead of the rate table's (repeatable)."
)
@pass_ctx
def fx_revalue(state: Context, as_of: dt.date, rates: tuple[str, ...]) -> None:
    """Revalue open foreign invoices at the closing rate (posted on the date, reversed the
    next day) and print the workings per open item."""
    given: dict[str, str] = {}
    for text in rates:
        currency, sep, rate = text.partition("=")
        if not sep:
            raise click.BadParameter(
                f"{text!r}: write CUR=RATE, e.g. USD=0.95", param_hint="--rate"
            )
        given[currency.strip().upper()] = rate.strip()
    erp = state.erp()
    result = erp.apply({"action": "revalue_open_items", "date": as_of.isoformat(), "rates": given})
    from erp_core.projections.currency import revaluation_rows

    run = erp.query(revaluation_rows, as_of)
    for x in run:
        click.echo(
            f"{x.ledger:<12} {x.party:<10} {x.invoice:<14} {x.currency} {x.open_amount:>14f} "
            f"x {x.rate:<10f} = {x.revalued:>12f}, booked {x.booked:>12f}, "
            f"difference {x.difference:f}"
        )
    posted = ", ".join(result.documents) or "nothing to post"
    click.echo(f"Revalued {len(run)} open item(s) on {as_of}: {posted}.")


commands: list[click.Command] = [fx]
reports: list[click.Command] = []
