"""Small value types and input checks shared by the assets core: months, exact decimals."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import floor

from erp_core.assets.errors import AssetError

_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True, order=True, slots=True)
class YearMonth:
    """A fiscal period: one calendar month (`YearMonth(2026, 3)`, printed `2026-03`)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or self.year < 1:
            raise AssetError("year", f"expected a positive integer year, got {self.year!r}")
        if isinstance(self.month, bool) or not isinstance(self.month, int):
            raise AssetError("month", f"expected an integer month, got {self.month!r}")
        if not 1 <= self.month <= 12:
            raise AssetError("month", f"month must be 1-12, got {self.month}")

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        """`YearMonth.parse("2026-03")`; anything else raises `AssetError` naming `month`."""
        match = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise AssetError("month", f"{text!r} is not a month written YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> YearMonth:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> YearMonth:
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months have consecutive indexes."""
        return self.year * 12 + self.month - 1

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    def __add__(self, months: int) -> YearMonth:
        return YearMonth.from_index(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def check_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise AssetError(field, f"expected a date, got {type(value).__name__}")
    return value


def check_month(value: object, field: str) -> YearMonth:
    if isinstance(value, YearMonth):
        return value
    if isinstance(value, str):
        try:
            return YearMonth.parse(value)
        except AssetError as exc:
            raise AssetError(field, exc.reason) from None
    raise AssetError(field, f"expected a YearMonth or 'YYYY-MM', got {type(value).__name__}")


def to_decimal(value: object, field: str) -> Decimal:
    """A finite Decimal from a Decimal, an int or a decimal string; floats are refused."""
    if isinstance(value, bool | float):
        raise AssetError(
            field,
            f"got {type(value).__name__} {value!r}: write amounts as Decimal or decimal strings "
            '("12.50"), never floats (a float cannot hold most decimal fractions exactly)',
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise AssetError(field, f"{value!r} is not a decimal number") from None
    else:
        raise AssetError(field, f"expected a Decimal, got {type(value).__name__}")
    if not number.is_finite():
        raise AssetError(field, f"{value!r} is not a finite number")
    return number


def to_money(value: object, field: str, places: int) -> Decimal:
    """A Decimal amount with at most `places` decimals (the currency's minor unit)."""
    number = to_decimal(value, field)
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise AssetError(field, f"{number} is out of range") from None
    if not exact:
        raise AssetError(field, f"{number} has more than {places} decimal places")
    return number


def to_minor(amount: Decimal, places: int) -> int:
    """Exact integer count of minor units (cents); `amount` has at most `places` decimals."""
    return int(amount.scaleb(places))


def from_minor(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places)


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero (ROUND_HALF_UP), exactly."""
    if value >= 0:
        return floor(value + Fraction(1, 2))
    return -floor(-value + Fraction(1, 2))
