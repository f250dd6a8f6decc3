"""Exact money: `Decimal` amounts, ISO 4217 currencies and their minor units.

No float ever becomes an amount: `to_decimal` refuses floats outright, because a binary float
cannot hold most decimal fractions (0.1 + 0.2 != 0.3) and the error would surface cents later.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

# ISO 4217 minor units (number of decimal places) of the currencies we accept.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0,
    "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2,
    "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KES": 2, "KRW": 0, "KWD": 3,
    "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2,
    "PKR": 2, "PLN": 2, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "UGX": 0, "USD": 2, "VND": 0, "XAF": 0,
    "XOF": 0, "ZAR": 2,
}  # fmt: skip

ZERO = Decimal(0)
DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MAX_DIGITS = 15  # integer digits of any amount, quantity or rate: stays exact in a BIGINT
MAX_PLACES = 12


def check_currency(code: str) -> str:
    """Return the currency code if it is a known ISO 4217 code, else raise ValueError."""
    if not isinstance(code, str) or code not in MINOR_UNITS:
        raise ValueError(f"unknown currency {code!r} (expected an ISO 4217 code such as 'EUR')")
    return code


def minor_units(currency: str) -> int:
    return MINOR_UNITS[check_currency(currency)]


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: Any) -> Decimal:
    """Turn user input into a finite Decimal; refuse floats, booleans and malformed text."""
    if type(value) is str:  # the common case (every amount of a JSON file), checked directly
        text = value.strip()
        if DECIMAL_RE.match(text) is not None:
            d = Decimal(text)
            dot = text.find(".")
            places = 0 if dot < 0 else len(text) - dot - 1  # the exponent of a plain decimal
            if not d or (d.adjusted() < MAX_DIGITS and places <= MAX_PLACES):
                return d
        # malformed or out of range: the general path below says why
    if isinstance(value, bool | float):
        raise ValueError(
            'amounts must be decimal strings such as "12.50" or integers, not floats '
            "(a float cannot hold most decimal fractions exactly)"
        )
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        if not DECIMAL_RE.match(value.strip()):
            raise ValueError(
                f"{value!r} is not a decimal number (write it like 1234.50: ASCII digits, an "
                "optional leading minus and decimal point; no separators, exponents or '+')"
            )
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    else:
        raise ValueError(f"expected a decimal string, got {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if d and (d.adjusted() >= MAX_DIGITS or d.as_tuple().exponent < -MAX_PLACES):  # type: ignore[operator]
        raise ValueError(
            f"{value!r} is out of range (at most {MAX_DIGITS} integer digits and "
            f"{MAX_PLACES} decimal places)"
        )
    return d


def _serialise(d: Decimal) -> str:
    return format(d, "f")


# A Decimal field that refuses floats on input and serialises as a plain decimal string.
Dec = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    PlainSerializer(_serialise, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
                {"type": "integer"},
            ],
            "description": 'an exact decimal as a string ("12.50") or an integer; never a float',
        }
    ),
]


def _report_decimal(value: Any) -> Decimal:
    """A figure of a report: exact and finite, never a float, but of any size (a total of
    many maximal amounts has more digits than any one amount may have)."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and DECIMAL_RE.match(value.strip()):
        return Decimal(value.strip())
    return to_decimal(value)  # refuses floats, booleans and malformed text with its message


# The decimal of report models: same wire format as `Dec`, no limit on the number of digits.
ReportDec = Annotated[
    Decimal,
    BeforeValidator(_report_decimal),
    PlainSerializer(_serialise, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}, {"type": "integer"}],
            "description": "an exact decimal as a string",
        }
    ),
]


def check_scale(amount: Decimal, currency: str) -> None:
    """Raise ValueError if `amount` has more decimals than `currency` allows."""
    places = minor_units(currency)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(
            f"{_serialise(amount)} has more decimal places than {currency} allows ({places})"
        )


def round_to(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (commercial rounding)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact integer number of minor units; the amount must already be on the currency's scale."""
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of {currency} minor units")
    return int(scaled)


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_units(currency)).quantize(quantum(currency))


def fmt(amount: Decimal, currency: str | None = None) -> str:
    """Format with thousands separators on the currency's scale: 1,234.50."""
    if currency is not None:
        amount = amount.quantize(quantum(currency))
    return f"{amount:,}"


def minor_from_text(text: str, places: int) -> int:
    """Integer minor units from a stored decimal string such as "-12.30" (fast, exact).

    Used by projections on amounts that were validated when stored.
    """
    whole, _, fraction = text.partition(".")
    extra = len(fraction) - places
    if extra <= 0:
        return int(whole + fraction + "0" * -extra)
    if fraction[places:].strip("0"):
        raise ValueError(f"{text} has more than {places} decimal places")
    return int(whole + fraction[:places])
