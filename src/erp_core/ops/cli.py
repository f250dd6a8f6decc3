"""Operating the books: backup and restore, moving to another database, upgrades, health,
projection status and rebuilds, and the demo company."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from erp_core.cli_base import Context, parse_date, pass_ctx
from erp_core.kernel.money import fmt
from erp_core.ledger.cli import balance_sheet_out, income_statement_out, trial_balance_out
from erp_core.render import new_table, print_table, rows_out


@click.group()
def projections() -> None:
    """Inspect and rebuild the read models."""


@projections.command("status")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def projections_status(state: Context, fmt_name: str) -> None:
    """Position and lag of each projection."""
    statuses = state.erp().projection_status()
    if fmt_name == "json":
        click.echo(json.dumps([s.model_dump() for s in statuses], indent=2))
        return
    table = new_table(title="Projections")
    for col in ("Name", "Position", "Log head", "Lag"):
        table.add_column(col, justify="left" if col == "Name" else "right")
    for s in statuses:
        table.add_row(s.name, str(s.position), str(s.head), str(s.lag))
    print_table(table, 0)


@projections.command("catch-up")
@pass_ctx
def projections_catch_up(state: Context) -> None:
    """Apply to every projection the stored events it has not seen yet."""
    erp = state.erp()
    read = erp.catch_up()
    position, _head = erp.freshness()
    click.echo(f"Caught up: {read} events read; projections at log position {position}.")


@projections.command("rebuild")
@click.argument("names", nargs=-1)
@pass_ctx
def projections_rebuild(state: Context, names: tuple[str, ...]) -> None:
    """Drop the named projections (default: all) and replay them from the log."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    erp = state.erp()
    _reached, head = erp.freshness()
    with Progress(
        TextColumn("rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("rebuild", total=head)
        read = erp.rebuild(
            list(names) or None,
            progress=lambda pos, top: bar.update(task, completed=pos, total=top),
        )
    click.echo(f"Rebuilt {', '.join(names) or 'all projections'}: {read} events replayed.")


@projections.command("worker")
@click.option("--once", is_flag=True, help="Catch up to the log head once, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the log when there is nothing new.",
)
@pass_ctx
def projections_worker(state: Context, once: bool, poll: float) -> None:
    """Follow the log and keep every projection current (exactly once, with any number of
    workers) while writers store with `erp apply --no-project`. Stops on SIGTERM or Ctrl-C
    after the batch in hand; a worker killed outright resumes from its stored position."""
    import signal

    stopping: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = signal.signal(signal.SIGTERM, request_stop)
    erp = state.erp()
    try:
        read = erp.follow(poll=poll, once=once, stop=lambda: bool(stopping))
    finally:
        signal.signal(signal.SIGTERM, previous)
    position, _head = erp.freshness()
    click.echo(f"Worker stopped: {read} events read; projections at log position {position}.")


@click.command()
@pass_ctx
def demo(state: Context) -> None:
    """Build a demo company's year of business through the public API and print its statements."""
    from erp_core.demo import build_demo

    erp = state.erp(create=True)
    try:
        year_label = build_demo(erp)
    except BaseException:
        state.discard_created()
        raise
    start, end = dt.date(year_label, 1, 1), dt.date(year_label, 12, 31)
    trial_balance_out(erp.trial_balance(end), "table")
    income_statement_out(erp.income_statement(start, end), "table")
    balance_sheet_out(erp.balance_sheet(end), "table")
    balance = erp.stock_balance(end)
    rows_out(
        f"Stock balance as of {end}; total {fmt(balance.total_value, balance.currency)}",
        list(balance.rows),
        ["item", "warehouse", "quantity", "value"],
        "table",
    )
    from erp_core.procurement.cli import payables_aging_out
    from erp_core.sales.cli import receivables_aging_out

    payables_aging_out(erp.payables_aging(end), "table")  # every column the report has
    receivables_aging_out(erp.receivables_aging(end), "table")
    margin = erp.margin("item", start, end)
    rows_out(
        f"Gross margin by item, {start} to {end}",
        [*margin.rows, margin.total],
        ["key", "revenue", "cost", "margin", "margin_percent"],
        "table",
    )
    forecast = erp.sales_forecast("WIDGET", 6)
    click.echo(
        f"Widget demand forecast ({forecast.method}, backtest MAPE {forecast.mape_percent}% "
        f"over {forecast.holdout_months} months): "
        + ", ".join(f"{p.month} {p.quantity}" for p in forecast.forecast)
    )
    for result in erp.check():
        click.echo(("ok    " if result.ok else "FAIL  ") + result.message)


# --- backup, restore, moving ------------------------------------------------------------------


def _url(db: str | None):  # type: ignore[no-untyped-def]
    from erp_core.infra.config import parse_url, resolve_url

    return parse_url(resolve_url(db))


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal (nothing otherwise)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _trusted_key(public_key: str | None) -> str | None:
    if public_key is None:
        return None
    from erp_core.audit.verify import load_public_key

    return load_public_key(Path(public_key).read_bytes())


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--sign",
    "key",
    type=click.Path(exists=True, dir_okay=False),
    help="Ed25519 private key (PEM, from `erp audit keygen`) to sign the archive's head.",
)
@pass_ctx
def backup(state: Context, file: str, key: str | None) -> None:
    """Write the whole log to FILE (a compressed, self-describing archive), while writers
    keep working. Refused when the log fails verification."""
    from erp_core.ops.archive import backup as take_backup

    pem = Path(key).read_bytes() if key else None
    with _progress("backing up") as progress:
        manifest = take_backup(_url(state.db), Path(file), private_key_pem=pem, progress=progress)
    signed = "; signed" if manifest.digest is not None else ""
    click.echo(
        f"Backed up {manifest.events} events ({manifest.streams} streams) of "
        f"{manifest.company or 'an empty book'} to {file}; head position "
        f"{manifest.head_position}, hash {manifest.head_hash}{signed}."
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "target", help="The EMPTY database to restore into (default: --db).")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False),
    help="Trusted Ed25519 public key (PEM): the archive must be signed with it.",
)
@click.option("--check-only", is_flag=True, help="Only read and check the archive.")
@pass_ctx
def restore(
    state: Context, file: str, target: str | None, public_key: str | None, check_only: bool
) -> None:
    """Restore the archive FILE into an empty database: every event at its original position,
    the chain verified while loading, all or nothing; then rebuild the projections."""
    from erp_core.ops.archive import inspect_archive
    from erp_core.ops.archive import restore as do_restore

    trusted = _trusted_key(public_key)
    if check_only:
        manifest = inspect_archive(Path(file), trusted)
        click.echo(
            f"OK: {file} holds {manifest.events} events of {manifest.company or 'an empty book'} "
            f"up to position {manifest.head_position}, hash {manifest.head_hash}; taken "
            f"{manifest.created_at:%Y-%m-%d %H:%M} UTC by erp_core {manifest.erp_core_version}"
            + ("; signature valid" if manifest.digest is not None else "; unsigned")
        )
        return
    url = _url(target or state.db)
    with _progress("restoring") as progress:
        result = do_restore(Path(file), url, trusted_public_key=trusted, progress=progress)
    click.echo(
        f"Restored {result.events} events ({result.streams} streams) of "
        f"{result.company or 'an empty book'} into {url.redacted()}; head position "
        f"{result.head_position}, hash {result.head_hash}; chain verified; projections rebuilt "
        f"({result.projected} events replayed)"
        + (f"; signed by {result.signed_by}" if result.signed_by else "")
        + "."
    )


