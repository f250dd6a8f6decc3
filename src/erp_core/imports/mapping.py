"""Mapping files: which source column feeds which target field, and how it is transformed.

A mapping is TOML, one table per import kind::

    version = 1                              # optional; only 1 exists

    [kinds.customers]
    external_id = "Customer No"              # column(s) whose text identifies the row for re-runs;
                                             # a list joins several with "|" (a "|" or "\\" in
                                             # a part is escaped by "\\"); absent: a hash of
                                             # the row (`row_hash`)
    delimiter = ";"                          # optional reading hints: delimiter, encoding, sheet

    [kinds.customers.fields.code]
    column = "Customer No"
    required = true
    transform = ["trim", "upper"]

    [kinds.customers.fields.credit_limit]
    column = "Credit limit"
    default = "0"                            # canonical text: point decimals, ISO dates
    transform = [{ number = { decimal = ",", thousands = "." } }]

    [kinds.customers.duplicates]             # optional: likely duplicates and existing codes
    keys = ["VAT no"]                        # source columns that identify a party exactly
    threshold = "0.90"                       # name similarity from which two names pair
    near = "stop"                            # stop (default) | merge | flag
    existing = "refuse"                      # refuse (default) | skip

    [kinds.customers.control]                # optional: totals from the old books
    rows = "200"                             # the kind names its totals (see its template)

The duplicates rule: ``near = "stop"`` stops the run (nothing stored) when two rows, or a row
and a stored record, look alike or share a key, listing every pair with its similarity;
``"merge"`` stores only the first row of each group (or nothing, when it resembles one stored
record) and reports the others as ``merged`` into it; ``"flag"`` only reports the pairs.
``existing = "skip"`` leaves alone a row whose code is already in the books but was not imported
under this row's key (``refuse``, the default, refuses it naming the code).

Steps, applied in order (the text steps first; a parsing step ends the chain):

* ``"trim"``, ``"upper"``, ``"lower"``, ``"collapse_spaces"`` (trim and one space between words);
* ``{ map = { table = { A = "RETAIL" }, default = "OTHER" } }`` or ``keep_unmapped = true``;
  without either, an unmapped code is a row error;
* ``{ regex = "pattern" }`` or ``{ regex = { pattern = "...", group = 1 } }``: the first match's
  group (group 1 when the pattern has groups, else the whole match); no match is a row error;
* ``{ split = ";" }`` gives a list of the trimmed, non-empty parts, and later steps apply to each
  part; ``{ split = { separator = ";", index = 0 } }`` keeps one part;
* ``{ number = { decimal = ",", thousands = ".", negative_brackets = true } }``: a `Decimal`;
  the thousands separator ("", ",", ".", " ", "'") is optional in the text but, where present,
  must group by three; a sign may lead or trail (``1.234,56-``); ``(12.50)`` is negative unless
  ``negative_brackets = false``; exponents are refused;
* ``{ date = ["%d.%m.%Y", "%d/%m/%Y"] }``: a `datetime.date`; the first format that parses wins,
  and ISO ``YYYY-MM-DD`` is always accepted;
* ``"boolean"`` or ``{ boolean = { true = ["ja"], false = ["nein"] } }`` (defaults: true, yes, y,
  1, x / false, no, n, 0), compared without case.

A cell that is empty or blank takes the field's ``default`` (which passes through the same steps,
read as canonical), else is a row error when ``required``, else ``None``. A cell that came from a
typed spreadsheet cell (`SourceRow.canonical`) is parsed canonically by ``number`` and ``date``.
Unknown keys anywhere are refused by name. No float is ever produced: numbers are `Decimal` built
from their text, and a TOML float in the mapping is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from erp_core.imports.errors import MappingFileError, RowError
from erp_core.imports.reader import SourceRow, SourceTable, decimal_text

Scalar: TypeAlias = str | Decimal | dt.date | bool
FieldValue: TypeAlias = Scalar | tuple[Scalar, ...] | None
ValueType = Literal["text", "number", "date", "boolean"]

DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS = ("", ",", ".", " ", "'")
TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0")

_CANONICAL_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPACES = "[ \u00a0\u202f]"


class CellError(ValueError):
    """A value a step cannot take; the reason becomes a `RowError`."""


# --------------------------------------------------------------------------------------------
# number and date parsing (also used on their own)


def parse_number(
    text: str, *, decimal: str = ".", thousands: str = "", negative_brackets: bool = True
) -> Decimal:
    """Parse ``1.234,56``-style text exactly into a Decimal; raises `CellError` if it is not one.

    >>> parse_number("1.234,56", decimal=",", thousands="."), parse_number("(12.50)")
    (Decimal('1234.56'), Decimal('-12.50'))
    """
    return _number_pattern(decimal, thousands, negative_brackets)(text)


def format_number(value: Decimal, *, decimal: str = ".", thousands: str = "") -> str:
    """Write a Decimal with the given separators, grouping by three (inverse of `parse_number`)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{value!r} is not a finite Decimal")
    text = format(value.copy_abs(), "f")
    whole, _, fraction = text.partition(".")
    if thousands:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        whole = thousands.join(groups)
    sign = "-" if value.is_signed() and not value.is_zero() else ""
    return f"{sign}{whole}{decimal}{fraction}" if fraction else f"{sign}{whole}"


