"""What every part of the `erp` command line shares: the per-invocation context (the database
is opened on first use), option callbacks, and the group that turns errors into one line."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from erp_core.kernel.errors import ErpError, StorageError

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

    def erp(self) -> Erp:
        if self._erp is None:
            from erp_core.api import Erp

            self._erp = Erp.open(self.db, actor=self.actor, token=self.token)
        self._erp.reader.catch_up = not self.no_catch_up
        return self._erp

    def close(self) -> None:
        if self._erp is not None:
            self._erp.close()


pass_ctx = click.make_pass_decorator(Context)


def parse_date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
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
