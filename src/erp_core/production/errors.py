"""Errors raised by the production core, and the checks that turn raw input into exact Decimals.

Every refusal names the field and the reason, like `erp_core`'s `ValidationError`. They are
their own small hierarchy here so the pure core imports nothing from the rest of `erp_core`;
when the area is wired in, `ProductionError` can derive from the kernel's `ErpError`.
"""

from __future__ import annotations

from decimal import Decimal


class ProductionError(Exception):
    """Base of every error the production core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ProductionValidationError(ProductionError):
    """Input is malformed or breaks a rule; `field` names where and `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class BomCycleError(ProductionValidationError):
    """A bill of materials would contain its own output, directly or through lower levels."""

    def __init__(self, field: str, cycle: tuple[str, ...]) -> None:
        self.cycle = cycle
        super().__init__(field, f"bill of materials cycle {' -> '.join(cycle)}")


class WorkOrderStateError(ProductionError):
    """A step the work order's costing state does not allow (e.g. anything after close)."""


def to_decimal(field: str, value: object) -> Decimal:
    """Return `value` as a finite Decimal; refuse floats, booleans, text and other types."""
    if isinstance(value, bool | float):
        raise ProductionValidationError(
            field, "must be a Decimal or an integer, not a float (a float is not exact)"
        )
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise ProductionValidationError(
            field, f"must be a Decimal or an integer, got {type(value).__name__}"
        )
    if not value.is_finite():
        raise ProductionValidationError(field, "must be a finite number")
    return value


def positive(field: str, value: object) -> Decimal:
    d = to_decimal(field, value)
    if d <= 0:
        raise ProductionValidationError(field, f"must be greater than 0, got {d}")
    return d


def non_negative(field: str, value: object) -> Decimal:
    d = to_decimal(field, value)
    if d < 0:
        raise ProductionValidationError(field, f"must not be negative, got {d}")
    return d


def percentage_below_100(field: str, value: object) -> Decimal:
    """A percentage in [0, 100): a loss or scrap rate (100 % would leave nothing to divide by)."""
    d = to_decimal(field, value)
    if d < 0 or d >= 100:
        raise ProductionValidationError(field, f"must be at least 0 and below 100, got {d}")
    return d


def money(field: str, value: object, places: int) -> Decimal:
    """An amount already in the currency's minor unit (no more than `places` decimals)."""
    d = to_decimal(field, value)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ProductionValidationError(
            field, f"must have at most {places} decimal places, got {d}"
        )
    return d


def code(field: str, value: object) -> str:
    """An item, work-centre or account code: a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise ProductionValidationError(field, "must be a non-blank code")
    return value