def parse_date(text: str, formats: Iterable[str] = ()) -> dt.date:
    """Parse a date with the first matching format, falling back to ISO ``YYYY-MM-DD``."""
    return _parse_date(text, tuple(formats))


@lru_cache(maxsize=4096)  # files repeat dates; strptime is the slowest step
def _parse_date(text: str, formats: tuple[str, ...]) -> dt.date:
    value = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CellError(f"{text!r} is not a valid date") from None
    shown = ", ".join(formats) or "YYYY-MM-DD"
    raise CellError(f"{text!r} is not a date (expected {shown})")


@lru_cache(maxsize=64)
def _number_pattern(decimal: str, thousands: str, negative_brackets: bool) -> _NumberParser:
    return _NumberParser(decimal, thousands, negative_brackets)


@dataclass(frozen=True)
class _NumberParser:
    decimal: str
    thousands: str
    negative_brackets: bool
    body: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.decimal not in DECIMAL_SEPARATORS:
            raise ValueError(f"decimal separator {self.decimal!r} is not one of . ,")
        if self.thousands not in THOUSANDS_SEPARATORS:
            raise ValueError(f"thousands separator {self.thousands!r} is not one of , . space '")
        if self.thousands == self.decimal:
            raise ValueError(f"thousands and decimal separators are both {self.decimal!r}")
        dec = re.escape(self.decimal)
        if self.thousands:
            sep = _SPACES if self.thousands == " " else re.escape(self.thousands)
            whole = rf"(?P<whole>\d{{1,3}}(?:{sep}\d{{3}})+|\d+)"
        else:
            whole = r"(?P<whole>\d+)"
        pattern = rf"(?:{whole}(?:{dec}(?P<frac1>\d+))?|{dec}(?P<frac2>\d+))"
        object.__setattr__(self, "body", re.compile(pattern))

    def __call__(self, text: str) -> Decimal:
        value = text.strip()
        negative = False
        if self.negative_brackets and value.startswith("(") and value.endswith(")"):
            value, negative = value[1:-1].strip(), True
        if value[:1] in ("+", "-") or value[-1:] == "-":
            if negative:  # a sign inside brackets
                raise CellError(f"{text!r} is not a number")
            negative = value[:1] == "-" or value[-1:] == "-"
            value = value[1:] if value[:1] in ("+", "-") else value[:-1]
        found = self.body.fullmatch(value)
        if found is None:
            raise CellError(f"{text!r} is not a number")
        digits = re.sub(r"\D", "", found["whole"] or "0")
        fraction = found["frac1"] or found["frac2"] or ""
        result = Decimal(f"{digits}.{fraction}" if fraction else digits)
        if negative and not result.is_zero():
            result = -result
        return result


