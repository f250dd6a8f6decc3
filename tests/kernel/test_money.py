from __future__ import annotations

from decimal import Decimal

import pytest

from erp_core.kernel.money import (
    check_scale,
    from_minor,
    minor_from_text,
    round_to,
    to_decimal,
    to_minor,
)


def test_floats_are_refused_as_amounts() -> None:
    with pytest.raises(ValueError, match="not floats"):
        to_decimal(0.1)


def test_booleans_are_not_amounts() -> None:
    with pytest.raises(ValueError):
        to_decimal(True)


@pytest.mark.parametrize("text", ["abc", "12,50", "", "1e400000000000", "NaN", "Infinity"])
def test_malformed_or_infinite_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        to_decimal(text)


def test_strings_and_integers_become_exact_decimals() -> None:
    assert to_decimal(" 12.50 ") == Decimal("12.50")
    assert to_decimal(7) == Decimal(7)


def test_scale_is_checked_against_the_currency_minor_unit() -> None:
    check_scale(Decimal("10.01"), "EUR")
    check_scale(Decimal("10.010"), "EUR")  # trailing zeros are not extra precision
    with pytest.raises(ValueError, match="more decimal places than EUR allows"):
        check_scale(Decimal("10.005"), "EUR")
    with pytest.raises(ValueError, match="JPY"):
        check_scale(Decimal("1.5"), "JPY")
    check_scale(Decimal("1.005"), "KWD")


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert round_to(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert round_to(Decimal("-0.125"), "EUR") == Decimal("-0.13")
    assert round_to(Decimal("2.5"), "JPY") == Decimal("3")


def test_minor_units_round_trip_exactly() -> None:
    assert to_minor(Decimal("-1234.56"), "EUR") == -123456
    assert from_minor(-123456, "EUR") == Decimal("-1234.56")
    assert to_minor(Decimal("5"), "KWD") == 5000
    with pytest.raises(ValueError):
        to_minor(Decimal("0.001"), "EUR")


@pytest.mark.parametrize(
    ("text", "places", "units"),
    [
        ("12.34", 2, 1234),
        ("-12.3", 2, -1230),
        ("0", 2, 0),
        ("100", 0, 100),
        ("-0.005", 3, -5),
        ("12.340", 2, 1234),
        ("-0.50", 2, -50),
    ],
)
def test_minor_units_from_stored_text(text: str, places: int, units: int) -> None:
    assert minor_from_text(text, places) == units


def test_minor_units_from_text_refuse_extra_precision() -> None:
    with pytest.raises(ValueError):
        minor_from_text("1.234", 2)
