"""One renderer for every report: a rich table, JSON or CSV.

Rich is imported only when a table is built, so commands that print JSON, CSV or nothing do not
pay for it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.table import Table


def new_table(title: str | None = None, **options: Any) -> Table:
    from rich.table import Table

    return Table(title=title, **options)


def print_table(table: Table, width: int = 100) -> None:
    """Print a rich table at least `width` columns wide (wider terminals get more)."""
    from rich.console import Console

    Console(width=max(width, Console().width)).print(table)


# Above this many rows a table is printed as plain aligned text: rich lays out every cell of
# every row before printing the first (measured: 11.8 s CPU for 20,000 general-ledger lines),
# plain text is written row by row (about 0.1 s for the same lines).
PLAIN_ABOVE = 1000


def print_rows(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int = 100,
    right: Sequence[str] = (),
) -> None:
    """A table of text cells: a rich table when small, plain aligned text when large."""
    if len(rows) <= PLAIN_ABOVE:
        table = new_table(title)
        for col in columns:
            table.add_column(col, justify="right" if col in right else "left")
        for row in rows:
            table.add_row(*row)
        print_table(table, width)
        return
    widths = [len(c) for c in columns]
    for row in rows:
        for i, value in enumerate(row):
            if len(value) > widths[i]:
                widths[i] = len(value)
    aligned = [col in right for col in columns]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            (v.rjust(w) if r else v.ljust(w))
            for v, w, r in zip(values, widths, aligned, strict=True)
        ).rstrip()

    click.echo(f"{title}\n{line(columns)}\n{'  '.join('-' * w for w in widths)}")
    for start in range(0, len(rows), 2000):  # written as it goes, a block at a time
        click.echo("\n".join(line(row) for row in rows[start : start + 2000]))


def cell(value: Any) -> str:
    """A CSV cell: booleans as true/false (as in JSON), None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: Sequence[dict[str, Any]], fields: Sequence[str] | None = None) -> str:
    """CSV with a header row, even when there are no rows (CSV readers need it)."""
    buffer = io.StringIO()
    names = list(fields) if fields is not None else (list(rows[0]) if rows else [])
    if names:
        writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def staleness() -> tuple[int, int] | None:
    """(position read, log head) when this command reads projections without catching up
    (`--no-catch-up`) and they are behind the log; also warns on stderr. None when current."""
    from erp_core.cli_base import Context

    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(Context) if ctx is not None else None
    if state is None or not state.no_catch_up:
        return None
    position, head = state.erp().freshness()
    if position >= head:
        return None
    if not state.warned:
        state.warned = True
        click.echo(
            f"warning: stale: the read models are at log position {position} of {head} "
            f"({head - position} events behind); run `erp projections catch-up`",
            err=True,
        )
    return position, head


def stale_json(body: Any, stale: tuple[int, int]) -> str:
    marks = {"as_of_position": stale[0], "log_head": stale[1], "stale": True}
    if isinstance(body, dict):
        return json.dumps({**body, **marks}, indent=2)
    return json.dumps({**marks, "rows": body}, indent=2)


def echo_json(body: Any) -> None:
    """Print a report's JSON (a model, or plain data); read without catching up and behind
    the log, it carries the staleness marks (`as_of_position`, `log_head`, `"stale": true`)."""
    from pydantic import BaseModel

    stale = staleness()
    if stale is None:
        if isinstance(body, BaseModel):
            click.echo(body.model_dump_json(indent=2))
        else:
            click.echo(json.dumps(body, indent=2))
        return
    plain = json.loads(body.model_dump_json()) if isinstance(body, BaseModel) else body
    click.echo(stale_json(plain, stale))


def emit(
    report: BaseModel,
    fmt_name: str,
    table: Table,
    rows: list[dict[str, Any]],
    fields: Sequence[str] | None = None,
) -> None:
    """Print a report as JSON (the model), CSV (the rows; `fields` name the columns when
    there may be no rows) or the rich table."""
    stale = staleness()
    if fmt_name == "json" and stale is not None:
        click.echo(stale_json(json.loads(report.model_dump_json()), stale))
    elif fmt_name == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt_name == "csv":
        click.echo(csv_text(rows, fields), nl=False)
    else:
        print_table(table, 100)


def rows_out(title: str, models: Sequence[BaseModel], columns: list[str], fmt_name: str) -> None:
    """Print report rows as a table, JSON or CSV."""
    stale = staleness()
    if fmt_name == "json":
        body = [json.loads(m.model_dump_json()) for m in models]
        click.echo(json.dumps(body, indent=2) if stale is None else stale_json(body, stale))
        return
    rows = [{k: cell(v) for k, v in m.model_dump(mode="json").items()} for m in models]
    if fmt_name == "csv":
        fields = list(type(models[0]).model_fields) if models else columns
        click.echo(csv_text(rows, fields), nl=False)
        return
    print_rows(
        title,
        [col.replace("_", " ") for col in columns],
        [[row.get(col, "") for col in columns] for row in rows],
        170,
    )