@click.command("migrate-store")
@click.option("--to", "target", required=True, help="The EMPTY database to move the books to.")
@click.option("--from", "source", help="The database to move (default: --db).")
@click.option(
    "--as-of",
    callback=parse_date,
    help="Date of the reports compared after the move (default: today).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Events per committed batch (at most this many are copied again after a crash).",
)
@pass_ctx
def migrate_store(
    state: Context, target: str, source: str | None, as_of: dt.date | None, batch: int
) -> None:
    """Move the books to another database (SQLite to PostgreSQL, typically): copy the log
    into the empty target, verify its chain, rebuild its projections and compare the reports.
    An interrupted move is finished by running the same command again. Stop writers first."""
    from erp_core.ops.move import move_store

    src, dst = _url(source or state.db), _url(target)
    with _progress("moving") as progress:
        result = move_store(src, dst, as_of=as_of, progress=progress, batch=batch)
    click.echo(
        f"Moved {result.events} events from {src.redacted()} to {dst.redacted()}; head "
        f"position {result.head_position}, hash {result.head_hash}; target chain verified."
    )
    if result.source_moved_on:
        click.echo(
            f"warning: {result.source_moved_on} events were written to the source during the "
            "move; the target is not usable yet: stop the writers and run the same command "
            "again (it copies only what is new)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Reports identical: {', '.join(result.reports_compared)}.")


