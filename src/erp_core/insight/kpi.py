"""Working-capital KPIs from plain figures: DSO, DPO, DIO, cash-conversion cycle, turnover.

Formulas (``days`` is the length of the period the flows cover, e.g. 365, 90 or 30):

- DSO (days sales outstanding) = receivables / revenue x days
- DPO (days payables outstanding) = payables / COGS x days
- DIO (days inventory outstanding) = inventory / COGS x days
- CCC (cash-conversion cycle) = DSO + DIO - DPO
- inventory turnover = COGS / average inventory

The balances may be closing balances or averages (:func:`average_balance`); the caller says
which in the report. DPO uses COGS, not purchases, as most textbooks and ERP dashboards do.

Rounding: days and turnover are rounded to 2 places, half up. The cash-conversion cycle is
computed from the *rounded* DSO, DIO and DPO, so the figures printed side by side add up exactly.

Undefined figures: a zero or negative denominator (revenue, COGS, average inventory) gives a
:class:`Kpi` whose ``value`` is ``None`` and whose ``reason`` says why; never a
``ZeroDivisionError`` and never a made-up number. A CCC with an undefined part is undefined too.
Bad input (a float, a bool, a non-positive ``days``) raises :class:`KpiError` naming the field.
Negative balances (a customer credit balance larger than the receivables) are allowed and give a
negative figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.01")


class KpiError(ValueError):
    """A bad KPI input: ``field`` names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Kpi:
    """A computed figure, or ``value=None`` with the ``reason`` it is undefined."""

    name: str
    value: Decimal | None
    unit: str
    formula: str
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


def _figure(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        kind = type(value).__name__
        hint = " (use Decimal: amounts are exact)" if isinstance(value, float) else ""
        raise KpiError(field, f"must be a Decimal or int, got {kind}{hint}")
    d = Decimal(value)
    if not d.is_finite():
        raise KpiError(field, f"must be finite, got {d}")
    return d


def _days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise KpiError("days", f"must be a whole number of days, got {type(value).__name__}")
    if value <= 0:
        raise KpiError("days", f"must be positive, got {value}")
    return value


def _round(d: Decimal) -> Decimal:
    return d.quantize(PLACES, rounding=ROUND_HALF_UP)


def _ratio(
    name: str,
    formula: str,
    unit: str,
    numerator: Decimal,
    denominator: Decimal,
    denominator_name: str,
    factor: int = 1,
) -> Kpi:
    if denominator == 0:
        return Kpi(name, None, unit, formula, f"{denominator_name} is zero: {name} is undefined")
    if denominator < 0:
        return Kpi(
            name,
            None,
            unit,
            formula,
            f"{denominator_name} is negative ({denominator}): {name} is undefined",
        )
    return Kpi(name, _round(numerator * factor / denominator), unit, formula)


def dso(receivables: Decimal | int, revenue: Decimal | int, days: int) -> Kpi:
    """Days sales outstanding = receivables / revenue x days."""
    return _ratio(
        "DSO",
        "receivables / revenue x days",
        "days",
        _figure(receivables, "receivables"),
        _figure(revenue, "revenue"),
        "revenue",
        _days(days),
    )


def dpo(payables: Decimal | int, cogs: Decimal | int, days: int) -> Kpi:
    """Days payables outstanding = payables / COGS x days."""
    return _ratio(
        "DPO",
        "payables / COGS x days",
        "days",
        _figure(payables, "payables"),
        _figure(cogs, "cogs"),
        "COGS",
        _days(days),
    )


def dio(inventory: Decimal | int, cogs: Decimal | int, days: int) -> Kpi:
    """Days inventory outstanding = inventory / COGS x days."""
    return _ratio(
        "DIO",
        "inventory / COGS x days",
        "days",
        _figure(inventory, "inventory"),
        _figure(cogs, "cogs"),
        "COGS",
        _days(days),
    )


def inventory_turnover(cogs: Decimal | int, average_inventory: Decimal | int) -> Kpi:
    """Inventory turnover = COGS / average inventory (times per period)."""
    return _ratio(
        "inventory turnover",
        "COGS / average inventory",
        "times",
        _figure(cogs, "cogs"),
        _figure(average_inventory, "average_inventory"),
        "average inventory",
    )


def average_balance(opening: Decimal | int, closing: Decimal | int) -> Decimal:
    """(opening + closing) / 2, exact (at most one more decimal place than the inputs)."""
    return (_figure(opening, "opening") + _figure(closing, "closing")) / 2


def cash_conversion_cycle(dso_kpi: Kpi, dio_kpi: Kpi, dpo_kpi: Kpi) -> Kpi:
    """CCC = DSO + DIO - DPO, from the rounded parts; undefined when any part is."""
    formula = "DSO + DIO - DPO"
    for field, kpi, expected in (
        ("dso_kpi", dso_kpi, "DSO"),
        ("dio_kpi", dio_kpi, "DIO"),
        ("dpo_kpi", dpo_kpi, "DPO"),
    ):
        if kpi.name != expected:
            raise KpiError(field, f"must be a {expected} figure, got {kpi.name}")
    s, i, p = dso_kpi.value, dio_kpi.value, dpo_kpi.value
    if s is None or i is None or p is None:
        why = "; ".join(str(k.reason) for k in (dso_kpi, dio_kpi, dpo_kpi) if k.value is None)
        return Kpi("CCC", None, "days", formula, f"undefined because {why}")
    return Kpi("CCC", s + i - p, "days", formula)


@dataclass(frozen=True)
class WorkingCapital:
    """DSO, DIO, DPO and the cash-conversion cycle of one period."""

    dso: Kpi
    dio: Kpi
    dpo: Kpi
    ccc: Kpi


def working_capital(
    *,
    receivables: Decimal | int,
    payables: Decimal | int,
    inventory: Decimal | int,
    revenue: Decimal | int,
    cogs: Decimal | int,
    days: int,
) -> WorkingCapital:
    """All four working-capital figures of one period from plain figures."""
    s, i, p = dso(receivables, revenue, days), dio(inventory, cogs, days), dpo(payables, cogs, days)
    return WorkingCapital(s, i, p, cash_conversion_cycle(s, i, p))


# --- operations: rates and per-head figures ---------------------------------------------------


def percentage(
    name: str, formula: str, part: Decimal | int, whole: Decimal | int, what: str
) -> Kpi:
    """``part / whole x 100`` in %, 2 places half up; undefined (with the reason) when there is
    nothing to measure (``whole`` zero): "no sales orders due in the period"."""
    p, w = _figure(part, "part"), _figure(whole, "whole")
    if w == 0:
        return Kpi(name, None, "%", formula, f"no {what} in the period")
    if p < 0 or w < 0:
        raise KpiError("part", f"counts must not be negative, got {p} of {w}")
    return Kpi(name, _round(p * 100 / w), "%", formula)


def per_head(name: str, formula: str, cost: Decimal | int, heads: Decimal | int) -> Kpi:
    """``cost / heads`` in money, 2 places half up; undefined when there is no one."""
    c, h = _figure(cost, "cost"), _figure(heads, "heads")
    if h <= 0:
        return Kpi(name, None, "money", formula, "no one was paid in the period")
    return Kpi(name, _round(c / h), "money", formula)


def change(current: Kpi, previous: Kpi) -> Decimal | None:
    """The change of a figure from the previous period (same unit), or None if either is
    undefined."""
    if current.value is None or previous.value is None:
        return None
    return current.value - previous.value
