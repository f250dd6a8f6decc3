"""What every part of the `erp` command line shares: the per-invocation context (the database
is opened on first use), option callbacks, and the group that turns errors into one line."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from erp_core.kernel.errors import ErpError, NotInitialised, StorageError, ValidationError

if TYPE_CHECKING:
    from erp_core.api import Erp

FORMATS = click.Choice(["table", "json", "csv"])


class Context:
    def __init__(self, db: str | None, actor: str | None, token: str | None = None) -> None:
        self.db = db
        self.actor = actor
        self.token = token
        self._erp: Erp | None = None
        self.no_catch_up = False  # `--no-catch-up`: read projections as they are, marked stale
        self.warned = False
        self.created: str | None = None  # the SQLite file this invocation created, if any
        self.project = True  # `erp apply --no-project`: store only; a worker projects

    def erp(self, create: bool = False) -> Erp:
        """The books at ``--db``. Only commands that make books (`init`, `demo`) pass
        ``create``; every other command refuses a path where there is no database rather than
        leave an empty one behind. A book made by a command that then fails is removed."""
        if self._erp is None:
            from erp_core.api import Erp
            from erp_core.infra.config import parse_url, resolve_url

            url = parse_url(resolve_url(self.db))
            if url.kind == "sqlite" and not os.path.exists(url.path):
                if not create:
                    raise NotInitialised(
                        f"no database at {url.path}: create one with `erp init` (or give "
                        "--db / ERP_DATABASE_URL)"
                    )
                folder = os.path.dirname(os.path.abspath(url.path))
                if not os.path.isdir(folder):
                    raise ValidationError("db", f"no folder {folder} to create {url.path} in")
                self.created = url.path
            self._erp = Erp.open(self.db, actor=self.actor, token=self.token, project=self.project)
        self._erp.reader.catch_up = not self.no_catch_up
        return self._erp

    def discard_created(self) -> None:
        """Remove the database this invocation created (its command failed)."""
        if self.created is None:
            return
        self.close()
        self._erp = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.created + suffix)
        self.created = None

    def close(self) -> None:
        if self._erp is not None:
            self._erp.close()


pass_ctx = click.make_pass_decorator(Context)


def parse_date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError(value)  # fromisoformat would also take 20260305 and 2026-W10-4
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class ErpGroup(click.Group):
    """Turns every error into one line on stderr and an exit status; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            closed_pipe()
        except KeyboardInterrupt:
            interrupted()
        except StorageError as exc:
            fail(exc.message, 3)
        except ErpError as exc:
            fail(exc.message, exc.exit_code)
        except Exception as exc:
            if _is_storage_failure(exc):
                fail(f"the database failed: {str(getattr(exc, 'orig', exc)).strip()}", 3)
            if _is_pydantic_error(exc):
                from erp_core.api import pydantic_error

                fail(pydantic_error(exc).message, 2)  # type: ignore[arg-type]
            if os.environ.get("ERP_DEBUG"):
                raise
            fail(f"unexpected {type(exc).__name__}: {exc} (set ERP_DEBUG=1 for details)", 70)


def closed_pipe() -> NoReturn:
    """The reader of our output went away (`erp check | head -1`): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second BrokenPipeError when Python exits
    except (OSError, ValueError):
        pass
    sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a closed pipe


def interrupted() -> NoReturn:
    """Ctrl-C: one line, no traceback."""
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(130)  # 128 + SIGINT; skip cleanup that a second Ctrl-C could interrupt


def _is_storage_failure(exc: Exception) -> bool:
    """A database error class from sqlalchemy, sqlite3, psycopg or eventsourcing that means
    the storage failed (not a bug): OperationalError and its kin."""
    return type(exc).__name__ in ("OperationalError", "DiskFull", "ReadOnlySqlTransaction") or (
        type(exc).__name__ == "InternalError" and type(exc).__module__.startswith("sqlalchemy")
    )


def _is_pydantic_error(exc: Exception) -> bool:
    """Without importing pydantic (which a command may never have needed)."""
    cls = type(exc)
    return cls.__name__ == "ValidationError" and cls.__module__.startswith("pydantic")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """Where a command writes its file: `path`, or stdout for None or ``-`` (every command
    that writes a file takes ``-`` this way)."""
    if path is None or path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8") as handle:
        yield handle


def done(message: str, path: str | None) -> None:
    """A command's closing line: on stderr when its output went to stdout."""
    click.echo(message, err=path is None or path == "-")


