"""The `erp` command line: the root group, `init`, `apply`, `do` and `schema`.

Every other command lives in its business area (``erp_core.<area>.cli`` lists ``commands`` for
the root and ``reports`` for `erp report`); the root adds them when they are asked for, so
`erp --version` imports no area and `erp report trial-balance` only the areas it lists.

Every command opens the database given by ``--db`` (else ``$ERP_DATABASE_URL``, else
``./erp.sqlite``). Errors are printed as one line on stderr with a non-zero exit status:
2 for invalid input, 1 for a refused action, 3 for storage problems.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import itertools
import json
import sys
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import click

from erp_core.cli_base import Context, ErpGroup, parse_date, pass_ctx
from erp_core.kernel.errors import BatchRefused, ErpError, ValidationError

if TYPE_CHECKING:
    from erp_core.kernel.commands import Action

# Command-line modules beyond the business areas (operating the books).
EXTRA_CLI = ("ops", "web")


@cache
def area_clis() -> tuple[Any, ...]:
    """The ``cli`` module of every area that has one, in the order of the areas."""
    from erp_core.areas import AREAS

    found = []
    for area in (*AREAS, *EXTRA_CLI):
        name = f"erp_core.{area}.cli"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return tuple(found)


class RootGroup(ErpGroup):
    """The root: its own commands, then each area's."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | {"report"}
        for module in area_clis():
            names.update(c.name for c in module.commands if c.name)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        own = super().get_command(ctx, cmd_name)
        if own is not None:
            return own
        if cmd_name == "report":
            return report
        for module in area_clis():
            for command in module.commands:
                if command.name == cmd_name:
                    return command
        return None


class ReportGroup(click.Group):
    """`erp report`: every area's reports."""

    def invoke(self, ctx: click.Context) -> Any:
        result = super().invoke(ctx)
        from erp_core.render import staleness

        staleness()  # with --no-catch-up, every report warns when it read stale rows
        return result

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(c.name for m in area_clis() for c in m.reports if c.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module in area_clis():
            for command in module.reports:
                if command.name == cmd_name:
                    return command
        return None


@click.group(cls=ReportGroup)
@click.option(
    "--no-catch-up",
    is_flag=True,
    help="Read the projections as they are, without first applying the events they lack; "
    "stale output is marked (JSON: as_of_position, stale).",
)
@click.pass_context
def report(ctx: click.Context, no_catch_up: bool) -> None:
    """Financial reports (the read models first catch up with the log)."""
    state = ctx.find_object(Context)
    if no_catch_up and state is not None:
        state.no_catch_up = True


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="ERP_DATABASE_URL", help="Database URL (default ./erp.sqlite).")
@click.option("--actor", envvar="ERP_ACTOR", help="Who is acting (default: your user name).")
@click.option(
    "--token",
    envvar="ERP_TOKEN",
    help="Your API token (prefer $ERP_TOKEN); needed once access control is on.",
)
@click.version_option(package_name="erp_core")
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None, token: str | None) -> None:
    """erp: an event-sourced double-entry accounting core."""
    state = Context(db, actor, token)
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@click.option("--company", required=True, help="Company name.")
@click.option("--currency", required=True, help="Base currency (ISO 4217, e.g. EUR).")
@click.option(
    "--year-start",
    required=True,
    callback=parse_date,
    help="First day of the first fiscal year (YYYY-MM-DD, first of a month).",
)
@pass_ctx
def init(state: Context, company: str, currency: str, year_start: dt.date) -> None:
    """Create the company with the standard chart and open its first fiscal year."""
    erp = state.erp(create=True)
    try:
        erp.init(company, currency.upper(), year_start)
    except BaseException:
        state.discard_created()  # a refused init leaves no file behind
        raise
    click.echo(
        f"Created {company} ({currency.upper()}) in {erp.url.redacted()}; "
        f"fiscal year {year_start.year} is open."
    )


class _BadLine(str):
    """A line that could not be decoded; the text is the reason."""


