"""Disposal: catch-up first, then balanced lines with the gain or loss on its own line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.assets.depreciation import AssetTerms, Convention, Impairment, StraightLine
from erp_core.assets.disposal import DisposalLine, DisposalRole, disposal_lines, dispose
from erp_core.assets.errors import AssetError

D = Decimal
Z = D(0)


def asset() -> AssetTerms:
    # 12,000, no residual, 48 months, mid-month from January 2026: 250 a month
    return AssetTerms(
        D("12000.00"), D(0), 48, dt.date(2026, 1, 1), StraightLine(), Convention.MID_MONTH
    )


def balanced(lines: tuple[DisposalLine, ...]) -> bool:
    return sum(line.debit for line in lines) == sum(line.credit for line in lines)


def test_sale_above_book_value_books_a_gain() -> None:
    # catch-up to 15 March 2027: accumulated 3,500 (see the catch-up test), carrying 8,500;
    # sold for 9,000: gain 500
    result = dispose(asset(), dt.date(2027, 3, 15), D(9000))
    assert result.catch_up is not None and result.catch_up.amount == D("125.00")
    assert (result.gain, result.loss, result.carrying_amount) == (D(500), Z, D("8500.00"))
    assert result.lines == (
        DisposalLine(DisposalRole.PROCEEDS, D(9000), Z),
        DisposalLine(DisposalRole.ACCUMULATED_DEPRECIATION, D("3500.00"), Z),
        DisposalLine(DisposalRole.COST, Z, D("12000.00")),
        DisposalLine(DisposalRole.GAIN, Z, D("500.00")),
    )
    assert balanced(result.lines)


def test_sale_below_book_value_books_a_loss() -> None:
    # carrying 8,500, sold for 8,000: loss 500 (Dr loss, not negative revenue)
    result = dispose(asset(), dt.date(2027, 3, 15), D(8000))
    assert (result.gain, result.loss) == (Z, D("500.00"))
    assert DisposalLine(DisposalRole.LOSS, D("500.00"), Z) in result.lines
    assert balanced(result.lines)


def test_zero_book_value_sale_still_books_its_gain() -> None:
    # fully depreciated (accumulated 12,000), sold for 300: the whole 300 is a gain
    result = disposal_lines(D(12000), D(12000), D(300))
    assert result.lines == (
        DisposalLine(DisposalRole.PROCEEDS, D(300), Z),
        DisposalLine(DisposalRole.ACCUMULATED_DEPRECIATION, D(12000), Z),
        DisposalLine(DisposalRole.COST, Z, D(12000)),
        DisposalLine(DisposalRole.GAIN, Z, D(300)),
    )


def test_scrap_without_proceeds_books_the_carrying_amount_as_a_loss() -> None:
    # cost 5,000, accumulated 3,000, impairment 500: carrying 1,500 lost
    result = disposal_lines(D(5000), D(3000), D(0), D(500))
    assert result.lines == (
        DisposalLine(DisposalRole.ACCUMULATED_DEPRECIATION, D(3000), Z),
        DisposalLine(DisposalRole.ACCUMULATED_IMPAIRMENT, D(500), Z),
        DisposalLine(DisposalRole.LOSS, D(1500), Z),
        DisposalLine(DisposalRole.COST, Z, D(5000)),
    )


def test_dispose_removes_accumulated_impairment_too() -> None:
    # impairment 1,000 from January 2027; catch-up to 15 March 2027:
    # through Dec 2026: 125 + 11 x 250 = 2,875 (11.5 months); carrying 9,125 - 1,000 = 8,125
    # over the 48 - 11.5 = 36.5 months left; to mid-March is 2.5 of them:
    # 8,125 x 2.5 / 36.5 = 556.507 -> 556.51, accumulated 2,875 + 556.51 = 3,431.51
    impairment = Impairment(dt.date(2027, 1, 1), D(1000))
    result = dispose(asset(), dt.date(2027, 3, 15), D(8000), [impairment])
    assert result.accumulated_impairment == D("1000.00")
    assert result.accumulated_depreciation == D("3431.51")
    assert result.gain == D("8000") - (D(12000) - D("3431.51") - D(1000))
    assert balanced(result.lines)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((D(100), D(0), 10.0), "proceeds"),
        ((D(100), D(0), D(-1)), "proceeds"),
        ((D(100), D(101), D(0)), "accumulated_depreciation"),
        ((D("100.001"), D(0), D(0)), "cost"),
    ],
)
def test_bad_disposal_input_is_refused(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(AssetError) as info:
        disposal_lines(*args)
    assert info.value.field == field
