"""The reader: CSV encodings, delimiters, line endings, XLSX cells, and every malformed file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from erp_core.imports.errors import SourceFileError
from erp_core.imports.reader import (
    SourceRow,
    cell_text,
    float_text,
    read_csv,
    read_table,
    read_xlsx,
    sniff_delimiter,
)

DATA = Path(__file__).parent / "data"


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# CSV: encodings


@pytest.mark.parametrize(
    ("fixture", "encoding"),
    [
        ("customers_utf8.csv", "utf-8"),
        ("customers_utf8_bom.csv", "utf-8-sig"),
        ("customers_cp1252.csv", "cp1252"),
    ],
)
def test_the_same_customers_read_alike_in_every_encoding(fixture: str, encoding: str) -> None:
    table = read_csv(DATA / fixture)
    assert table.encoding == encoding
    assert table.delimiter == ","
    # the BOM does not leak into the first column name
    assert table.columns == ("Customer No", "Name", "Country", "Credit limit", "Since", "Note")
    assert [r.number for r in table.rows] == [2, 3, 4]
    first, second, third = table.rows
    assert first.values["Name"] == "Müller & Söhne GmbH"
    assert first.values["Note"] == "Preis in €"  # € is 0x80 in cp1252, undefined in latin-1
    assert first.values["Credit limit"] == "1,500.00"  # quoted: the comma is not a delimiter
    assert second.values["Name"] == "  Café  Lumière "  # untrimmed: cleansing decides
    assert third.values["Note"] == "line one\nline two"  # a quoted field spanning two lines


def test_bytes_undefined_in_cp1252_fall_back_to_latin_1() -> None:
    table = read_csv(b"code,name\nA,caf\xe9 \x81\n", name="legacy.csv")
    assert table.encoding == "latin-1"
    assert table.rows[0].values["name"] == "café \x81"


def test_utf16_with_a_mark_is_read() -> None:
    table = read_csv("code\tname\nA\tÄpfel\n".encode("utf-16"), name="unicode.txt")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows[0].values == {"code": "A", "name": "Äpfel"}


def test_a_given_encoding_is_used_and_a_wrong_one_names_the_row() -> None:
    data = "code\nA\nMüller\n".encode()
    assert read_csv(data, encoding="latin-1").rows[1].values["code"] == "MÃ¼ller"
    with pytest.raises(SourceFileError, match=r"x.csv, row 3: cannot be decoded as ascii"):
        read_csv(data, name="x.csv", encoding="ascii")
    with pytest.raises(SourceFileError, match="unknown encoding 'klingon'"):
        read_csv(data, name="x.csv", encoding="klingon")


# --------------------------------------------------------------------------------------------
# CSV: delimiters, line endings, row numbers


def test_semicolon_file_with_decimal_commas_is_sniffed_as_semicolon() -> None:
    table = read_csv(DATA / "opening_semicolon.csv")
    assert table.delimiter == ";"
    assert table.columns == ("Account", "Description", "Debit", "Credit")
    assert table.rows[0].values == {
        "Account": "1000",
        "Description": "Cash",
        "Debit": "1.234,56",
        "Credit": "",
    }


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows([["a", "b", "c"], ["1,5", "2;3", "x|y"]])  # quotes what holds a delimiter
    text = buffer.getvalue()
    assert sniff_delimiter(text) == delimiter
    table = read_csv(text.encode(), name="d.csv")
    assert table.rows[0].values == {"a": "1,5", "b": "2;3", "c": "x|y"}


def test_a_single_column_file_reads_as_comma_separated() -> None:
    table = read_csv(b"code\nA\nB\n", name="codes.csv")
    assert (table.delimiter, table.columns, len(table.rows)) == (",", ("code",), 2)


def test_windows_line_endings_leave_no_carriage_return_and_blank_lines_count() -> None:
    table = read_csv(DATA / "items_crlf.csv")
    assert table.columns == ("Code", "Name", "Unit")
    # row 3 is the blank line: skipped, but counted as a spreadsheet would
    assert [(r.number, dict(r.values)) for r in table.rows] == [
        (2, {"Code": "A-1", "Name": "Alpha", "Unit": "pcs"}),
        (4, {"Code": "B-2", "Name": "Beta", "Unit": "kg"}),
    ]


def test_old_mac_line_endings_and_a_dos_end_of_file_mark_are_accepted() -> None:
    table = read_csv(b"code,name\rA,Alpha\rB,Beta\r\x1a", name="mac.csv")
    assert [r.values["name"] for r in table.rows] == ["Alpha", "Beta"]


def test_leading_blank_lines_and_all_empty_rows_are_skipped() -> None:
    table = read_csv(b"\n\ncode,name\n,\nA,Alpha\n", name="gaps.csv")
    assert table.header_row == 3
    assert [(r.number, r.values["code"]) for r in table.rows] == [(5, "A")]


def test_extra_empty_trailing_fields_are_dropped() -> None:
    table = read_csv(b"code,name,,\nA,Alpha,,\nB,Beta\n", name="trailing.csv")
    assert table.columns == ("code", "name")
    assert [r.values["name"] for r in table.rows] == ["Alpha", "Beta"]


def test_header_names_are_trimmed() -> None:
    table = read_csv(b" code , name \nA,Alpha\n", name="h.csv")
    assert table.columns == ("code", "name")


def test_a_row_is_immutable_and_compares_by_value() -> None:
    row = SourceRow(2, {"a": "1"})
    assert row == SourceRow(2, {"a": "1"})
    assert hash(row) == hash(SourceRow(2, {"a": "1"}))
    with pytest.raises(TypeError):
        row.values["a"] = "2"  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# CSV: malformed files


def test_a_ragged_row_names_the_file_and_row() -> None:
    with pytest.raises(SourceFileError) as caught:
        read_csv(DATA / "ragged.csv")
    assert caught.value.row == 3
    assert str(caught.value).endswith(
        "ragged.csv, row 3: has 2 fields where the header has 3 "
        "(a missing delimiter, or a quote not closed?)"
    )


def test_a_row_with_an_unquoted_delimiter_inside_a_value_is_refused() -> None:
    with pytest.raises(SourceFileError, match=r"l.csv, row 3: has 3 fields where the header has 2"):
        read_csv(b"code,amount\nA,1\nB,1,5\n", name="l.csv")


@pytest.mark.parametrize("data", [b"", b"  \r\n\n\t\n"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(SourceFileError, match=r"^e.csv: is empty$"):
        read_csv(data, name="e.csv")


def test_the_empty_fixture_file_is_refused_by_path() -> None:
    with pytest.raises(SourceFileError, match=r"empty.csv: is empty"):
        read_csv(DATA / "empty.csv")


def test_a_header_only_file_has_no_rows() -> None:
    assert read_csv(b"code,name\n", name="h.csv").rows == ()


def test_binary_content_is_not_a_csv() -> None:
    with pytest.raises(SourceFileError, match=r"b.bin, row 2: is not a text file: it contains NUL"):
        read_csv(b"code\n\x00\x01\x02\x03", name="b.bin")
    with pytest.raises(SourceFileError, match="control character U[+]0007"):
        read_csv(b"code\nA\x07\n", name="bell.csv")


def test_a_workbook_given_as_csv_is_refused() -> None:
    with pytest.raises(SourceFileError, match="is a ZIP archive .an XLSX workbook.., not a CSV"):
        read_csv(xlsx_bytes(("S", [["a"]])), name="book.csv")
    with pytest.raises(SourceFileError, match="old Excel .* or password-protected workbook"):
        read_csv(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), name="old.csv")


def test_an_unclosed_quote_is_refused_with_its_row() -> None:
    with pytest.raises(SourceFileError, match=r"q.csv, row 3: is not valid CSV"):
        read_csv(b'code,name\nA,Alpha\nB,"Beta\n', name="q.csv")


def test_header_problems_name_the_column() -> None:
    twice = r"row 1: column 'code' appears twice in the header .columns 1 and 3"
    with pytest.raises(SourceFileError, match=twice):
        read_csv(b"code,name,code\nA,B,C\n", name="d.csv")
    with pytest.raises(SourceFileError, match=r"row 1: header column 2 has no name"):
        read_csv(b"code,,name\nA,B,C\n", name="d.csv")


def test_a_value_under_a_column_without_a_header_is_refused() -> None:
    with pytest.raises(SourceFileError, match=r"row 2: has a value .'x'. in column 3, which has"):
        read_csv(b"code,name,\nA,B,x\n", name="d.csv")


def test_a_bad_explicit_delimiter_and_missing_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="delimiter ':' is not one of"):
        read_csv(b"a:b\n", name="c.csv", delimiter=":")
    with pytest.raises(SourceFileError, match=r"nowhere.csv: does not exist"):
        read_csv(tmp_path / "nowhere.csv", name="nowhere.csv")
    with pytest.raises(SourceFileError, match="is a directory"):
        read_csv(tmp_path)


# --------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_cells_become_text_as_they_are() -> None:
    data = xlsx_bytes(
        (
            "Items",
            [
                ["Code", "Qty", "Price", "Since", "Stamp", "Active", "Note"],
                ["A", 12, 0.1 + 0.2, dt.date(2026, 1, 31), dt.datetime(2026, 1, 31, 14, 5), True],
                ["B", -3, 1234.5, None, None, False, "text 1,5"],
            ],
        )
    )
    table = read_xlsx(data, name="items.xlsx")
    assert (table.format, table.sheet, table.header_row) == ("xlsx", "Items", 1)
    first, second = table.rows
    assert dict(first.values) == {
        "Code": "A",
        "Qty": "12",
        "Price": "0.3",  # 0.30000000000000004 rounded to 15 significant digits
        "Since": "2026-01-31",
        "Stamp": "2026-01-31T14:05:00",
        "Active": "TRUE",
        "Note": "",  # the short row is padded: a spreadsheet has no ragged rows
    }
    assert first.canonical == {"Qty", "Price", "Since", "Stamp", "Active"}
    assert second.values["Price"] == "1234.5"
    assert second.values["Note"] == "text 1,5"
    assert second.canonical == {"Qty", "Price", "Active"}


def test_xlsx_named_sheet_leading_blank_rows_and_row_numbers() -> None:
    data = xlsx_bytes(("First", [["x"], [1]]), ("Second", [[], ["Code"], ["A"], [], ["B"]]))
    assert read_xlsx(data, name="b.xlsx").columns == ("x",)
    table = read_xlsx(data, name="b.xlsx", sheet="Second")
    assert table.header_row == 2
    assert [(r.number, r.values["Code"]) for r in table.rows] == [(3, "A"), (5, "B")]


def test_read_table_chooses_the_format_by_content() -> None:
    assert read_table(xlsx_bytes(("S", [["a"], ["1"]])), name="f").format == "xlsx"
    assert read_table(b"a\n1\n", name="f").format == "csv"


def test_xlsx_unknown_sheet_lists_the_sheets() -> None:
    data = xlsx_bytes(("Customers", [["a"]]), ("Items", [["b"]]))
    with pytest.raises(
        SourceFileError, match=r"b.xlsx: has no sheet named 'Sheet1' .sheets: 'Customers', 'Items'"
    ):
        read_xlsx(data, name="b.xlsx", sheet="Sheet1")


def test_xlsx_empty_sheet_is_refused() -> None:
    with pytest.raises(SourceFileError, match=r"e.xlsx: is empty"):
        read_xlsx(xlsx_bytes(("Empty", [])), name="e.xlsx")


def test_xlsx_value_beyond_the_header_names_the_row() -> None:
    data = xlsx_bytes(("S", [["Code", None], ["A", None], ["B", 5]]))
    with pytest.raises(SourceFileError, match=r"s.xlsx, row 3: has a value .'5'. in column 2"):
        read_xlsx(data, name="s.xlsx")


def test_password_protected_or_old_workbook_is_refused() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE container's header
    with pytest.raises(SourceFileError, match=r"p.xlsx: is an encrypted .password-protected."):
        read_xlsx(ole, name="p.xlsx")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"code,name\n", "is not an XLSX workbook"),
        (b"PK\x03\x04" + b"garbage" * 10, "is not a readable XLSX workbook"),
    ],
)
def test_corrupt_xlsx_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(SourceFileError, match=rf"^c.xlsx: {reason}"):
        read_xlsx(data, name="c.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SourceFileError, match=r"z.xlsx: is not a readable XLSX workbook"):
        read_xlsx(buffer.getvalue(), name="z.xlsx")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.3"),
        (1234.5, "1234.5"),
        (1.2345678901234567, "1.23456789012346"),  # 15 significant digits, half-even
        (1e20, "100000000000000000000"),  # no exponent
        (1e-7, "0.0000001"),
        (-0.0, "0"),
        (-2.5, "-2.5"),
        (100.0, "100"),
    ],
)
def test_spreadsheet_floats_become_decimal_text(value: float, text: str) -> None:
    assert float_text(value) == text


def test_cell_text_of_each_type() -> None:
    assert cell_text(None) == ("", False)
    assert cell_text("x") == ("x", False)
    assert cell_text(7) == ("7", True)
    assert cell_text(dt.time(9, 30)) == ("09:30:00", True)
    with pytest.raises(ValueError, match="not a finite number"):
        float_text(float("nan"))