def _read_lines(path: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines as text; a line that is not UTF-8 comes as a `_BadLine` (reported
    with its number like any other bad line). A UTF-8 byte order mark at the start is skipped
    (spreadsheet programs and Notepad write one)."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield (
                    number,
                    _BadLine(f"not valid UTF-8 (byte {exc.start + 1}); save the file as UTF-8"),
                )
                continue
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _loads(text: str) -> Any:
    """JSON text to Python values: orjson (several times faster on bulk files) and, for
    anything it refuses (NaN, integers beyond 64 bits, lone surrogates, syntax errors), the
    standard library, so what a line means and how a bad line is reported are unchanged."""
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def parse_line(text: str) -> Action:
    if isinstance(text, _BadLine):
        raise ValidationError("", str(text))
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError("", f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValidationError("", "nested too deeply to be an action") from None
    if not isinstance(data, dict):
        raise ValidationError("", 'each line must be a JSON object with an "action" key')
    from erp_core.api import parse_action

    return parse_action(data)


@cli.command()
@click.argument("file")
@click.option(
    "--all-or-nothing", is_flag=True, help="Store every line in one transaction, or none."
)
@click.option(
    "--dry-run", is_flag=True, help="Check every line against the current books; store nothing."
)
@click.option("--batch-size", default=500, show_default=True, help="Actions per atomic save.")
@click.option(
    "--no-project",
    is_flag=True,
    help="Store only; leave the read models to `erp projections worker` (or the next command).",
)
@pass_ctx
def apply(
    state: Context,
    file: str,
    all_or_nothing: bool,
    dry_run: bool,
    batch_size: int,
    no_project: bool,
) -> None:
    """Apply actions from a JSON Lines FILE (- for stdin), one action per line.

    Each line is {"action": "<name>", ...fields}; `erp schema` lists the actions. A bad line
    is reported as `line N: field: reason` and stores nothing. The file is read and stored
    one batch at a time (except with --all-or-nothing or --dry-run, which hold it whole).
    """
    if batch_size < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch-size")
    state.project = not no_project
    erp = state.erp()
    try:
        lines = _read_lines(file)
        first = next(lines, None)  # opens the file: a missing one is a usage error
    except OSError as exc:
        raise click.FileError(file, hint=exc.strerror or str(exc)) from None
    numbered = itertools.chain([] if first is None else [first], lines)
    applied = rejected = 0
    if all_or_nothing or dry_run:
        # One save (or one checked batch, where later lines see earlier ones): the whole
        # file is held, as the single unit of work holds all its events anyway.
        parsed: list[tuple[int, Action]] = []
        errors: list[tuple[int, str]] = []
        for number, text in numbered:
            try:
                parsed.append((number, parse_line(text)))
            except ErpError as err:
                errors.append((number, err.message))
        if all_or_nothing:
            if not errors and parsed:
                try:
                    erp.apply_all_or_nothing([a for _, a in parsed], dry_run=dry_run)
                    applied = len(parsed)
                except BatchRefused as refused:
                    errors.append((parsed[refused.index][0], refused.error.message))
        elif parsed:
            outcomes = erp.apply_many([a for _, a in parsed], batch_size=len(parsed), dry_run=True)
            for (number, _), outcome in zip(parsed, outcomes, strict=True):
                if isinstance(outcome, ErpError):
                    errors.append((number, outcome.message))
                else:
                    applied += 1
        _report_errors(errors)
        rejected = len(errors)
    else:
        # Streamed: parse and store one batch at a time, reporting its bad lines as it goes,
        # so memory stays flat however long the file is.
        for chunk in _batches(numbered, batch_size):
            errors = []
            good: list[tuple[int, Action]] = []
            for number, text in chunk:
                try:
                    good.append((number, parse_line(text)))
                except ErpError as err:
                    errors.append((number, err.message))
            if good:
                outcomes = erp.apply_many([a for _, a in good], batch_size=batch_size)
                for (number, _), outcome in zip(good, outcomes, strict=True):
                    if isinstance(outcome, ErpError):
                        errors.append((number, outcome.message))
                    else:
                        applied += 1
            _report_errors(errors)
            rejected += len(errors)
    verb = "would apply" if dry_run else "applied"
    if all_or_nothing and rejected:
        click.echo(f"{rejected} line(s) rejected; nothing was stored", err=True)
    else:
        click.echo(f"{verb} {applied} action(s), rejected {rejected}")
    if rejected:
        sys.exit(1)


def _batches(numbered: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    while chunk := list(itertools.islice(numbered, size)):
        yield chunk


def _report_errors(errors: list[tuple[int, str]]) -> None:
    for number, message in sorted(errors):
        click.echo(f"line {number}: {message}", err=True)


@cli.command()
@click.argument("action", required=False)
def schema(action: str | None) -> None:
    """Print the JSON Schema of ACTION, or of every action."""
    from erp_core.kernel.registry import action_types, actions

    if action is None:
        out: dict[str, Any] = {"oneOf": [cls.model_json_schema() for cls in actions()]}
    else:
        cls = action_types().get(action)
        if cls is None:
            import difflib

            close = difflib.get_close_matches(action, list(action_types()), n=1, cutoff=0.75)
            hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(action_types())}"
            raise ValidationError("action", f"unknown action {action!r}; {hint}")
        out = cls.model_json_schema()
    click.echo(json.dumps(_non_negative(out), indent=2))


def _non_negative(node: Any) -> Any:
    """No action takes a negative amount, quantity, price or rate (a credit is a `credit`,
    not a negative debit): the schema of actions says so, unlike the stored events' lines."""
    if isinstance(node, dict):
        if node.get("pattern") == r"^-?\d+(\.\d+)?$":
            return {**node, "pattern": r"^\d+(\.\d+)?$"}
        if node.get("type") == "integer" and "description" not in node and len(node) == 1:
            return {"type": "integer", "minimum": 0}
        return {k: _non_negative(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_non_negative(v) for v in node]
    return node


@cli.command("do", context_settings={"ignore_unknown_options": True})
@click.argument("action")
@click.argument("fields", nargs=-1)
@click.option("--idempotency-key", help="Store the action once, however often it is sent.")
@pass_ctx
def do_action(
    state: Context, action: str, fields: tuple[str, ...], idempotency_key: str | None
) -> None:
    """Apply one ACTION given as FIELD=VALUE pairs (VALUE is JSON, or else plain text).

    Example: erp do approve_purchase_order document=PO-2026-000001
    """
    data: dict[str, Any] = {"action": action}
    for pair in fields:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"{pair!r}: give fields as FIELD=VALUE")
        if key in data:
            raise click.UsageError(f"{key}: given more than once; give each field once")
        # JSON for structures, booleans, null and quoted text; anything else (codes, amounts,
        # numbers) stays text, so account=1120 is the account "1120" and amounts stay exact.
        # Inside JSON the rules of `erp apply` hold: a fraction written as a number is a float
        # and refused, as it is in a file.
        if raw[:1] in ("{", "[", '"') or raw in ("true", "false", "null"):
            try:
                data[key] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise click.UsageError(f"{key}: not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise click.UsageError(f"{key}: nested too deeply") from None
        else:
            data[key] = raw
    if idempotency_key:
        data["idempotency_key"] = idempotency_key
    result = state.erp().apply(data)
    stored = ", ".join(result.documents) or "done"
    click.echo(
        f"{action}: {stored}" + (" (already applied; nothing stored)" if result.duplicate else "")
    )


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (the `erp` console script)."""
    from erp_core.cli_base import closed_pipe, interrupted

    try:
        cli.main(args=argv, prog_name="erp")
    except BrokenPipeError:
        closed_pipe()
    except KeyboardInterrupt:
        interrupted()


if __name__ == "__main__":
    main()
