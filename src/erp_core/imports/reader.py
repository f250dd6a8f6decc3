"""Read CSV and XLSX files into numbered rows of text.

The reader decides nothing about meaning: every cell becomes text, and the mapping step types it.
Both formats give the same shape, a `SourceTable` of `SourceRow(number, values)`, where `number` is
the row a spreadsheet shows (the header is row 1) and `values` maps each header name to the cell's
text, untrimmed.

CSV rules
---------
* **Encoding** (unless given): a UTF-8 byte-order mark means ``utf-8-sig``; a UTF-16 mark means
  ``utf-16`` (Excel's "Unicode text"); otherwise the bytes are tried as strict ``utf-8``, then as
  ``cp1252`` (Windows Western, the usual legacy export), and when cp1252 meets one of its five
  undefined bytes, ``latin-1`` (which decodes anything). UTF-8 goes first because bytes that form
  valid multi-byte UTF-8 are almost never meant as cp1252 text.
* **Not text:** a ZIP or OLE signature (an XLSX/XLS workbook), NUL bytes, or control characters
  other than tab, line feed, carriage return and form feed refuse the file. A trailing DOS end-of-
  file mark (Ctrl-Z) is dropped.
* **Delimiter** (unless given), one of ``,`` ``;`` tab ``|``: the first 50 non-blank records are
  parsed with each candidate; the winner gives the header more than one field and the most records
  with the header's field count; ties go to the order listed. A file with one column reads as
  comma-separated.
* **Line endings:** ``\\n``, ``\\r\\n`` and ``\\r`` alike; a quoted field may span lines.
* **Row numbers** count records as a spreadsheet does on opening the file: blank lines count, a
  quoted field spanning lines is one row. Blank records (no field, or every field empty) are
  skipped.
* **Ragged rows:** a record must have the header's field count. Extra trailing fields that are all
  empty are dropped (a common export artefact), and so are trailing header fields without a name
  when no row has a value under them; any other difference refuses the file, naming the row.

XLSX rules
----------
Read with openpyxl in read-only mode with ``data_only=True`` (a formula reads as its cached value; a
formula a program wrote and no spreadsheet ever computed reads as empty). The first worksheet is
read unless a sheet is named. Cell values become text as follows, and the column is marked
*canonical* for that row (`SourceRow.canonical`), so the mapping parses it in canonical form rather
than with the file's decimal separators or date formats:

* integers: ``str(n)``;
* floats: ``Decimal(repr(x))`` rounded half-even to 15 significant digits (what a spreadsheet
  shows; beyond that, a binary float holds noise such as ``0.30000000000000004``), written
  without exponent and without trailing fractional zeros. No float arithmetic is done on amounts;
* dates (a datetime at midnight): ``YYYY-MM-DD``; other datetimes ``YYYY-MM-DDTHH:MM:SS``; times
  ``HH:MM:SS``;
* booleans: ``TRUE`` / ``FALSE``; empty cells: ``""``; text as it is.

Encrypted (password-protected) workbooks are OLE containers, not ZIP: they are refused as such.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from xml.etree.ElementTree import ParseError

from erp_core.imports.errors import SourceFileError

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
SIGNIFICANT_DIGITS = 15
SNIFF_RECORDS = 50

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_DIGITS15 = Context(prec=SIGNIFICANT_DIGITS, rounding=ROUND_HALF_EVEN)

Source = str | os.PathLike[str] | bytes


@dataclass(frozen=True, eq=True)
class SourceRow:
    """One data row: its spreadsheet row number and the text of each column.

    `canonical` names the columns whose text came from a typed spreadsheet cell (a number written
    with a point and no grouping, or an ISO date), so the mapping parses them as such.
    """

    number: int
    values: Mapping[str, str]
    canonical: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not isinstance(self.values, MappingProxyType):
            object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __hash__(self) -> int:
        return hash((self.number, tuple(self.values.items()), self.canonical))


@dataclass(frozen=True)
class SourceTable:
    """The rows of one file (or sheet), with how it was read."""

    file: str
    format: Literal["csv", "xlsx"]
    columns: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1


# --------------------------------------------------------------------------------------------
# entry points


def read_table(
    source: Source,
    *,
    name: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceTable:
    """Read a CSV or XLSX file, choosing by content (a ZIP container is a workbook)."""
    file, data = _load(source, name)
    if data.startswith(_ZIP_MAGIC) or data.startswith(_OLE_MAGIC):
        return read_xlsx(data, name=file, sheet=sheet)
    return read_csv(data, name=file, encoding=encoding, delimiter=delimiter)


def read_csv(
    source: Source,
    *,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceTable:
    """Read a CSV file (path or bytes) into a `SourceTable`; see the module notes for the rules."""
    file, data = _load(source, name)
    if delimiter is not None and delimiter not in DELIMITERS:
        raise SourceFileError(file, f"delimiter {delimiter!r} is not one of , ; tab |")
    if data.startswith(_ZIP_MAGIC):
        raise SourceFileError(file, "is a ZIP archive (an XLSX workbook?), not a CSV file")
    if data.startswith(_OLE_MAGIC):
        raise SourceFileError(
            file, "is an old Excel (.xls) or password-protected workbook, not a CSV file"
        )
    text, used_encoding = decode_text(data, file, encoding)
    if text.endswith("\x1a"):
        text = text[:-1]
    _refuse_control_characters(file, text)
    if not text.strip():
        raise SourceFileError(file, "is empty")
    chosen = delimiter if delimiter is not None else sniff_delimiter(text)
    records = _csv_records(file, text, chosen)
    columns, rows, header_row = _build_table(file, records, pad_short=False)
    return SourceTable(
        file=file,
        format="csv",
        columns=columns,
        rows=rows,
        encoding=used_encoding,
        delimiter=chosen,
        header_row=header_row,
    )


def read_xlsx(source: Source, *, name: str | None = None, sheet: str | None = None) -> SourceTable:
    """Read the first (or the named) worksheet of an XLSX workbook into a `SourceTable`."""
    file, data = _load(source, name)
    if not data:
        raise SourceFileError(file, "is empty")
    if data.startswith(_OLE_MAGIC):
        raise SourceFileError(
            file,
            "is an encrypted (password-protected) or old-format .xls workbook; "
            "save it as an unprotected .xlsx",
        )
    if not data.startswith(_ZIP_MAGIC):
        raise SourceFileError(file, "is not an XLSX workbook (no ZIP container)")
    import openpyxl  # imported here: reading CSV must not pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, ParseError) as exc:
        raise SourceFileError(file, f"is not a readable XLSX workbook ({exc})") from None
    try:
        names = list(workbook.sheetnames)
        if sheet is None:
            if not workbook.worksheets:
                raise SourceFileError(file, "has no worksheet")
            worksheet = workbook.worksheets[0]
        elif sheet not in names:
            known = ", ".join(repr(n) for n in names)
            raise SourceFileError(file, f"has no sheet named {sheet!r} (sheets: {known})")
        else:
            worksheet = workbook[sheet]
            if not hasattr(worksheet, "iter_rows"):
                raise SourceFileError(file, f"sheet {sheet!r} is a chart, not a worksheet")
        title = str(worksheet.title)
        records = _xlsx_records(file, worksheet.iter_rows(values_only=True))
        columns, rows, header_row = _build_table(file, records, pad_short=True)
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, ParseError, EOFError) as exc:
        if isinstance(exc, SourceFileError):
            raise
        raise SourceFileError(file, f"is not a readable XLSX workbook ({exc})") from None
    finally:
        workbook.close()
    return SourceTable(
        file=file,
        format="xlsx",
        columns=columns,
        rows=rows,
        sheet=title,
        header_row=header_row,
    )


# --------------------------------------------------------------------------------------------
# CSV


def decode_text(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a CSV file's bytes; returns the text and the encoding used (rule in module notes)."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourceFileError(file, f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            row = data.count(b"\n", 0, exc.start) + 1
            raise SourceFileError(
                file, f"cannot be decoded as {encoding} (byte {exc.start})", row
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            row = data.count(b"\n", 0, exc.start) + 1
            raise SourceFileError(
                file, f"starts with a UTF-8 mark but is not UTF-8 (byte {exc.start})", row
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise SourceFileError(file, "starts with a UTF-16 mark but is not UTF-16") from None
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Choose among , ; tab | the delimiter that best fits the first records (rule in notes)."""
    best = DELIMITERS[0]
    best_score: tuple[bool, int, int] | None = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            sample = [r for r in itertools.islice(reader, SNIFF_RECORDS * 2) if _non_blank(r)]
        except csv.Error:
            continue
        sample = sample[:SNIFF_RECORDS]
        if not sample:
            continue
        width = len(sample[0])
        score = (width > 1, sum(1 for r in sample if len(r) == width), width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(
    file: str, text: str, delimiter: str
) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceFileError(file, f"is not valid CSV ({exc})", number + 1) from None
        number += 1
        yield number, record, frozenset()


def _refuse_control_characters(file: str, text: str) -> None:
    found = _CONTROL.search(text)
    if found is None:
        return
    row = text.count("\n", 0, found.start()) + 1
    char = found.group()
    what = "NUL bytes" if char == "\x00" else f"the control character U+{ord(char):04X}"
    raise SourceFileError(file, f"is not a text file: it contains {what}", row)


# --------------------------------------------------------------------------------------------
# XLSX


def _xlsx_records(
    file: str, rows: Iterable[tuple[object, ...]]
) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    for number, cells in enumerate(rows, start=1):
        texts: list[str] = []
        typed: set[int] = set()
        for index, value in enumerate(cells):
            text, is_typed = cell_text(value)
            texts.append(text)
            if is_typed:
                typed.add(index)
        yield number, texts, frozenset(typed)


def cell_text(value: object) -> tuple[str, bool]:
    """A spreadsheet cell's value as text, and whether that text is canonical (typed)."""
    if value is None:
        return "", False
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), True
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return float_text(value), True
    if isinstance(value, Decimal):
        return decimal_text(value), True
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat(), True
        return value.isoformat(timespec="seconds"), True
    if isinstance(value, dt.date):
        return value.isoformat(), True
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds"), True
    return str(value), False


