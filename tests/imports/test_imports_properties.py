"""Properties: numbers round-trip, every CSV dialect of the same data maps alike, never a float."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.imports.cleansing import (
    find_near_duplicates,
    normalise_code,
    normalise_name,
    normalise_whitespace,
)
from erp_core.imports.errors import RowError, SourceFileError
from erp_core.imports.mapping import (
    MappedRecord,
    apply_mapping,
    format_number,
    load_mapping,
    map_row,
    parse_number,
)
from erp_core.imports.reader import SourceRow, read_csv

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STYLES = [(".", ""), (".", ","), (",", "."), (",", " "), (".", "'"), (",", "")]


@st.composite
def decimals(draw: st.DrawFn) -> Decimal:
    places = draw(st.integers(min_value=0, max_value=6))
    units = draw(st.integers(min_value=-(10**15), max_value=10**15))
    return Decimal(units).scaleb(-places)


# --------------------------------------------------------------------------------------------
# numbers


@SETTINGS
@given(value=decimals(), style=st.sampled_from(STYLES))
def test_numbers_round_trip_in_every_separator_style(
    value: Decimal, style: tuple[str, str]
) -> None:
    decimal, thousands = style
    text = format_number(value, decimal=decimal, thousands=thousands)
    parsed = parse_number(text, decimal=decimal, thousands=thousands)
    assert parsed == value
    assert parsed.as_tuple().exponent == value.as_tuple().exponent  # places kept as written
    ungrouped = format_number(value, decimal=decimal)  # grouping is optional when declared
    assert parse_number(ungrouped, decimal=decimal, thousands=thousands) == value
    if not value.is_zero():
        magnitude = format_number(abs(value), decimal=decimal, thousands=thousands)
        assert parse_number(f"({magnitude})", decimal=decimal, thousands=thousands) == -abs(value)
        assert parse_number(f"{magnitude}-", decimal=decimal, thousands=thousands) == -abs(value)


# --------------------------------------------------------------------------------------------
# CSV dialects

# No character in 0x80-0xBF once encoded in cp1252 (such as the euro sign): a cp1252 file of those
# could also be valid UTF-8, which the encoding rule (UTF-8 first) would then read as UTF-8.
TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 ,;|\t\"'.-äöüéèßÅ")), min_size=0, max_size=12
)
CODE = st.text(alphabet=st.sampled_from(list('abcXYZ019-,;|" ')), min_size=1, max_size=8).filter(
    lambda s: s.strip()
)
ROWS = st.lists(st.tuples(CODE, TEXT, decimals()), min_size=1, max_size=8, unique_by=lambda r: r[0])


def mapping_for(decimal: str, thousands: str) -> str:
    return f"""
    [kinds.items]
    external_id = "Code"
    [kinds.items.fields.code]
    column = "Code"
    required = true
    transform = ["trim", "upper"]
    [kinds.items.fields.name]
    column = "Name"
    transform = ["collapse_spaces"]
    [kinds.items.fields.amount]
    column = "Amount"
    transform = [{{ number = {{ decimal = "{decimal}", thousands = "{thousands}" }} }}]
    """


@SETTINGS
@given(
    rows=ROWS,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    style=st.sampled_from(STYLES),
)
def test_any_csv_dialect_of_the_same_data_gives_the_same_records(
    rows: list[tuple[str, str, Decimal]],
    delimiter: str,
    quoting: int,
    terminator: str,
    encoding: str,
    style: tuple[str, str],
) -> None:
    decimal, thousands = style
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerow(["Code", "Name", "Amount"])
    for code, name, amount in rows:
        writer.writerow([code, name, format_number(amount, decimal=decimal, thousands=thousands)])
    data = buffer.getvalue().encode(encoding)

    table = read_csv(data, name="items.csv")
    assert table.delimiter == delimiter
    result = apply_mapping(load_mapping(mapping_for(decimal, thousands)).kind("items"), table)

    assert result.errors == ()
    assert [(r.external_id, dict(r.values)) for r in result.records] == [
        (
            " ".join(code.split()),
            {
                "code": code.strip().upper(),
                "name": " ".join(name.split()) or None,
                "amount": amount,
            },
        )
        for code, name, amount in rows
    ]


# --------------------------------------------------------------------------------------------
# no float, ever; no crash on any input

TEXT_STEPS = ['"trim"', '"upper"', '"lower"', '"collapse_spaces"']
OTHER_TEXT_STEPS = [
    '{ map = { table = { "A" = "1.5", "B" = "2026-01-31" }, keep_unmapped = true } }',
    '{ map = { table = { "A" = "X" }, default = "0" } }',
    '{ regex = "([0-9.,]+)" }',
    '{ split = { separator = ",", index = 0 } }',
]
FINAL_STEPS = [
    '{ number = { decimal = ",", thousands = "." } }',
    '{ number = { decimal = ".", thousands = "," } }',
    '{ number = { decimal = ".", thousands = " ", negative_brackets = false } }',
    '{ date = ["%d.%m.%Y", "%m/%d/%y"] }',
    '"boolean"',
]


@st.composite
def chains(draw: st.DrawFn) -> list[str]:
    before = draw(st.lists(st.sampled_from(TEXT_STEPS + OTHER_TEXT_STEPS), max_size=3))
    split = ['{ split = ";" }'] if draw(st.booleans()) else []
    after = draw(st.lists(st.sampled_from(TEXT_STEPS), max_size=2))
    final = draw(st.lists(st.sampled_from(FINAL_STEPS), max_size=1))
    return [*before, *split, *after, *final]


def assert_no_float(value: object) -> None:
    assert not isinstance(value, float)
    if isinstance(value, tuple):
        for item in value:
            assert_no_float(item)
    else:
        assert value is None or isinstance(value, str | Decimal | dt.date | bool)


CELL = st.one_of(
    st.text(max_size=15),
    st.text(alphabet=st.sampled_from(list("0123456789.,-() ;/AB")), max_size=15),
    st.sampled_from(["1.5", "1e3", "NaN", "inf", "-0", "31.01.2026", "2026-01-31", "TRUE"]),
)


@SETTINGS
@given(
    steps=chains(),
    cell=CELL,
    canonical=st.booleans(),
    default=st.sampled_from([None, "0", "2026-01-31", "x"]),
)
def test_mapping_never_produces_a_float(
    steps: list[str], cell: str, canonical: bool, default: str | None
) -> None:
    default_line = f'default = "{default}"' if default is not None else ""
    mapping = load_mapping(
        f"""
        [kinds.k.fields.v]
        column = "V"
        {default_line}
        transform = [{", ".join(steps)}]
        """
    ).kind("k")
    row = SourceRow(2, {"V": cell}, frozenset({"V"}) if canonical else frozenset())
    result = map_row(mapping, row)
    if isinstance(result, MappedRecord):
        assert_no_float(result.values["v"])
    else:
        assert result and all(isinstance(e, RowError) and e.row == 2 for e in result)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_any_bytes_read_as_csv_give_a_table_or_a_clear_error(data: bytes) -> None:
    try:
        table = read_csv(data, name="fuzz.csv")
    except SourceFileError as exc:
        assert str(exc).startswith("fuzz.csv")
    else:
        assert table.columns
        assert all(set(r.values) == set(table.columns) for r in table.rows)


# --------------------------------------------------------------------------------------------
# cleansing


@SETTINGS
@given(text=st.text(max_size=30))
def test_normalisers_are_idempotent(text: str) -> None:
    for normalise in (normalise_whitespace, normalise_name, normalise_code):
        once = normalise(text)
        assert normalise(once) == once
        assert once == once.strip()


@SETTINGS
@given(names=st.lists(st.text(alphabet="abc d", min_size=1, max_size=8), max_size=8))
def test_near_duplicates_are_above_the_threshold_and_equal_names_always_pair(
    names: list[str],
) -> None:
    records = [
        MappedRecord("k", row, f"X{row}", {"name": name}, "")
        for row, name in enumerate(names, start=2)
    ]
    threshold = Decimal("0.8")
    found = find_near_duplicates(records, threshold=threshold)
    assert all(d.similarity >= threshold for d in found)
    pairs = {(d.row, d.other_row) for d in found}
    for i, first in enumerate(records):
        for second in records[i + 1 :]:
            a, b = str(first.values["name"]), str(second.values["name"])
            if a.split() and a.split() == b.split():
                assert (first.row, second.row) in pairs
