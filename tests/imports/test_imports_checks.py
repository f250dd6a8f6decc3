"""Checks before storing: mandatory fields, links, Dr = Cr, control totals, unique external ids."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from erp_core.imports.checks import (
    Problem,
    check_balanced,
    check_control_total,
    check_links,
    check_required,
    check_unique_external_ids,
    run_checks,
)
from erp_core.imports.mapping import (
    FieldValue,
    MappedRecord,
    apply_mapping,
    fingerprint,
    load_mapping,
)
from erp_core.imports.reader import read_csv

DATA = Path(__file__).parent / "data"
D = Decimal


def record(row: int, external_id: str | None = None, **values: FieldValue) -> MappedRecord:
    return MappedRecord(
        kind="k",
        row=row,
        external_id=external_id or f"X{row}",
        values=values,
        fingerprint=fingerprint(values),
    )


def opening_records() -> tuple[MappedRecord, ...]:
    mapping = load_mapping(
        """
        [kinds.opening]
        external_id = "Account"
        [kinds.opening.fields.account]
        column = "Account"
        [kinds.opening.fields.debit]
        column = "Debit"
        transform = [{ number = { decimal = ",", thousands = "." } }]
        [kinds.opening.fields.credit]
        column = "Credit"
        transform = [{ number = { decimal = ",", thousands = "." } }]
        """
    ).kind("opening")
    result = apply_mapping(mapping, read_csv(DATA / "opening_semicolon.csv"))
    assert result.ok
    return result.records


# --------------------------------------------------------------------------------------------
# required and unique


def test_required_fields_name_row_and_field() -> None:
    records = [
        record(2, code="A", name="Alpha", tags=("x",)),
        record(3, code=" ", name=None, tags=()),
        record(4, code="C"),
    ]
    problems = check_required(records, ["code", "name", "tags"])
    assert [str(p) for p in problems] == [
        "row 3, field 'code': is required but empty",
        "row 3, field 'name': is required but empty",
        "row 3, field 'tags': is required but empty",
        "row 4, field 'name': is required but empty",
        "row 4, field 'tags': is required but empty",
    ]


def test_duplicate_external_ids_are_listed_with_their_rows() -> None:
    records = [record(2, "C1"), record(3, "C2"), record(7, "C1"), record(9, "C1")]
    (problem,) = check_unique_external_ids(records)
    assert str(problem) == "row 7: external id 'C1' appears at rows 2, 7, 9"
    assert problem.reason == "external id 'C1' appears at rows 2, 7, 9"
    assert problem.row == 7
    assert check_unique_external_ids(records[:2]) == []


# --------------------------------------------------------------------------------------------
# links


def test_links_to_known_codes_and_to_codes_created_earlier_in_the_file() -> None:
    accounts = [
        record(2, code="1000", parent=None),
        record(3, code="1100", parent="1000"),  # created at row 2: fine
        record(4, code="1110", parent="1900"),  # created only at row 6
        record(5, code="1200", parent="BS"),  # known from the existing chart
        record(6, code="1900", parent="1900"),  # itself
        record(7, code="2000", parent="9999"),  # nowhere
    ]
    problems = check_links(accounts, "parent", known={"BS", "PL"}, creates="code", target="account")
    assert [str(p) for p in problems] == [
        "row 4, field 'parent': '1900' is created only later, at row 6; put that row first",
        "row 6, field 'parent': '1900' refers to itself",
        "row 7, field 'parent': '9999' is not a known account",
    ]


def test_list_links_are_checked_one_by_one() -> None:
    records = [record(2, groups=("A", "Z", "")), record(3, groups=None)]
    (problem,) = check_links(records, "groups", known={"A"}, target="group")
    assert str(problem) == "row 2, field 'groups': 'Z' is not a known group"


def test_a_link_that_is_not_text_is_a_problem() -> None:
    (problem,) = check_links([record(2, account=D(1000))], "account", known={"1000"})
    assert problem.reason == "Decimal('1000') is not a code (text)"


# --------------------------------------------------------------------------------------------
# Dr = Cr


def test_the_opening_fixture_balances() -> None:
    # Dr 1,234.56 + 10,000.00 = 11,234.56; Cr 2,500.00 + 8,734.56 = 11,234.56
    assert check_balanced(opening_records()) == []


def test_an_unbalanced_opening_states_the_difference_and_its_side() -> None:
    records = [*opening_records(), record(6, account="4000", debit=D("10.00"), credit=None)]
    (problem,) = check_balanced(records)
    # Dr 11,234.56 + 10.00 = 11,244.56 against Cr 11,234.56
    assert str(problem) == (
        "the opening balance does not balance: debits 11244.56, credits 11234.56, "
        "debits exceed by 10.00"
    )


def test_line_problems_negative_amounts_and_both_sides() -> None:
    records = [
        record(2, debit=D("-5"), credit=None),
        record(3, debit=D("5"), credit=D("5")),
        record(4, debit=None, credit=D("5")),
    ]
    problems = check_balanced(records)
    # Dr -5 + 5 = 0, Cr 5 + 5 = 10: credits exceed by 10
    assert [str(p) for p in problems] == [
        "row 2, field 'debit': is negative (-5); use the other side",
        "row 3: has both a debit (5) and a credit (5); split it into two lines",
        "the opening balance does not balance: debits 0, credits 10, credits exceed by 10",
    ]


def test_signed_amounts_balance_per_voucher() -> None:
    lines = [
        record(2, voucher="J1", amount=D("100.00")),
        record(3, voucher="J1", amount=D("-100.00")),
        record(4, voucher="J2", amount=D("50.00")),
        record(5, voucher="J2", amount=D("-49.99")),
    ]
    (problem,) = check_balanced(lines, amount="amount", by="voucher", label="journal")
    # J2: Dr 50.00, Cr 49.99
    assert problem.reason == (
        "journal (voucher 'J2') does not balance: "
        "debits 50.00, credits 49.99, debits exceed by 0.01"
    )


def test_an_amount_that_is_text_is_a_problem_and_a_float_is_a_bug() -> None:
    (problem,) = check_balanced([record(2, debit="12", credit=None)], credit="credit")
    assert str(problem) == (
        "row 2, field 'debit': '12' is not an amount (map the field with a number step)"
    )
    with pytest.raises(TypeError, match="float"):
        check_balanced([record(2, debit=1.5, credit=None)])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# control totals


def test_open_items_add_up_to_the_control_balance() -> None:
    items = [record(2, amount=D("1200.00")), record(3, amount=D("-200.00")), record(4, amount=None)]
    # 1,200.00 - 200.00 = 1,000.00
    assert check_control_total(items, "amount", D("1000.00")) == []
    (problem,) = check_control_total(items, "amount", D("1045.50"), label="open receivables")
    assert str(problem) == (
        "open receivables total 1000.00, but the control balance is 1045.50: difference -45.50"
    )


def test_control_totals_per_control_account() -> None:
    items = [
        record(2, account="1200", amount=D("300")),
        record(3, account="1200", amount=D("200")),
        record(4, account="1210", amount=D("80")),
        record(5, account="1299", amount=D("5")),
    ]
    controls = {"1200": D("500"), "1210": D("90"), "1220": D("10"), "1230": D("0")}
    problems = check_control_total(items, "amount", controls, by="account")
    assert [p.reason for p in problems] == [
        "open items of account '1210' total 80, but the control balance is 90: difference -10",
        "open items of account '1220': none, but the control balance is 10",
        "open items of account '1299' total 5, but there is no control balance",
    ]


def test_control_total_arguments_must_agree() -> None:
    with pytest.raises(TypeError, match="must be a Decimal"):
        check_control_total([], "amount", {"1200": D(1)})
    with pytest.raises(TypeError, match="must map each group"):
        check_control_total([], "amount", D(1), by="account")
    with pytest.raises(TypeError, match="float"):
        check_control_total([], "amount", {"1200": 1.0}, by="account")  # type: ignore[dict-item]


# --------------------------------------------------------------------------------------------
# all together


def test_run_checks_reports_every_problem_at_once() -> None:
    records = [
        record(2, "C1", account="1000", debit=D("10"), credit=None),
        record(3, "C1", account="", debit=None, credit=D("9")),
    ]
    problems = run_checks(
        records,
        [
            partial(check_required, fields=["account"]),
            check_unique_external_ids,
            check_balanced,
            partial(check_links, field="account", known={"2000"}),
        ],
    )
    assert [p.check for p in problems] == ["required", "external_id", "balance", "link"]
    assert all(isinstance(p, Problem) for p in problems)
    assert str(problems[-1]) == "row 2, field 'account': '1000' is not a known code"
