"""`erp import KIND FILE --mapping MAP.toml`: migrate CSV and XLSX files into the books."""

from __future__ import annotations

import sys
from typing import Any

import click

from erp_core.cli_base import FORMATS, Context, pass_ctx

KIND_NAMES = (
    "chart",
    "customers",
    "suppliers",
    "items",
    "warehouses",
    "opening_balances",
    "open_payables",
    "open_receivables",
    "opening_stock",
    "fixed_assets",
    "employees",
    "journal_lines",
    "bank_statement",
    "exchange_rates",
)


@click.command("import")
@click.argument(
    "kind", type=click.Choice([*KIND_NAMES, *(k.replace("_", "-") for k in KIND_NAMES)])
)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False), help="TOML mapping.")
@click.option("--dry-run", is_flag=True, help="Check and report everything; store nothing.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Store nothing if any row is refused (one atomic save)."
)
@click.option(
    "--report", "report_file", type=click.Path(dir_okay=False), help="Write the report as CSV."
)
@click.option(
    "--control",
    "controls",
    multiple=True,
    metavar="NAME=AMOUNT",
    help="A control total from the old books (total=2710.75, quantity=1040, "
    "per_customer.C100=2400.00); the run stores nothing unless the file adds up to it.",
)
@click.option("--template", is_flag=True, help="Print a sample CSV and its mapping for KIND.")
@click.option("--format", "fmt_name", type=FORMATS, default="table", show_default=True)
@pass_ctx
def import_command(
    state: Context,
    kind: str,
    file: str | None,
    mapping_file: str | None,
    dry_run: bool,
    all_or_nothing: bool,
    report_file: str | None,
    controls: tuple[str, ...],
    template: bool,
    fmt_name: str,
) -> None:
    """Import a CSV or XLSX FILE as KIND, through the ordinary actions.

    Each row's action carries the key import:KIND:EXTERNAL-ID, so running the same file again
    stores nothing new, and a row changed since is reported as a conflict. Likely duplicates
    stop the run unless the mapping's [kinds.KIND.duplicates] rule merges or flags them; a file
    that does not add up to its control totals stores nothing. The source file and rows of
    what is stored are recorded in import:FILE-SHA256 (erp audit trail). Exit status 1 when a
    row is refused or in conflict.
    """
    from erp_core.imports import run

    if template:
        sample, mapping = run.template(kind)
        click.echo("# sample file (CSV)")
        click.echo(sample, nl=False)
        click.echo("\n# mapping (TOML)")
        click.echo(mapping, nl=False)
        return
    if file is None:
        raise click.UsageError("give the FILE to import (or --template)")
    if mapping_file is None:
        raise click.UsageError("give the --mapping file (erp import KIND --template shows one)")
    from erp_core.imports.kinds import SCHEMA, kind_named
    from erp_core.imports.mapping import load_mapping_file

    spec = kind_named(kind)
    parsed = load_mapping_file(mapping_file, schema=SCHEMA)
    report = run.run_import(
        state.erp(),
        spec.name,
        file,
        parsed,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        control=parse_controls(controls),
    )
    if report_file is not None:
        with open(report_file, "w", encoding="utf-8", newline="") as out:
            out.write(run.report_csv(report))
    rows = [line.as_dict() for line in report.lines]
    if fmt_name == "json":
        import json

        summary = {
            "summary": report.summary(),
            "rows_read": report.rows_read,
            "source": report.source,
            "lines": rows,
        }
        click.echo(json.dumps(summary, indent=2))
    elif fmt_name == "csv":
        click.echo(run.report_csv(report), nl=False)
    else:
        from erp_core.render import new_table, print_table

        if rows:
            table = new_table(f"Import {spec.name}")
            for column in run.REPORT_COLUMNS:
                table.add_column(column.replace("_", " "))
            for row in rows:
                table.add_row(*("" if row[c] is None else str(row[c]) for c in run.REPORT_COLUMNS))
            print_table(table, 120)
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


def parse_controls(given: tuple[str, ...]) -> dict[str, Any]:
    """``--control total=2710.75 --control per_customer.C100=2400`` as control totals."""
    from erp_core.imports.mapping import CellError, canonical_number

    found: dict[str, Any] = {}
    for text in given:
        name, sep, amount = text.partition("=")
        name = name.strip()
        try:
            if not sep or not name:
                raise CellError("")
            value = canonical_number(amount)
        except CellError:
            raise click.BadParameter(
                f"{text!r} is not NAME=AMOUNT (e.g. total=2710.75)", param_hint="--control"
            ) from None
        if "." in name:
            table, _, group = name.partition(".")
            found.setdefault(table, {})[group] = value
        else:
            found[name] = value
    return found


commands: list[click.Command] = [import_command]
reports: list[click.Command] = []
