"""Command line of revaluation: `erp fx revalue --as-of DATE` shows its workings."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli_base import Context, parse_date, pass_ctx


@click.group("fx")
def fx() -> None:
    """Foreign currency: period-end revaluation of open items and foreign-currency accounts."""


@fx.command("revalue")
@click.option("--as-of", callback=parse_date, required=True, help="The closing date.")
@click.option(
    "--rate", "rates", multiple=True, help="CUR=RATE, instead of the rate table's (repeatable)."
)
@click.option(
    "--keep/--reverse",
    default=None,
    help="Keep the revaluation (the next run books only the difference) or reverse it on "
    "the first day of the next period (default: as configure_currency says; reverse).",
)
@pass_ctx
def fx_revalue(state: Context, as_of: dt.date, rates: tuple[str, ...], keep: bool | None) -> None:
    """Revalue open foreign invoices and foreign-currency accounts at the closing rate
    (posted on the date, reversed on the first day of the next period unless kept) and print
    the workings per open item and per account."""
    given: dict[str, str] = {}
    for text in rates:
        currency, sep, rate = text.partition("=")
        if not sep:
            raise click.BadParameter(
                f"{text!r}: write CUR=RATE, e.g. USD=0.95", param_hint="--rate"
            )
        given[currency.strip().upper()] = rate.strip()
    erp = state.erp()
    action: dict[str, object] = {
        "action": "revalue_open_items",
        "date": as_of.isoformat(),
        "rates": given,
    }
    if keep is not None:
        action["keep"] = keep
    result = erp.apply(action)
    from erp_core.projections.currency import revaluation_account_rows, revaluation_rows

    run = erp.query(revaluation_rows, as_of)
    for x in run:
        click.echo(
            f"{x.ledger:<12} {x.party:<10} {x.invoice:<14} {x.currency} {x.open_amount:>14f} "
            f"x {x.rate:<10f} = {x.revalued:>12f}, booked {x.booked:>12f}, "
            f"difference {x.difference:f}"
        )
    accounts = erp.query(revaluation_account_rows, as_of)
    for a in accounts:
        click.echo(
            f"{'account':<12} {a.account:<25} {a.currency} {a.balance:>14f} "
            f"x {a.rate:<10f} = {a.revalued:>12f}, booked {a.booked:>12f}, "
            f"difference {a.difference:f}"
        )
    posted = ", ".join(result.documents) or "nothing to post"
    extra = f" and {len(accounts)} account(s)" if accounts else ""
    click.echo(f"Revalued {len(run)} open item(s){extra} on {as_of}: {posted}.")


commands: list[click.Command] = [fx]
reports: list[click.Command] = []