def float_text(value: float) -> str:
    """A spreadsheet float as decimal text: `Decimal(repr(x))` to 15 significant digits.

    >>> float_text(0.1 + 0.2), float_text(1234.5), float_text(1e20), float_text(-0.0)
    ('0.3', '1234.5', '100000000000000000000', '0')
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    return decimal_text(_DIGITS15.create_decimal(repr(value)))


def decimal_text(value: Decimal) -> str:
    """Plain text of a Decimal: no exponent, no trailing fractional zeros, no negative zero."""
    if value.is_zero():
        return "0"
    text = format(value.normalize(), "f")
    return text


# --------------------------------------------------------------------------------------------
# shared


def _build_table(
    file: str,
    records: Iterable[tuple[int, list[str], frozenset[int]]],
    *,
    pad_short: bool,
) -> tuple[tuple[str, ...], tuple[SourceRow, ...], int]:
    iterator = iter(records)
    header: list[str] | None = None
    header_row = 0
    for number, cells, _typed in iterator:
        if _non_blank(cells):
            header, header_row = cells, number
            break
    if header is None:
        raise SourceFileError(file, "is empty (no header row)")
    names = [cell.strip() for cell in header]
    raw_width = len(names)
    while names and not names[-1]:
        names.pop()
    width = len(names)
    if width == 0:
        raise SourceFileError(file, "the header row has no column names", header_row)
    seen: dict[str, int] = {}
    for index, column in enumerate(names, start=1):
        if not column:
            raise SourceFileError(file, f"header column {index} has no name", header_row)
        if column in seen:
            raise SourceFileError(
                file,
                f"column {column!r} appears twice in the header (columns {seen[column]} "
                f"and {index})",
                header_row,
            )
        seen[column] = index
    columns = tuple(names)
    rows: list[SourceRow] = []
    for number, cells, typed in iterator:
        if not _non_blank(cells):
            continue
        if len(cells) < width and not pad_short:
            raise SourceFileError(
                file,
                f"has {len(cells)} fields where the header has {width} "
                "(a missing delimiter, or a quote not closed?)",
                number,
            )
        if len(cells) > raw_width and not pad_short and any(c.strip() for c in cells[raw_width:]):
            raise SourceFileError(
                file,
                f"has {len(cells)} fields where the header has {raw_width} "
                "(an unquoted delimiter inside a value?)",
                number,
            )
        for index in range(width, len(cells)):
            if cells[index].strip():
                raise SourceFileError(
                    file,
                    f"has a value ({cells[index]!r}) in column {index + 1}, which has no header",
                    number,
                )
        padded = cells[:width] + [""] * (width - len(cells))
        rows.append(
            SourceRow(
                number=number,
                values=dict(zip(columns, padded, strict=True)),
                canonical=frozenset(columns[i] for i in typed if i < width),
            )
        )
    return columns, tuple(rows), header_row


def _non_blank(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _load(source: Source, name: str | None) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray):
        return (name or "<data>"), bytes(source)
    path = Path(source)
    file = name or str(path)
    try:
        return file, path.read_bytes()
    except FileNotFoundError:
        raise SourceFileError(file, "does not exist") from None
    except IsADirectoryError:
        raise SourceFileError(file, "is a directory, not a file") from None
    except OSError as exc:
        raise SourceFileError(file, f"cannot be read ({exc.strerror})") from None