def canonical_number(text: str) -> Decimal:
    """A number written canonically (``-1234.50``: a point, no separators), exactly."""
    return _canonical_number(text)


def _canonical_number(text: str) -> Decimal:
    value = text.strip()
    if not _CANONICAL_NUMBER.fullmatch(value):
        raise CellError(f"{text!r} is not a number")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None
    return result.copy_abs() if result.is_zero() else result


# --------------------------------------------------------------------------------------------
# steps


@dataclass(frozen=True)
class Step:
    """One transformation; `gives` is the type of value it produces from text."""

    name: str
    gives: ValueType = "text"

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        """Transform one text value; returns the result and whether it is still canonical."""
        raise NotImplementedError


@dataclass(frozen=True)
class TextStep(Step):
    """trim, upper, lower, collapse_spaces: text in, text out; keeps canonical text canonical."""

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        if self.name == "trim":
            return value.strip(), canonical
        if self.name == "upper":
            return value.upper(), canonical
        if self.name == "lower":
            return value.lower(), canonical
        return " ".join(value.split()), canonical


@dataclass(frozen=True)
class MapStep(Step):
    table: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    keep_unmapped: bool = False

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        if value in self.table:
            return self.table[value], False
        if self.default is not None:
            return self.default, False
        if self.keep_unmapped:
            return value, canonical
        known = ", ".join(repr(k) for k in sorted(self.table)[:10])
        more = ", ..." if len(self.table) > 10 else ""
        raise CellError(f"{value!r} is not in the code map (known: {known}{more})")


@dataclass(frozen=True)
class RegexStep(Step):
    pattern: re.Pattern[str] = field(default_factory=lambda: re.compile(""))
    group: int | str = 0

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        found = self.pattern.search(value)
        part = found.group(self.group) if found is not None else None
        if part is None:
            raise CellError(f"{value!r} does not match the pattern {self.pattern.pattern!r}")
        return part, False


@dataclass(frozen=True)
class SplitStep(Step):
    separator: str = ","
    index: int | None = None

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        parts = tuple(p.strip() for p in value.split(self.separator))
        if self.index is None:
            return tuple(p for p in parts if p), False
        try:
            return parts[self.index], False
        except IndexError:
            raise CellError(f"{value!r} has no part {self.index}") from None


@dataclass(frozen=True)
class NumberStep(Step):
    gives: ValueType = "number"
    decimal: str = "."
    thousands: str = ""
    negative_brackets: bool = True

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        if canonical:
            return _canonical_number(value), True
        parse = _number_pattern(self.decimal, self.thousands, self.negative_brackets)
        return parse(value), True


@dataclass(frozen=True)
class DateStep(Step):
    gives: ValueType = "date"
    formats: tuple[str, ...] = ()

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        if canonical and "T" in value.strip():
            raise CellError(f"{value!r} has a time of day where a date was expected")
        return parse_date(value, () if canonical else self.formats), True


@dataclass(frozen=True)
class BooleanStep(Step):
    gives: ValueType = "boolean"
    true_words: frozenset[str] = frozenset(TRUE_WORDS)
    false_words: frozenset[str] = frozenset(FALSE_WORDS)

    def apply(self, value: str, canonical: bool) -> tuple[Scalar | tuple[str, ...], bool]:
        word = value.strip().casefold()
        if word in self.true_words:
            return True, True
        if word in self.false_words:
            return False, True
        raise CellError(f"{value!r} is not yes or no")


# --------------------------------------------------------------------------------------------
# the mapping model


@dataclass(frozen=True)
class FieldMapping:
    """How one target field is filled: source column (or none: a constant), default, steps."""

    name: str
    column: str | None
    default: str | None = None
    required: bool = False
    steps: tuple[Step, ...] = ()
    description: str = ""

    @property
    def gives(self) -> ValueType:
        return self.steps[-1].gives if self.steps else "text"

    @property
    def is_list(self) -> bool:
        return any(isinstance(s, SplitStep) and s.index is None for s in self.steps)


