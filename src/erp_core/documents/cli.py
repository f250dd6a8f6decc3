"""`erp document`: render a business document from the log, and verify one handed back."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from erp_core.cli_base import Context, parse_date, pass_ctx
from erp_core.kernel.errors import ErpError


class DocumentGroup(click.Group):
    """`erp document NUMBER ...` renders; `erp document verify|statement ...` are commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


def _output(data: bytes, out: str) -> None:
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise click.FileError(out, hint=exc.strerror or str(exc)) from None
    click.echo(f"wrote {out} ({len(data)} bytes)", err=True)


def _render_options(fn: Any) -> Any:
    fn = click.option(
        "--language",
        help="Print in this language (en, zh, de, or a locale such as de_AT) instead of the "
        "party's or the company's.",
    )(fn)
    fn = click.option(
        "--as-of-position",
        type=click.IntRange(min=0),
        help="Render the document as the log knew it at this position.",
    )(fn)
    fn = click.option(
        "--templates",
        type=click.Path(file_okay=False),
        envvar="ERP_DOCUMENT_TEMPLATES",
        help="A folder of templates that override the shipped ones (by file name).",
    )(fn)
    fn = click.option(
        "--out", "-o", help="Output file, or - for standard output (default: NUMBER.FORMAT)."
    )(fn)
    fn = click.option(
        "--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True
    )(fn)
    return fn


@click.group("document", cls=DocumentGroup, invoke_without_command=False)
def document_group() -> None:
    """Business documents from the log: erp document NUMBER [--format html|pdf] [--out FILE|-].

    NUMBER is a purchase order (PO-...), goods receipt (GR-...), supplier payment (PY-...),
    sales order (SO-...), delivery note (DN-...), invoice (SI-...), credit note (CN-...) or
    payslip (PS-...; --redact masks its personal data), in the language of its customer,
    supplier or employee (set_document_language) or --language en|zh|de;
    `erp document statement CUSTOMER --as-of DATE` prints a statement of account and
    `erp document verify FILE-or-CODE` checks a document against the log."""


@document_group.command("show", hidden=True)
@click.argument("number")
@_render_options
@click.option("--redact", is_flag=True, help="Mask personal data (fields marked *; payslips).")
@pass_ctx
def show(
    state: Context,
    number: str,
    fmt: str,
    out: str | None,
    templates: str | None,
    as_of_position: int | None,
    language: str | None,
    redact: bool,
) -> None:
    """Render the document NUMBER."""
    from erp_core.documents import service
    from erp_core.documents.render import render

    doc = service.document(
        state.erp(), number, as_of_position=as_of_position, redact=redact, language=language
    )
    _output(render(doc, fmt, templates), out or f"{doc.number}.{fmt}")  # type: ignore[arg-type]


@document_group.command("statement")
@click.argument("customer")
@click.option("--as-of", required=True, callback=parse_date, help="Statement date (YYYY-MM-DD).")
@_render_options
@pass_ctx
def statement(
    state: Context,
    customer: str,
    as_of: dt.date,
    fmt: str,
    out: str | None,
    templates: str | None,
    as_of_position: int | None,
    language: str | None,
) -> None:
    """A customer's statement of account as of a date (transactions and open invoices)."""
    from erp_core.documents import service
    from erp_core.documents.render import render

    doc = service.statement(
        state.erp(), customer, as_of, as_of_position=as_of_position, language=language
    )
    _output(render(doc, fmt, templates), out or f"{doc.number}.{fmt}")  # type: ignore[arg-type]


@document_group.command("verify")
@click.argument("target")
@click.option(
    "--templates",
    type=click.Path(file_okay=False),
    envvar="ERP_DOCUMENT_TEMPLATES",
    help="The template folder the document was rendered with, if not the shipped one.",
)
@pass_ctx
def verify(state: Context, target: str, templates: str | None) -> None:
    """Check a rendered document (HTML or PDF file) or its verification code against the log.

    Exit status 0 when it matches, 1 when it does not (a changed amount, a rewritten log)."""
    from erp_core.documents import service

    path = Path(target)
    erp = state.erp()
    if path.is_file():
        result = service.verify_file(erp, path.read_bytes(), templates=templates)
    elif target.count(":") >= 2 and not path.suffix:
        result = service.verify_code(erp, target)
    else:
        raise ErpError(f"{target}: no such file (and not a verification code NUMBER:POS:HASH)")
    where = f"{result.number} at log position {result.position}" if result.number else target
    if result.ok:
        click.echo(f"OK: {where} matches the log ({'; '.join(result.notes) or 'code checked'})")
        return
    click.echo(f"FAILED: {where} does not match the log", err=True)
    for problem in result.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


commands: list[click.Command] = [document_group]
reports: list[click.Command] = []