# --- upgrades and health ------------------------------------------------------------------


@click.command()
@pass_ctx
def upgrade(state: Context) -> None:
    """Apply pending schema migrations (refused for a database written by a newer erp_core)."""
    from erp_core import __version__
    from erp_core.infra.db import create_engines, head_revisions, migrate
    from erp_core.kernel.errors import ErpError
    from erp_core.ops.doctor import known_revisions, schema_revisions

    url = _url(state.db)
    writer, reader = create_engines(url)
    try:
        with reader.connect() as conn:
            before = schema_revisions(conn)
        unknown = before - known_revisions()
        if unknown:
            raise ErpError(
                f"the database was written by a newer erp_core (revisions "
                f"{', '.join(sorted(unknown))} are unknown to erp_core {__version__}): "
                "install that version; a database is never downgraded"
            )
        if before == head_revisions():
            click.echo(f"Up to date: {', '.join(sorted(before))}.")
            return
        migrate(writer, url)
        with reader.connect() as conn:
            after = schema_revisions(conn)
    finally:
        writer.dispose()
        reader.dispose()
    click.echo(
        f"Upgraded {url.redacted()}: {', '.join(sorted(before)) or 'empty'} -> "
        f"{', '.join(sorted(after))}."
    )


@click.command()
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@click.option("--no-verify", is_flag=True, help="Skip recomputing the chain (large logs).")
@click.option("--max-lag", type=int, default=100, show_default=True, help="Events of lag.")
@click.option(
    "--backup-max-age", type=float, default=26, show_default=True, help="Hours since a backup."
)
@click.option(
    "--digest-max-age",
    type=float,
    default=8,
    show_default=True,
    help="Days since the last signed digest (or signed backup).",
)
@click.option(
    "--close-grace",
    type=int,
    default=45,
    show_default=True,
    help="Days a period may stay open after its end.",
)
@pass_ctx
def doctor(
    state: Context,
    fmt_name: str,
    no_verify: bool,
    max_lag: int,
    backup_max_age: float,
    digest_max_age: float,
    close_grace: int,
) -> None:
    """Health report for monitoring: exit 0 OK, 1 warning, 2 critical."""
    from erp_core.ops.doctor import Limits, exit_code, worst
    from erp_core.ops.doctor import doctor as run

    limits = Limits(
        max_lag=max_lag,
        backup_max_age=dt.timedelta(hours=backup_max_age),
        digest_max_age=dt.timedelta(days=digest_max_age),
        close_grace=dt.timedelta(days=close_grace),
    )
    findings = run(_url(state.db), limits=limits, verify=not no_verify)
    if fmt_name == "json":
        body = {"status": worst(findings), "findings": [f.model_dump() for f in findings]}
        click.echo(json.dumps(body, indent=2))
    else:
        for f in findings:
            click.echo(f"{f.status.upper():8} {f.check}: {f.detail}")
            if f.advice:
                click.echo(f"         -> {f.advice}")
        click.echo(f"overall: {worst(findings).upper()}")
    sys.exit(exit_code(findings))


health = click.Command(
    "health",
    callback=doctor.callback,
    params=doctor.params,
    help="Same as `erp doctor`.",
    hidden=True,
)

commands: list[click.Command] = [
    projections,
    demo,
    backup,
    restore,
    migrate_store,
    upgrade,
    doctor,
    health,
]
reports: list[click.Command] = []
