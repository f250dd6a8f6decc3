"""Mapping files: loading (every bad key named), number and date parsing, applying to rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from erp_core.imports.errors import MappingFileError, RowError
from erp_core.imports.mapping import (
    CellError,
    KindMapping,
    MappedRecord,
    apply_mapping,
    fingerprint,
    format_number,
    load_mapping,
    load_mapping_file,
    map_row,
    parse_date,
    parse_number,
    row_hash,
)
from erp_core.imports.reader import SourceRow, read_csv, read_xlsx

DATA = Path(__file__).parent / "data"


def kind(toml: str, name: str = "k") -> KindMapping:
    return load_mapping(toml).kind(name)


def one_field(steps: str, *, default: str | None = None, required: bool = False) -> KindMapping:
    extra = f"default = {default!r}\n" if default is not None else ""
    return kind(
        f"""
        [kinds.k.fields.v]
        column = "V"
        required = {str(required).lower()}
        transform = {steps}
        {extra}
        """
    )


def value_of(mapping: KindMapping, text: str, canonical: bool = False) -> object:
    row = SourceRow(2, {"V": text}, frozenset({"V"}) if canonical else frozenset())
    result = map_row(mapping, row)
    if isinstance(result, MappedRecord):
        return result.values["v"]
    return result


# --------------------------------------------------------------------------------------------
# numbers and dates


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("1.234,56", ",", ".", "1234.56"),
        ("1234,56", ",", ".", "1234.56"),  # grouping is optional
        ("-1.234,56", ",", ".", "-1234.56"),
        ("1.234,56-", ",", ".", "-1234.56"),  # trailing minus (SAP exports)
        ("(1.234,56)", ",", ".", "-1234.56"),  # brackets: negative
        ("  +12,50 ", ",", "", "12.50"),  # trailing zero kept: the value is as written
        (",5", ",", "", "0.5"),
        ("1,234,567.8", ".", ",", "1234567.8"),
        ("1 234 567,8", ",", " ", "1234567.8"),
        ("1\u00a0234,8", ",", " ", "1234.8"),  # no-break space as a thousands separator
        ("1'234.80", ".", "'", "1234.80"),
        ("-0,00", ",", "", "0.00"),  # no negative zero
        ("007", ".", "", "7"),
    ],
)
def test_numbers_parse_exactly(text: str, decimal: str, thousands: str, expected: str) -> None:
    value = parse_number(text, decimal=decimal, thousands=thousands)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [
        ("12,3.4", ".", ","),  # a group of one digit
        ("1.234,56", ".", ","),  # the other style
        ("1.23", ",", "."),  # a group of two digits
        ("1,234", ".", ""),  # no thousands separator declared
        ("1e5", ".", ""),  # exponents are refused
        ("", ".", ""),
        ("-", ".", ""),
        ("5.", ".", ""),
        ("--1", ".", ""),
        ("-(1)", ".", ""),
        ("(-1)", ".", ""),
        ("12 EUR", ".", ""),
        ("1,234.5,6", ".", ","),
    ],
)
def test_malformed_numbers_are_refused(text: str, decimal: str, thousands: str) -> None:
    with pytest.raises(CellError, match=r"is not a number"):
        parse_number(text, decimal=decimal, thousands=thousands)


def test_brackets_can_be_turned_off() -> None:
    with pytest.raises(CellError, match="is not a number"):
        parse_number("(5)", negative_brackets=False)


def test_number_formatting_is_the_inverse_of_parsing() -> None:
    assert format_number(Decimal("-1234567.890"), decimal=",", thousands=".") == "-1.234.567,890"
    assert format_number(Decimal("999"), thousands=",") == "999"
    assert format_number(Decimal("-0.00")) == "0.00"
    with pytest.raises(TypeError):
        format_number(1.5)  # type: ignore[arg-type]


def test_dates_parse_with_the_first_matching_format_and_iso_always() -> None:
    formats = ("%d.%m.%Y", "%d/%m/%y")
    assert parse_date("31.01.2026", formats) == dt.date(2026, 1, 31)
    assert parse_date("31/01/26", formats) == dt.date(2026, 1, 31)
    assert parse_date(" 2026-01-31 ", formats) == dt.date(2026, 1, 31)
    with pytest.raises(CellError, match=r"'31-01-2026' is not a date .expected %d.%m.%Y, %d/%m/%y"):
        parse_date("31-01-2026", formats)
    with pytest.raises(CellError, match="'2026-02-30' is not a valid date"):
        parse_date("2026-02-30")


# --------------------------------------------------------------------------------------------
# loading: every bad key is named


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("verison = 1\n[kinds.k.fields.v]\ncolumn='V'", r"top level: unknown key 'verison'"),
        ("version = 2\n[kinds.k.fields.v]\ncolumn='V'", r"version: 2 is not a known version"),
        ("version = 1", r"kinds: no kind is mapped"),
        ("[kinds.k]\nexternal_id='A'", r"kinds.k.fields: no field is mapped"),
        ("[kinds.k]\nextrenal_id='A'", r"kinds.k: unknown key 'extrenal_id'"),
        ("[kinds.k.fields.v]\ncolum='V'\nreqired=true", r"unknown keys 'colum', 'reqired'"),
        ("[kinds.k.fields.v]\nrequired=true", r"kinds.k.fields.v: needs a column or a default"),
        ("[kinds.k.fields.v]\ncolumn='V'\nrequired='yes'", r"required: must be true or false"),
        ("[kinds.k.fields.v]\ncolumn=3", r"kinds.k.fields.v.column: must be a string"),
        ("[kinds.k.fields.v]\ncolumn='V'\ndefault=1.5", r"default: 1.5 is a float"),
        ("[kinds.k.fields.v]\ncolumn='V'\ntransform=['strip']", r"unknown step 'strip'"),
        ("[kinds.k.fields.v]\ncolumn='V'\ntransform=[{frob={}}]", r"unknown step 'frob'"),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{number={decimal=',',sep='.'}}]",
            r"transform\[1\].number: unknown key 'sep'",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{number={decimal=',',thousands=','}}]",
            r"thousands and decimal separators are both ','",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{number={decimal=';'}}]",
            r"decimal separator ';' is not one of",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=['number', 'upper']",
            r"transform\[2\]: 'upper' needs text, but the step before .'number'. gives a number",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{split=';'}, {split=','}]",
            r"transform\[2\]: a list is split twice",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{regex='(ab'}]",
            r"regex.pattern: '\(ab' is not a regex",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{regex={pattern='(a)', group=2}}]",
            r"regex.group: the pattern has no group 2",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{map={table={A='B'},default='C',"
            "keep_unmapped=true}}]",
            r"has both a default and keep_unmapped",
        ),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{map={table={A=1}}}]",
            r"map.table.A: must be a string, not an integer",
        ),
        ("[kinds.k.fields.v]\ncolumn='V'\ntransform=[{date=['d.m.Y']}]", r"no % directive"),
        (
            "[kinds.k.fields.v]\ncolumn='V'\ntransform=[{boolean={true=['x'],false=['X']}}]",
            r"\['x'\] are both true and false",
        ),
        ("[kinds.k]\ndelimiter=':'\n[kinds.k.fields.v]\ncolumn='V'", r"':' is not one of"),
        ("[kinds.k\n", r"is not valid TOML"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(toml: str, message: str) -> None:
    with pytest.raises(MappingFileError, match=message):
        load_mapping(toml, file="m.toml")


def test_mapping_errors_start_with_the_file_name() -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping("[kinds.k.fields.v]\ncolum='V'", file="customers.toml")
    assert str(caught.value) == (
        "customers.toml, kinds.k.fields.v: unknown key 'colum' "
        "(known: column, default, required, transform, description)"
    )
    assert caught.value.key == "kinds.k.fields.v"


def test_a_schema_refuses_unknown_kinds_and_target_fields() -> None:
    schema = {"customers": ("code", "name")}
    with pytest.raises(MappingFileError, match=r"kinds.suppliers: is not an import kind"):
        load_mapping("[kinds.suppliers.fields.code]\ncolumn='A'", schema=schema)
    with pytest.raises(MappingFileError, match=r"unknown target field.s. 'nmae'"):
        load_mapping("[kinds.customers.fields.nmae]\ncolumn='A'", schema=schema)


def test_asking_for_an_unmapped_kind_lists_the_kinds() -> None:
    mapping = load_mapping("[kinds.items.fields.code]\ncolumn='A'")
    with pytest.raises(MappingFileError, match=r"no mapping for 'customers' .kinds: items."):
        mapping.kind("customers")


def test_a_mapping_file_is_loaded_from_disk(tmp_path: Path) -> None:
    mapping = load_mapping_file(str(DATA / "customers.toml"))
    customers = mapping.kind("customers")
    assert customers.external_id == ("Customer No",)
    assert [f.name for f in customers.fields] == [
        "code",
        "name",
        "country",
        "credit_limit",
        "since",
        "group",
    ]
    assert customers.columns == ("Customer No", "Name", "Country", "Credit limit", "Since")
    with pytest.raises(MappingFileError, match="cannot be read"):
        load_mapping_file(str(tmp_path / "none.toml"))


def test_toml_defaults_of_other_types_become_canonical_text() -> None:
    mapping = kind(
        """
        [kinds.k.fields.n]
        default = 3
        transform = ["number"]
        [kinds.k.fields.d]
        default = 2026-01-31
        transform = ["date"]
        [kinds.k.fields.b]
        default = true
        transform = ["boolean"]
        """
    )
    record = map_row(mapping, SourceRow(2, {}))
    assert isinstance(record, MappedRecord)
    assert dict(record.values) == {"n": Decimal(3), "d": dt.date(2026, 1, 31), "b": True}


# --------------------------------------------------------------------------------------------
# applying


def test_customers_fixture_maps_to_typed_records() -> None:
    mapping = load_mapping_file(str(DATA / "customers.toml")).kind("customers")
    result = apply_mapping(mapping, read_csv(DATA / "customers_cp1252.csv"))
    assert result.ok
    first, second, third = result.records
    assert first.external_id == "C001"
    assert dict(first.values) == {
        "code": "C001",
        "name": "Müller & Söhne GmbH",
        "country": "DE",
        "credit_limit": Decimal("1500.00"),
        "since": dt.date(2024, 2, 1),
        "group": "RETAIL",  # a constant: no column, a default
    }
    assert second.values["name"] == "Café Lumière"  # spaces collapsed
    assert second.values["country"] == "FR"  # 'fr' trimmed, upper-cased, then mapped
    assert second.values["credit_limit"] == Decimal("250")
    assert third.values["credit_limit"] == Decimal("0")
    assert [r.row for r in result.records] == [2, 3, 4]


def test_the_same_data_in_any_encoding_gives_the_same_records() -> None:
    mapping = load_mapping_file(str(DATA / "customers.toml")).kind("customers")
    results = [
        apply_mapping(mapping, read_csv(DATA / name)).records
        for name in ("customers_utf8.csv", "customers_utf8_bom.csv", "customers_cp1252.csv")
    ]
    assert results[0] == results[1] == results[2]


def test_opening_balances_with_decimal_commas() -> None:
    mapping = kind(
        """
        [kinds.opening]
        external_id = "Account"
        [kinds.opening.fields.account]
        column = "Account"
        required = true
        [kinds.opening.fields.debit]
        column = "Debit"
        transform = [{ number = { decimal = ",", thousands = "." } }]
        [kinds.opening.fields.credit]
        column = "Credit"
        transform = [{ number = { decimal = ",", thousands = "." } }]
        """,
        "opening",
    )
    result = apply_mapping(mapping, read_csv(DATA / "opening_semicolon.csv"))
    assert result.ok
    assert [
        (r.values["account"], r.values["debit"], r.values["credit"]) for r in result.records
    ] == [
        ("1000", Decimal("1234.56"), None),
        ("1200", Decimal("10000.00"), None),
        ("2000", None, Decimal("2500.00")),
        ("3000", None, Decimal("8734.56")),
    ]


def test_a_bad_number_gives_the_row_column_and_value() -> None:
    mapping = kind(
        """
        [kinds.k]
        external_id = "No"
        [kinds.k.fields.amount]
        column = "Amount"
        transform = [{ number = { decimal = ".", thousands = "," } }]
        """
    )
    table = read_csv(b'No,Amount\n1,1\n2,2\n3,3\n4,4\n5,5\n6,"12,3.4"\n', name="a.csv")
    result = apply_mapping(mapping, table)
    assert [str(e) for e in result.errors] == ["row 7, column 'Amount': '12,3.4' is not a number"]
    assert len(result.records) == 5
    assert not result.ok


def test_every_error_in_a_row_is_reported_together() -> None:
    mapping = kind(
        """
        [kinds.k]
        external_id = "No"
        [kinds.k.fields.code]
        column = "Code"
        required = true
        [kinds.k.fields.on]
        column = "On"
        transform = [{ date = ["%d.%m.%Y"] }]
        [kinds.k.fields.kind]
        column = "Kind"
        transform = [{ map = { table = { A = "ASSET", L = "LIABILITY" } } }]
        """
    )
    row = SourceRow(9, {"No": " ", "Code": "", "On": "32.01.2026", "Kind": "Q"})
    errors = map_row(mapping, row)
    assert [str(e) for e in errors] == [  # type: ignore[union-attr]
        "row 9, column 'Code': is required but empty",
        "row 9, column 'On': '32.01.2026' is not a date (expected %d.%m.%Y)",
        "row 9, column 'Kind': 'Q' is not in the code map (known: 'A', 'L')",
        "row 9, column 'No': the external id is empty",
    ]


def test_text_steps_in_order() -> None:
    assert value_of(one_field('["trim", "upper"]'), "  ab c ") == "AB C"
    assert value_of(one_field('["lower"]'), "AB") == "ab"
    assert value_of(one_field('["collapse_spaces"]'), " a \t b\nc ") == "a b c"


def test_code_map_with_default_or_keeping_unmapped_codes() -> None:
    with_default = one_field('[{ map = { table = { "1" = "CASH" }, default = "OTHER" } }]')
    assert value_of(with_default, "1") == "CASH"
    assert value_of(with_default, "9") == "OTHER"
    keeping = one_field('[{ map = { table = { "1" = "CASH" }, keep_unmapped = true } }]')
    assert value_of(keeping, "9") == "9"


def test_regex_extracts_a_group() -> None:
    mapping = one_field('[{ regex = "ID[- ]?(\\\\d+)" }]')
    assert value_of(mapping, "cust ID-0042 (old)") == "0042"
    (error,) = value_of(mapping, "none")  # type: ignore[misc]
    assert str(error) == "row 2, column 'V': 'none' does not match the pattern 'ID[- ]?(\\\\d+)'"
    named = one_field('[{ regex = { pattern = "(?P<y>\\\\d{4})", group = "y" } }]')
    assert value_of(named, "FY2026") == "2026"


def test_split_gives_a_list_and_later_steps_apply_to_each_part() -> None:
    mapping = one_field('[{ split = ";" }, "upper", { number = {} }]')
    assert value_of(one_field('[{ split = ";" }, "upper"]'), "a; b;;c ") == ("A", "B", "C")
    assert value_of(mapping, "1;2.5") == (Decimal(1), Decimal("2.5"))
    picked = one_field('[{ split = { separator = "/", index = -1 } }]')
    assert value_of(picked, "EU/DE/Berlin") == "Berlin"
    (error,) = value_of(one_field('[{ split = { separator = "/", index = 3 } }]'), "a/b")  # type: ignore[misc]
    assert error.reason == "'a/b' has no part 3"


def test_booleans() -> None:
    mapping = one_field('["boolean"]')
    assert [value_of(mapping, t) for t in ("Yes", "x", "0", " FALSE ")] == [
        True,
        True,
        False,
        False,
    ]
    (error,) = value_of(mapping, "maybe")  # type: ignore[misc]
    assert error.reason == "'maybe' is not yes or no"
    german = one_field('[{ boolean = { true = ["ja"], false = ["nein"] } }]')
    assert value_of(german, "JA") is True


def test_empty_cells_take_the_default_read_canonically() -> None:
    # the default "1.5" is canonical, so a decimal-comma mapping does not read it as 15
    mapping = one_field('[{ number = { decimal = ",", thousands = "." } }]', default="1.5")
    assert value_of(mapping, "   ") == Decimal("1.5")
    assert value_of(mapping, "2,5") == Decimal("2.5")
    assert value_of(one_field('["trim"]'), "") is None
    (error,) = value_of(one_field('["trim"]', required=True), "  ")  # type: ignore[misc]
    assert error.reason == "is required but empty"


def test_spreadsheet_numbers_and_dates_are_read_canonically() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["No", "Amount", "Due"])
    sheet.append(["A", 1234.5, dt.datetime(2026, 3, 1)])  # typed cells
    sheet.append(["B", "1.234,50", "01.03.2026"])  # text cells, in the mapping's style
    buffer = io.BytesIO()
    workbook.save(buffer)
    mapping = kind(
        """
        [kinds.k]
        external_id = "No"
        [kinds.k.fields.amount]
        column = "Amount"
        transform = [{ number = { decimal = ",", thousands = "." } }]
        [kinds.k.fields.due]
        column = "Due"
        transform = [{ date = ["%d.%m.%Y"] }]
        """
    )
    result = apply_mapping(mapping, read_xlsx(buffer.getvalue(), name="open.xlsx"))
    assert result.ok
    assert [(r.values["amount"], r.values["due"]) for r in result.records] == [
        (Decimal("1234.5"), dt.date(2026, 3, 1)),
        (Decimal("1234.50"), dt.date(2026, 3, 1)),
    ]


def test_a_spreadsheet_datetime_with_a_time_is_not_silently_a_date() -> None:
    mapping = one_field('["date"]')
    (error,) = value_of(mapping, "2026-03-01T10:30:00", canonical=True)  # type: ignore[misc]
    assert error.reason == "'2026-03-01T10:30:00' has a time of day where a date was expected"


def test_missing_columns_refuse_the_table_at_the_header() -> None:
    mapping = load_mapping_file(str(DATA / "customers.toml")).kind("customers")
    table = read_csv(b"\nCustomer No,Nmae\nC1,x\n", name="c.csv")
    result = apply_mapping(mapping, table)
    assert result.records == ()
    assert [str(e) for e in result.errors][:2] == [
        "row 2, column 'Name': the file has no such column (columns: 'Customer No', 'Nmae')",
        "row 2, column 'Country': the file has no such column (columns: 'Customer No', 'Nmae')",
    ]
    assert all(isinstance(e, RowError) for e in result.errors)


def test_external_ids_from_several_columns_are_escaped() -> None:
    mapping = kind(
        """
        [kinds.k]
        external_id = ["Company", "No"]
        [kinds.k.fields.no]
        column = "No"
        """
    )
    record = map_row(mapping, SourceRow(2, {"Company": " A|B ", "No": "7"}))
    assert isinstance(record, MappedRecord)
    assert record.external_id == "A\\|B|7"


def test_without_an_external_id_column_the_row_hash_ignores_order_and_padding() -> None:
    mapping = kind("[kinds.k.fields.no]\ncolumn = 'No'")
    one = map_row(mapping, SourceRow(2, {"No": "7", "Name": " Alpha  Ltd"}))
    two = map_row(mapping, SourceRow(5, {"Name": "Alpha Ltd", "No": "7 "}))
    assert isinstance(one, MappedRecord) and isinstance(two, MappedRecord)
    assert (
        one.external_id
        == two.external_id
        == row_hash(SourceRow(1, {"No": "7", "Name": "Alpha Ltd"}))
    )
    assert one.external_id.startswith("sha256:") and len(one.external_id) == 7 + 32


def test_fingerprints_compare_numbers_by_value() -> None:
    assert fingerprint({"a": Decimal("1.50")}) == fingerprint({"a": Decimal("1.5")})
    assert fingerprint({"a": Decimal("1.5")}) != fingerprint({"a": "1.5"})
    assert fingerprint({"d": dt.date(2026, 1, 1), "l": ("a",), "n": None, "b": True})
    with pytest.raises(TypeError):
        fingerprint({"a": 1.5})  # type: ignore[dict-item]