@dataclass(frozen=True)
class DuplicateRule:
    """What a likely duplicate does: `keys` (source columns matched exactly, as identifiers),
    the name-similarity `threshold`, the policy for pairs (`near`: stop, merge or flag) and
    for a code already in the books that this import did not create (`existing`)."""

    keys: tuple[str, ...] = ()
    threshold: Decimal = Decimal("0.90")
    near: str = "stop"
    existing: str = "refuse"


@dataclass(frozen=True)
class KindMapping:
    """The mapping of one import kind (customers, opening balances, ...)."""

    kind: str
    fields: tuple[FieldMapping, ...]
    external_id: tuple[str, ...] = ()
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    description: str = ""
    duplicates: DuplicateRule = field(default_factory=lambda: DuplicateRule())
    control: Mapping[str, Decimal | Mapping[str, Decimal]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def columns(self) -> tuple[str, ...]:
        """Every source column the mapping reads, in first-use order."""
        names = [f.column for f in self.fields if f.column is not None]
        return tuple(dict.fromkeys([*self.external_id, *names, *self.duplicates.keys]))


@dataclass(frozen=True)
class ImportMapping:
    """A parsed mapping file: one `KindMapping` per kind."""

    kinds: Mapping[str, KindMapping]
    file: str = "mapping"
    sha256: str = ""  # of the mapping's text, recorded with each import batch

    def kind(self, name: str) -> KindMapping:
        try:
            return self.kinds[name]
        except KeyError:
            known = ", ".join(sorted(self.kinds)) or "none"
            reason = f"no mapping for {name!r} (kinds: {known})"
            raise MappingFileError("kinds", reason, self.file) from None


@dataclass(frozen=True)
class MappedRecord:
    """One accepted row: typed field values, its external id and a fingerprint of the values.

    The fingerprint (SHA-256 of the values in canonical JSON) tells a re-run whether a row with a
    known external id is unchanged (store nothing) or changed (report it).
    """

    kind: str
    row: int
    external_id: str
    values: Mapping[str, FieldValue]
    fingerprint: str
    match: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:
        return hash((self.kind, self.row, self.external_id, self.fingerprint))


@dataclass(frozen=True)
class MappingResult:
    """Records accepted and row errors, in row order; `ok` when there is no error."""

    records: tuple[MappedRecord, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------
# loading


_TOP_KEYS = ("version", "kinds")
_KIND_KEYS = (
    "external_id",
    "fields",
    "sheet",
    "encoding",
    "delimiter",
    "description",
    "duplicates",
    "control",
)
_DUPLICATE_KEYS = ("keys", "threshold", "near", "existing")
NEAR_POLICIES = ("stop", "merge", "flag")
EXISTING_POLICIES = ("refuse", "skip")
_FIELD_KEYS = ("column", "default", "required", "transform", "description")
_TEXT_STEPS = ("trim", "upper", "lower", "collapse_spaces")
_STEP_NAMES = (*_TEXT_STEPS, "boolean", "map", "regex", "split", "number", "date")


def load_mapping_file(
    path: str, schema: Mapping[str, Collection[str]] | None = None
) -> ImportMapping:
    """Read and parse a mapping file (see `load_mapping`)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise MappingFileError("", f"cannot be read ({exc.strerror})", path) from None
    except UnicodeDecodeError:
        raise MappingFileError("", "is not UTF-8 text", path) from None
    return load_mapping(text, file=path, schema=schema)


def load_mapping(
    text: str,
    *,
    file: str = "mapping",
    schema: Mapping[str, Collection[str]] | None = None,
) -> ImportMapping:
    """Parse a mapping's TOML text; `schema` (kind -> target fields), when given, refuses others."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingFileError("", f"is not valid TOML ({exc})", file) from None
    loader = _Loader(file)
    loader.keys("", document, _TOP_KEYS)
    version = document.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise MappingFileError("version", f"{version!r} is not a known version (1)", file)
    kinds_table = loader.table("kinds", document.get("kinds"))
    if not kinds_table:
        raise MappingFileError("kinds", "no kind is mapped ([kinds.<kind>] tables)", file)
    kinds: dict[str, KindMapping] = {}
    for kind, body in kinds_table.items():
        if schema is not None and kind not in schema:
            known = ", ".join(sorted(schema))
            raise MappingFileError(f"kinds.{kind}", f"is not an import kind ({known})", file)
        allowed = None if schema is None else schema[kind]
        kinds[kind] = loader.kind(kind, body, allowed)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return ImportMapping(kinds=MappingProxyType(kinds), file=file, sha256=digest)


@dataclass(frozen=True)
class _Loader:
    file: str

    def fail(self, key: str, reason: str) -> MappingFileError:
        return MappingFileError(key, reason, self.file)

    def keys(self, where: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        unknown = [k for k in table if k not in allowed]
        if unknown:
            names = ", ".join(repr(k) for k in unknown)
            word = "key" if len(unknown) == 1 else "keys"
            known = ", ".join(allowed)
            raise self.fail(where or "top level", f"unknown {word} {names} (known: {known})")

    def table(self, key: str, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {_toml_type(value)}")
        return value

    def text(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_toml_type(value)}")
        return value

    def optional_text(self, key: str, value: object) -> str | None:
        return None if value is None else self.text(key, value)

    def kind(self, kind: str, body: object, allowed: Collection[str] | None) -> KindMapping:
        where = f"kinds.{kind}"
        table = self.table(where, body)
        self.keys(where, table, _KIND_KEYS)
        external = table.get("external_id", ())
        if isinstance(external, str):
            external = (external,)
        if not isinstance(external, list | tuple) or not all(isinstance(c, str) for c in external):
            raise self.fail(f"{where}.external_id", "must be a column name or a list of them")
        if any(not c.strip() for c in external):
            raise self.fail(f"{where}.external_id", "a column name is empty")
        delimiter = self.optional_text(f"{where}.delimiter", table.get("delimiter"))
        if delimiter is not None and delimiter not in (",", ";", "\t", "|"):
            raise self.fail(f"{where}.delimiter", f"{delimiter!r} is not one of , ; tab |")
        fields_table = self.table(f"{where}.fields", table.get("fields"))
        if not fields_table:
            raise self.fail(f"{where}.fields", "no field is mapped")
        if allowed is not None:
            unknown = [name for name in fields_table if name not in allowed]
            if unknown:
                names = ", ".join(repr(n) for n in unknown)
                raise self.fail(
                    f"{where}.fields",
                    f"unknown target field(s) {names} (known: {', '.join(allowed)})",
                )
        fields = tuple(
            self.field(f"{where}.fields.{name}", name, body) for name, body in fields_table.items()
        )
        return KindMapping(
            kind=kind,
            fields=fields,
            external_id=tuple(c.strip() for c in external),
            sheet=self.optional_text(f"{where}.sheet", table.get("sheet")),
            encoding=self.optional_text(f"{where}.encoding", table.get("encoding")),
            delimiter=delimiter,
            description=self.optional_text(f"{where}.description", table.get("description")) or "",
            duplicates=self.duplicates(f"{where}.duplicates", table.get("duplicates")),
            control=self.control(f"{where}.control", table.get("control")),
        )

    def duplicates(self, where: str, body: object) -> DuplicateRule:
        table = self.table(where, body)
        self.keys(where, table, _DUPLICATE_KEYS)
        keys = table.get("keys", [])
        if isinstance(keys, str):
            keys = [keys]
        if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
            raise self.fail(f"{where}.keys", "must be a column name or a list of them")
        threshold_text = self.default(f"{where}.threshold", table.get("threshold", "0.90"))
        try:
            threshold = Decimal(str(threshold_text))
        except InvalidOperation:
            threshold = Decimal(-1)
        if not threshold.is_finite() or not Decimal(0) < threshold <= Decimal(1):
            raise self.fail(f"{where}.threshold", f"{threshold_text!r} is not a number in (0, 1]")
        near = self.text(f"{where}.near", table.get("near", "stop"))
        if near not in NEAR_POLICIES:
            raise self.fail(f"{where}.near", f"{near!r} is not one of {', '.join(NEAR_POLICIES)}")
        existing = self.text(f"{where}.existing", table.get("existing", "refuse"))
        if existing not in EXISTING_POLICIES:
            known = ", ".join(EXISTING_POLICIES)
            raise self.fail(f"{where}.existing", f"{existing!r} is not one of {known}")
        return DuplicateRule(
            keys=tuple(k.strip() for k in keys), threshold=threshold, near=near, existing=existing
        )

    def control(self, where: str, body: object) -> Mapping[str, Decimal | Mapping[str, Decimal]]:
        """Control totals: ``name = "1234.50"``, or a table of them (per party, per item);
        canonical decimals (a point, no thousands separators), never TOML floats."""
        table = self.table(where, body)
        found: dict[str, Decimal | Mapping[str, Decimal]] = {}
        for name, value in table.items():
            if isinstance(value, dict):
                found[name] = MappingProxyType(
                    {str(k): self.amount(f"{where}.{name}.{k}", v) for k, v in value.items()}
                )
            else:
                found[name] = self.amount(f"{where}.{name}", value)
        return MappingProxyType(found)

    def amount(self, key: str, value: object) -> Decimal:
        text = self.default(key, value)
        try:
            return _canonical_number(text or "")
        except CellError:
            reason = f'{text!r} is not a number (write it as text, e.g. "1234.50")'
            raise self.fail(key, reason) from None

    def field(self, where: str, name: str, body: object) -> FieldMapping:
        table = self.table(where, body)
        self.keys(where, table, _FIELD_KEYS)
        column = self.optional_text(f"{where}.column", table.get("column"))
        if column is not None and not column.strip():
            raise self.fail(f"{where}.column", "is empty")
        default = self.default(f"{where}.default", table.get("default"))
        if column is None and default is None:
            raise self.fail(where, "needs a column or a default")
        required = table.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"{where}.required", f"must be true or false, not {required!r}")
        steps_value = table.get("transform", [])
        if isinstance(steps_value, str | dict):
            steps_value = [steps_value]
        if not isinstance(steps_value, list):
            raise self.fail(f"{where}.transform", "must be a list of steps")
        steps: list[Step] = []
        is_list = False
        for index, raw in enumerate(steps_value, start=1):
            key = f"{where}.transform[{index}]"
            step = self.step(key, raw)
            if steps and steps[-1].gives != "text":
                raise self.fail(
                    key,
                    f"{step.name!r} needs text, but the step before ({steps[-1].name!r}) "
                    f"gives a {steps[-1].gives}; a parsing step must come last",
                )
            if isinstance(step, SplitStep) and step.index is None:
                if is_list:
                    raise self.fail(key, "a list is split twice")
                is_list = True
            steps.append(step)
        return FieldMapping(
            name=name,
            column=None if column is None else column.strip(),
            default=default,
            required=required,
            steps=tuple(steps),
            description=self.optional_text(f"{where}.description", table.get("description")) or "",
        )

    def default(self, key: str, value: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            raise self.fail(key, f'{value!r} is a float; write numbers as text, e.g. "{value}"')
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        raise self.fail(key, f"must be a string, not {_toml_type(value)}")

    def step(self, key: str, raw: object) -> Step:
        if isinstance(raw, str):
            if raw in _TEXT_STEPS:
                return TextStep(raw)
            if raw == "boolean":
                return BooleanStep("boolean")
            if raw in ("number", "date"):
                return self.step(key, {raw: {} if raw == "number" else []})
            raise self.fail(key, f"unknown step {raw!r} (known: {', '.join(_STEP_NAMES)})")
        if not isinstance(raw, dict) or len(raw) != 1:
            raise self.fail(key, "a step is a name or a table with one key, e.g. { number = {} }")
        ((name, options),) = raw.items()
        where = f"{key}.{name}"
        if name == "number":
            opts = self.table(where, options)
            self.keys(where, opts, ("decimal", "thousands", "negative_brackets"))
            decimal = self.text(f"{where}.decimal", opts.get("decimal", "."))
            thousands = self.text(f"{where}.thousands", opts.get("thousands", ""))
            brackets = opts.get("negative_brackets", True)
            if not isinstance(brackets, bool):
                raise self.fail(f"{where}.negative_brackets", "must be true or false")
            try:
                _number_pattern(decimal, thousands, brackets)
            except ValueError as exc:
                raise self.fail(where, str(exc)) from None
            return NumberStep(
                "number", decimal=decimal, thousands=thousands, negative_brackets=brackets
            )
        if name == "date":
            formats = [options] if isinstance(options, str) else options
            if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
                raise self.fail(where, 'must be a list of formats, e.g. ["%d.%m.%Y"]')
            for fmt in formats:
                if "%" not in fmt:
                    raise self.fail(where, f"{fmt!r} is not a strptime format (no % directive)")
            return DateStep("date", formats=tuple(formats))
        if name == "boolean":
            opts = self.table(where, options)
            self.keys(where, opts, ("true", "false"))
            words = {}
            for side, fallback in (("true", TRUE_WORDS), ("false", FALSE_WORDS)):
                listed = opts.get(side, list(fallback))
                if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                    raise self.fail(f"{where}.{side}", "must be a list of words")
                words[side] = frozenset(w.strip().casefold() for w in listed)
            both = words["true"] & words["false"]
            if both:
                raise self.fail(where, f"{sorted(both)} are both true and false")
            return BooleanStep("boolean", true_words=words["true"], false_words=words["false"])
        if name == "map":
            opts = self.table(where, options)
            self.keys(where, opts, ("table", "default", "keep_unmapped"))
            table = self.table(f"{where}.table", opts.get("table"))
            if not table:
                raise self.fail(f"{where}.table", "is missing or empty")
            for code, target in table.items():
                self.text(f"{where}.table.{code}", target)
            default = self.optional_text(f"{where}.default", opts.get("default"))
            keep = opts.get("keep_unmapped", False)
            if not isinstance(keep, bool):
                raise self.fail(f"{where}.keep_unmapped", "must be true or false")
            if keep and default is not None:
                raise self.fail(where, "has both a default and keep_unmapped; choose one")
            return MapStep(
                "map", table=MappingProxyType(dict(table)), default=default, keep_unmapped=keep
            )
        if name == "regex":
            opts = {"pattern": options} if isinstance(options, str) else self.table(where, options)
            self.keys(where, opts, ("pattern", "group"))
            pattern_text = self.text(f"{where}.pattern", opts.get("pattern"))
            try:
                pattern = re.compile(pattern_text)
            except re.error as exc:
                reason = f"{pattern_text!r} is not a regex ({exc})"
                raise self.fail(f"{where}.pattern", reason) from None
            group = opts.get("group", 1 if pattern.groups else 0)
            if isinstance(group, bool) or not isinstance(group, int | str):
                raise self.fail(f"{where}.group", "must be a group number or name")
            if (isinstance(group, int) and not 0 <= group <= pattern.groups) or (
                isinstance(group, str) and group not in pattern.groupindex
            ):
                raise self.fail(f"{where}.group", f"the pattern has no group {group!r}")
            return RegexStep("regex", pattern=pattern, group=group)
        if name == "split":
            if isinstance(options, str):
                options = {"separator": options}
            opts = self.table(where, options)
            self.keys(where, opts, ("separator", "index"))
            separator = self.text(f"{where}.separator", opts.get("separator", ","))
            if not separator:
                raise self.fail(f"{where}.separator", "is empty")
            index = opts.get("index")
            if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
                raise self.fail(f"{where}.index", "must be a whole number")
            return SplitStep("split", separator=separator, index=index)
        raise self.fail(key, f"unknown step {name!r} (known: {', '.join(_STEP_NAMES)})")


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {str: "a string", int: "an integer", float: "a float", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------
# applying


def missing_columns(mapping: KindMapping, table: SourceTable) -> tuple[RowError, ...]:
    """Header problems: each mapped column the file lacks, as an error on the header row."""
    present = set(table.columns)
    shown = ", ".join(repr(c) for c in table.columns)
    return tuple(
        RowError(
            row=table.header_row,
            column=column,
            reason=f"the file has no such column (columns: {shown})",
        )
        for column in mapping.columns
        if column not in present
    )


def apply_mapping(mapping: KindMapping, table: SourceTable) -> MappingResult:
    """Map every row of a table; a missing column refuses the whole table (one error each)."""
    header_errors = missing_columns(mapping, table)
    if header_errors:
        return MappingResult(records=(), errors=header_errors)
    records: list[MappedRecord] = []
    errors: list[RowError] = []
    for row in table.rows:
        result = map_row(mapping, row)
        if isinstance(result, MappedRecord):
            records.append(result)
        else:
            errors.extend(result)
    return MappingResult(records=tuple(records), errors=tuple(errors))


def map_row(mapping: KindMapping, row: SourceRow) -> MappedRecord | tuple[RowError, ...]:
    """Map one row: a record, or every error found in it (all fields are tried)."""
    values: dict[str, FieldValue] = {}
    errors: list[RowError] = []
    for spec in mapping.fields:
        try:
            values[spec.name] = _field_value(spec, row)
        except CellError as exc:
            errors.append(
                RowError(row=row.number, column=spec.column, field=spec.name, reason=str(exc))
            )
    external_id = _external_id(mapping, row, errors)
    if errors:
        return tuple(errors)
    return MappedRecord(
        kind=mapping.kind,
        row=row.number,
        external_id=external_id,
        values=MappingProxyType(values),
        fingerprint=fingerprint(values),
        match=MappingProxyType({c: row.values.get(c, "") for c in mapping.duplicates.keys}),
    )


def _field_value(spec: FieldMapping, row: SourceRow) -> FieldValue:
    raw = row.values.get(spec.column, "") if spec.column is not None else ""
    canonical = spec.column in row.canonical if spec.column is not None else False
    if not raw.strip():
        if spec.default is None:
            if spec.required:
                raise CellError("is required but empty")
            return None
        raw, canonical = spec.default, True
    value: Scalar | tuple[Scalar, ...] = raw
    for step in spec.steps:
        if isinstance(value, tuple):
            value = tuple(_scalar(step.apply(_as_text(v), canonical)[0]) for v in value)
        else:
            value, canonical = step.apply(_as_text(value), canonical)
    return value


def _as_text(value: object) -> str:
    if not isinstance(value, str):  # the loader allows only text before a step
        raise TypeError(f"step input {value!r} is not text")
    return value


def _scalar(value: object) -> Scalar:
    if isinstance(value, tuple):
        raise TypeError("a list inside a list")
    return value  # type: ignore[return-value]


def _external_id(mapping: KindMapping, row: SourceRow, errors: list[RowError]) -> str:
    if not mapping.external_id:
        return row_hash(row)
    parts = []
    for column in mapping.external_id:
        text = " ".join(row.values.get(column, "").split())
        if not text:
            errors.append(
                RowError(row=row.number, column=column, reason="the external id is empty")
            )
        parts.append(text)
    if len(parts) == 1:
        return parts[0]
    return "|".join(p.replace("\\", "\\\\").replace("|", "\\|") for p in parts)


def row_hash(row: SourceRow) -> str:
    """A stable id for a row without an external-id column: a hash of its trimmed cells by name.

    Independent of column order, delimiter, quoting and encoding, so the same data in another CSV
    dialect hashes alike.
    """
    cells = {column: " ".join(text.split()) for column, text in row.values.items()}
    digest = hashlib.sha256(json.dumps(cells, sort_keys=True, ensure_ascii=False).encode())
    return "sha256:" + digest.hexdigest()[:32]


def fingerprint(values: Mapping[str, FieldValue]) -> str:
    """SHA-256 of the values in canonical JSON (numbers by value: 1.50 and 1.5 agree)."""
    canonical = {name: _canonical(value) for name, value in values.items()}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: FieldValue) -> object:
    if isinstance(value, tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"decimal": decimal_text(value)}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a mapped value")
