"""Commands of audit: verifying the chain, digests, replay, document trails, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from erp_core.cli_base import FORMATS, Context, done, output, parse_date, pass_ctx
from erp_core.kernel.errors import ValidationError
from erp_core.ledger.cli import balance_sheet_out, income_statement_out, trial_balance_out
from erp_core.render import new_table, print_table

if TYPE_CHECKING:
    from erp_core.audit import verify as audit


@click.group("audit")
def audit_group() -> None:
    """Prove the log was not rewritten; replay history; trace a document."""


def _read_digest(path: str) -> audit.Digest:
    from pydantic import ValidationError as PydanticValidationError

    from erp_core.audit import verify as audit

    try:
        return audit.Digest.model_validate_json(Path(path).read_bytes())
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None
    except PydanticValidationError as exc:
        raise ValidationError(
            "digest", f"{path} is not a digest file: {exc.errors()[0]['msg']}"
        ) from None


@audit_group.command("verify")
@click.option(
    "--digest",
    "digest_files",
    multiple=True,
    help="An earlier digest file the log must still extend (repeatable).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False),
    help="Trusted Ed25519 public key (PEM): digests must be signed with it.",
)
@click.option(
    "--signatures",
    is_flag=True,
    help="Also verify every signed action with its signer's registered public key.",
)
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def audit_verify(
    state: Context,
    digest_files: tuple[str, ...],
    public_key: str | None,
    signatures: bool,
    fmt_name: str,
) -> None:
    """Recompute the hash chain from the raw stored events and report OK or where it broke;
    with --signatures, also verify every signed action (who authorised what)."""
    from erp_core.audit import verify as audit

    digests = [_read_digest(p) for p in digest_files]
    trusted = audit.load_public_key(Path(public_key).read_bytes()) if public_key else None
    report = state.erp().verify(digests, trusted)
    if fmt_name == "json":
        click.echo(json.dumps({**report.model_dump(mode="json"), "ok": report.ok}, indent=2))
    elif report.ok:
        checked = f"; {len(digests)} digest(s) still hold" if digests else ""
        click.echo(
            f"OK: {report.events} events verified; head position {report.head_position}, "
            f"hash {report.head_hash}{checked}"
        )
    else:
        first = report.problems[0]
        click.echo(f"FAILED at position {first.position}: {first.message}", err=True)
        shown = report.problems[1:11]
        for problem in shown:
            click.echo(f"  also: {problem.message}", err=True)
        if len(report.problems) > 1 + len(shown):
            click.echo(f"  ... and {len(report.problems) - 1 - len(shown)} more", err=True)
    found: list[tuple[int, str]] = []
    if signatures:
        verified, found = state.erp().verify_signatures()
        if found:
            for position, message in found[:11]:
                click.echo(f"SIGNATURE FAILED at position {position}: {message}", err=True)
            if len(found) > 11:
                click.echo(f"  ... and {len(found) - 11} more", err=True)
        else:
            click.echo(f"OK: {verified} signed action(s) verified with their signers' keys")
    if not report.ok or found:
        sys.exit(1)


@audit_group.command("digest")
@click.option(
    "--sign",
    "key_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Ed25519 private key (PEM) to sign the digest with.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the digest here (default stdout)."
)
@pass_ctx
def audit_digest(state: Context, key_file: str | None, out: str | None) -> None:
    """Print the head of the log (position, hash, time), signed with --sign KEY."""
    key = Path(key_file).read_bytes() if key_file else None
    digest = state.erp().digest(key)
    body = digest.model_dump_json(indent=2)
    if out and out != "-":
        with output(out) as handle:
            handle.write(body + "\n")
        click.echo(f"Digest of position {digest.position} written to {out}.")
    else:
        click.echo(body)


@audit_group.command("keygen")
@click.argument("private_file", type=click.Path(dir_okay=False))
@click.argument("public_file", type=click.Path(dir_okay=False))
def audit_keygen(private_file: str, public_file: str) -> None:
    """Make an Ed25519 key pair for signing digests (private key written with mode 600)."""
    from erp_core.audit import verify as audit

    for path in (private_file, public_file):
        if os.path.exists(path):
            raise click.UsageError(f"{path} already exists; not overwriting a key")
    private, public = audit.keygen()
    fd = os.open(private_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    with open(public_file, "wb") as handle:
        handle.write(public)
    click.echo(f"Private key: {private_file} (keep it secret); public key: {public_file}.")


def _moment(_ctx: Any, _param: Any, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-04-10T17:00:00+00:00")
    return moment


@audit_group.command("replay")
@click.option("--as-of-position", "position", type=int, help="Replay the log up to this position.")
@click.option(
    "--known-at",
    "known_at",
    callback=_moment,
    help="Replay what was known at this time (ISO 8601 with zone).",
)
@click.option(
    "--as-of", callback=parse_date, help="Effective date of the balance sheet / trial balance."
)
@click.option("--from", "date_from", callback=parse_date, help="Income statement start.")
@click.option(
    "--to", "date_to", callback=parse_date, help="Income statement end (default --as-of)."
)
@click.option(
    "--report",
    "which",
    type=click.Choice(["all", "trial-balance", "balance-sheet", "income-statement"]),
    default="all",
)
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def audit_replay(
    state: Context,
    position: int | None,
    known_at: dt.datetime | None,
    as_of: dt.date | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    which: str,
    fmt_name: str,
) -> None:
    """Rebuild every projection up to a point into a scratch database and print the reports
    as they were then (the live projections are not touched)."""
    erp = state.erp()
    with erp.replay(position=position, known_at=known_at) as then:
        day = as_of or dt.date.today()
        end = date_to or day
        click.echo(f"As known at log position {then.position}:", err=True)
        if which in ("all", "trial-balance"):
            trial_balance_out(then.trial_balance(as_of), fmt_name)
        if which in ("all", "income-statement"):
            start = date_from or erp.fiscal_year_of(end)[0]
            income_statement_out(then.income_statement(start, end), fmt_name)
        if which in ("all", "balance-sheet"):
            balance_sheet_out(then.balance_sheet(day), fmt_name)


@audit_group.command("trail")
@click.argument("document")
@click.option("--format", "fmt_name", type=click.Choice(["table", "json"]), default="table")
@click.option("--redact", is_flag=True, help="Mask personal data (events marked *).")
@pass_ctx
def audit_trail(state: Context, document: str, fmt_name: str, redact: bool) -> None:
    """Every stored event of a DOCUMENT such as JV-2026-000001, or of a stream (fy:2026, chart,
    employee:EMP-000001); events holding personal data are marked * and --redact masks it."""
    from erp_core.hr.events import PERSONAL_EVENTS, redact_personal
    from erp_core.hr.personal import reveal_details

    erp = state.erp()
    entries = erp.trail(document)
    if any(e.event in PERSONAL_EVENTS for e in entries):
        with erp.reader.connect() as conn:  # decrypted through the keys outside the log
            entries = [
                e.model_copy(update={"details": reveal_details(conn, e.event, dict(e.details))})
                for e in entries
            ]
    if redact:
        entries = [
            e.model_copy(update={"details": redact_personal(e.event, dict(e.details))})
            for e in entries
        ]
    if fmt_name == "json":
        click.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    table = new_table(title=f"Audit trail of {document}")
    several = len({e.stream for e in entries}) > 1  # a document's own stream and its postings
    columns = ["Position", "Stream", "Version", "Recorded at", "Actor", "Event", "Details"]
    for col in columns if several else [c for c in columns if c != "Stream"]:
        table.add_column(col)
    for e in entries:
        details = dict(e.details)
        lines: list[dict[str, Any]] = details.pop("lines", None) or []  # type: ignore[assignment]
        summary = ", ".join(f"{k}={v}" for k, v in details.items() if v not in (None, "", {}))
        name = f"{e.event} *" if e.event in PERSONAL_EVENTS else e.event
        row = [str(e.position), e.stream, str(e.version), e.recorded_at, e.actor, name, summary]
        table.add_row(*(row if several else row[:1] + row[2:]))
        for line in lines:
            blank = [""] * (6 if several else 5)
            table.add_row(*blank, f"  {_line_summary(line)}")
    print_table(table, 120)


def _line_summary(line: Any) -> str:
    """A journal line as `account currency amount (base ...)`; any other line as its fields."""
    if not isinstance(line, dict):
        return str(line)
    if {"account", "currency", "amount", "base"} <= line.keys():
        return f"{line['account']} {line['currency']} {line['amount']} (base {line['base']})"
    return ", ".join(f"{k}={v}" for k, v in line.items() if v not in (None, "", {}, []))


@click.group("export")
def export_group() -> None:
    """Exports auditors can check with their own tools."""


@export_group.command("beancount")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--without-closing",
    is_flag=True,
    help="Leave out year-end closing entries (tagged #closing), so Fava shows the closed "
    "years' income and expenses.",
)
@pass_ctx
def export_beancount(state: Context, file: str | None, without_closing: bool) -> None:
    """Write the general ledger, read from the log, as beancount text to FILE (- or none for
    stdout); check it with bean-check."""
    erp = state.erp()
    with output(file) as out:
        count = erp.export_beancount(out, include_closing=not without_closing)
    done(f"Wrote {count} transactions to {file or '-'}.", file)


@export_group.command("gl")
@click.option("--format", "fmt_name", type=click.Choice(["csv", "json"]), default="csv")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), hidden=True)
@pass_ctx
def export_gl(state: Context, fmt_name: str, file: str | None, out: str | None) -> None:
    """Every journal line (document, posting date, recorded time, account, amounts, actor) to
    FILE (- or none for stdout), as export beancount takes it. (--out FILE is the old spelling.)"""
    from erp_core.ledger.reports import LedgerLine

    if file is not None and out is not None:
        raise click.UsageError("give the output file once: FILE (or the old --out), not both")
    out = file if file is not None else out

    lines = state.erp().general_ledger()
    buffer = io.StringIO()
    if fmt_name == "json":
        json.dump([json.loads(x.model_dump_json()) for x in lines], buffer, indent=2)
    else:
        fields = list(LedgerLine.model_fields)
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for x in lines:
            writer.writerow(
                {k: "" if v is None else v for k, v in x.model_dump(mode="json").items()}
            )
    if out and out != "-":
        with output(out) as handle:
            handle.write(buffer.getvalue())
        done(f"Wrote {len(lines)} journal lines to {out}.", out)
    else:
        click.echo(buffer.getvalue(), nl=False)


commands: list[click.Command] = [audit_group, export_group]
reports: list[click.Command] = []
