"""Cleansing: normalisers, the per-row change report, exact and near duplicates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.imports.cleansing import (
    LEGAL_FORMS,
    cleanse,
    find_duplicates,
    find_near_duplicates,
    name_key,
    normalise_code,
    normalise_identifier,
    normalise_name,
    normalise_whitespace,
    similarity,
)
from erp_core.imports.mapping import FieldValue, MappedRecord, fingerprint


def record(row: int, **values: FieldValue) -> MappedRecord:
    return MappedRecord(
        kind="customers",
        row=row,
        external_id=f"X{row}",
        values=values,
        fingerprint=fingerprint(values),
    )


def test_normalisers() -> None:
    assert normalise_whitespace("\u200b  a\u00a0\tb \n c\ufeff ") == "a b c"
    assert normalise_code(" ab\u00a0 01 ") == "AB 01"
    assert normalise_code("\uff21\uff22\uff11") == "AB1"  # full-width letters and digits (NFKC)
    assert normalise_name("  ACME   GmbH ") == "ACME GmbH"  # case kept
    assert normalise_name("Cafe\u0301") == "Café"  # composed (NFC)
    assert normalise_identifier(" de 123-456.789 ") == "DE123456789"
    assert name_key("  Müller & Söhne GmbH. ", LEGAL_FORMS) == "muller sohne"


def test_cleansing_reports_each_change_and_refreshes_the_fingerprint() -> None:
    records = [
        record(2, code=" c-001 ", name="  Acme   Trading ", limit=Decimal("10")),
        record(3, code="C-002", name="Beta Ltd", limit=None),
        record(4, code="c-003", name="Gamma", tags=(" x ", "y")),
    ]
    result = cleanse(
        records,
        {"code": normalise_code, "name": normalise_name, "limit": str, "tags": str.strip},
    )
    assert [str(c) for c in result.changes] == [
        "row 2, field 'code': ' c-001 ' -> 'C-001'",
        "row 2, field 'name': '  Acme   Trading ' -> 'Acme Trading'",
        "row 4, field 'code': 'c-003' -> 'C-003'",
        "row 4, field 'tags': (' x ', 'y') -> ('x', 'y')",
    ]
    first, second, third = result.records
    assert first.values["limit"] == Decimal("10")  # not text: left alone
    assert first.fingerprint == fingerprint(first.values) != records[0].fingerprint
    assert second is records[1]  # unchanged record: the same object
    assert third.values["tags"] == ("x", "y")
    assert set(result.changes_by_row()) == {2, 4}
    assert len(result.changes_by_row()[2]) == 2


def test_exact_duplicates_by_a_normalised_key() -> None:
    records = [
        record(2, code="C-001", tax_id="DE 123 456"),
        record(3, code="c-001 ", tax_id="DE123456"),
        record(4, code="C-002", tax_id="de-123-456"),
        record(5, code=None, tax_id=""),
        record(6, code="", tax_id=None),
    ]
    (by_code,) = find_duplicates(records, ["code"])
    assert (by_code.rows, by_code.key, by_code.external_ids) == ((2, 3), ("C-001",), ("X2", "X3"))
    (by_tax,) = find_duplicates(records, ["tax_id"], normalise_identifier)
    assert by_tax.rows == (2, 3, 4)
    assert str(by_tax) == "rows 2, 3, 4 share tax_id 'DE123456'"
    assert find_duplicates(records, ["code", "tax_id"]) == ()  # the pair differs in tax id text
    with pytest.raises(ValueError, match="at least one key field"):
        find_duplicates(records, [])


def test_similarity_is_difflibs_ratio_as_a_fraction() -> None:
    # "acme trading" (12) vs "acme tradng" (11): 11 characters match, 2 * 11 / 23
    assert similarity("acme trading", "acme tradng") == Fraction(22, 23)
    assert similarity("", "") == 1
    assert similarity("abc", "xyz") == 0


def test_near_duplicates_among_incoming_rows_and_against_existing() -> None:
    records = [
        record(2, name="ACME Trading GmbH"),
        record(3, name="Acme Tradng"),
        record(4, name="Zeta Logistics"),
        record(5, name="acme  trading"),
        record(6, name="  "),
    ]
    found = find_near_duplicates(
        records,
        threshold=Decimal("0.90"),
        existing={"CUST-9": "Zeta Logistic", "CUST-1": "Omega"},
        ignore_words=LEGAL_FORMS,
    )
    assert [str(d) for d in found] == [
        # keys "acme trading" (GmbH dropped) and "acme trading": equal
        "row 2 'ACME Trading GmbH' resembles row 5 'acme  trading' (similarity 1.000)",
        # "zeta logistics" (14) vs "zeta logistic" (13): 2 * 13 / 27 = 0.96296...
        "row 4 'Zeta Logistics' resembles 'CUST-9' 'Zeta Logistic' (similarity 0.963)",
        # "acme trading" vs "acme tradng": 2 * 11 / 23 = 0.95652...
        "row 2 'ACME Trading GmbH' resembles row 3 'Acme Tradng' (similarity 0.957)",
        "row 3 'Acme Tradng' resembles row 5 'acme  trading' (similarity 0.957)",
    ]
    assert found[1].other_id == "CUST-9" and found[1].other_row is None


def test_the_threshold_is_exact_and_legal_forms_count_unless_ignored() -> None:
    records = [record(2, name="Acme Trading"), record(3, name="Acme Trading Ltd")]
    # "acme trading" (12) vs "acme trading ltd" (16): 2 * 12 / 28 = 6/7 = 0.857142...
    assert find_near_duplicates(records, threshold=Decimal("0.858")) == ()
    (pair,) = find_near_duplicates(records, threshold=Decimal("0.857"))
    assert pair.similarity == Decimal("0.857")
    (same,) = find_near_duplicates(records, ignore_words=LEGAL_FORMS)
    assert same.similarity == Decimal("1.000")


def test_a_bad_threshold_is_refused() -> None:
    for threshold in (0.9, Decimal(0), Decimal("1.5")):
        with pytest.raises(ValueError, match="must be a Decimal in"):
            find_near_duplicates([], threshold=threshold)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(alphabet="abcdeé -&.", min_size=0, max_size=12), max_size=25),
    existing=st.lists(st.text(alphabet="abcdeé -&.", min_size=1, max_size=12), max_size=8),
    threshold=st.sampled_from([Decimal("0.5"), Decimal("0.75"), Decimal("0.9"), Decimal("1")]),
)
def test_rapidfuzz_pruning_finds_exactly_what_difflib_finds(
    names: list[str], existing: list[str], threshold: Decimal
) -> None:
    from erp_core.imports import cleansing

    records = [record(i + 2, name=name) for i, name in enumerate(names)]
    stored = {f"X{i}": name for i, name in enumerate(existing)}
    fast = find_near_duplicates(records, threshold=threshold, existing=stored)
    brute = []
    limit = Fraction(threshold)
    incoming = [
        cleansing._name(r.row, None, r.values["name"], ())
        for r in records
        if isinstance(r.values["name"], str) and r.values["name"].strip()
    ]
    kept = [cleansing._name(None, k, v, ()) for k, v in stored.items() if v.strip()]
    for i, first in enumerate(incoming):
        for second in [*incoming[i + 1 :], *kept]:
            ratio = cleansing._ratio_if_close(first, second, limit)
            if ratio is not None:
                brute.append((first.row, second.row, second.other_id, cleansing._shown(ratio)))
    found = [(d.row, d.other_row, d.other_id, d.similarity) for d in fast]
    assert sorted(map(str, found)) == sorted(map(str, brute))
