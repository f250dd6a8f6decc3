"""Errors of the import area.

Two kinds of failure, kept apart on purpose:

* a file or mapping that cannot be used at all raises (`SourceFileError`, `MappingFileError`):
  nothing is read, and the message names the file (and row, where there is one) or the key;
* a bad cell or a failed check is data (`RowError`, `Problem` in `checks`): collected in lists,
  reported together, so the person fixing the source sees every problem in one run.

`ImportsError` is an `ErpError` (so the CLI prints it as one line, exit status 2) and, for the pure
core's callers, a `ValueError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from erp_core.kernel.errors import ErpError


class ImportsError(ErpError, ValueError):
    """Base of every error the import core raises on purpose (bad input: exit status 2)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SourceFileError(ImportsError):
    """A CSV or XLSX file that cannot be read; names the file and, where known, the row."""

    def __init__(self, file: str, reason: str, row: int | None = None) -> None:
        where = f"{file}, row {row}" if row is not None else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.row = row
        self.reason = reason


class MappingFileError(ImportsError):
    """A mapping file that is malformed; `key` is the dotted path of the offending entry."""

    def __init__(self, key: str, reason: str, file: str = "mapping") -> None:
        super().__init__(f"{file}, {key}: {reason}" if key else f"{file}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    """One refused cell or row: `row 7, column 'Amount': '12,3.4' is not a number`."""

    row: int
    reason: str
    column: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        elif self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"