AS_OF_HELP = "Everything up to and including this date (YYYY-MM-DD)."
FROM_HELP = "First day, inclusive (YYYY-MM-DD); or give --period."
TO_HELP = "Last day, inclusive (YYYY-MM-DD); or give --period."
PERIOD_HELP = (
    "A period as accountants say it: 2026-03 (a month), 2026Q1 (a quarter) or 2026 (a calendar "
    "year); both ends inclusive."
)


def parse_period(_ctx: Any, _param: Any, value: str | None) -> tuple[dt.date, dt.date] | None:
    """`--period`: the first and last day (inclusive) of a month, quarter or calendar year."""
    if value is None:
        return None
    text = value.strip().upper()
    try:
        if len(text) == 4 and text.isdigit():
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(text) in (6, 7) and text[:4].isdigit() and text[-2] == "Q" and text[-1] in "1234":
            year, quarter = int(text[:4]), int(text[-1])
            if len(text) == 7 and text[4] != "-":
                raise ValueError(text)
            first = dt.date(year, 3 * quarter - 2, 1)
            return first, _month_end(year, 3 * quarter)
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            year, month = int(text[:4]), int(text[5:])
            return dt.date(year, month, 1), _month_end(year, month)
    except ValueError:
        pass
    raise click.BadParameter(
        f"{value!r} is not a period: give 2026-03 (a month), 2026Q1 (a quarter) or 2026 (a year)"
    )


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def with_period(
    mode: str, *, first: str | None = None, last: str | None = None, required: bool = False
) -> Any:
    """Add `--period` to a report.

    ``mode="range"``: it sets the first and last day (the parameters ``first`` and ``last``,
    default ``date_from`` and ``date_to``: --from and --to). ``mode="as_of"``: the report is as
    of the period's last day (parameter ``last``, default ``as_of``: --as-of, inclusive); with
    ``first`` (say ``since``) that one gets the period's first day too. ``required``: the
    report needs its dates, so give either --period or the date options (which then are not
    declared required themselves)."""
    if mode not in ("range", "as_of"):
        raise ValueError(f"with_period: unknown mode {mode!r}")
    names: tuple[str | None, str]
    if mode == "range":
        names = (first or "date_from", last or "date_to")
    else:
        names = (first, last or "as_of")

    def decorate(command: Any) -> Any:
        declared = {p.name: p for p in getattr(command, "__click_params__", [])}
        targets = [n for n in names if n is not None]
        missing = [n for n in targets if n not in declared]
        if missing:
            raise TypeError(f"with_period: {command.__name__} has no option {missing}")
        flags = "/".join(declared[n].opts[0] for n in targets)

        @functools.wraps(command)
        def wrapper(
            *args: Any, period: tuple[dt.date, dt.date] | None = None, **kwargs: Any
        ) -> Any:
            if period is not None:
                if any(kwargs.get(n) is not None for n in targets):
                    raise click.UsageError(f"give --period or {flags}, not both")
                for name, day in zip(names, period, strict=True):
                    if name is not None:
                        kwargs[name] = day
            elif required and any(kwargs.get(n) is None for n in targets):
                raise click.UsageError(f"give {flags} or --period")
            return command(*args, **kwargs)

        return click.option("--period", callback=parse_period, help=PERIOD_HELP)(wrapper)

    return decorate
