"""Settling open invoices: the checks shared by supplier payments and customer receipts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import ZERO, check_scale
from erp_core.parties.commands import Allocation


class OpenItem(Protocol):
    """What an invoice aggregate offers to settlement."""

    @property
    def open_amount(self) -> Decimal: ...


I = TypeVar("I", bound=OpenItem)  # noqa: E741


def check_allocations(
    allocations: Sequence[Allocation],
    *,
    load: Callable[[str], tuple[I, str, dt.date] | None],
    party: str,
    available: Decimal,
    currency: str,
    date: dt.date,
    noun: str,
) -> list[tuple[I, Decimal]]:
    """Check allocations of `available` money to invoices of `party` on `date`.

    `load` returns an invoice's aggregate, its party and its date, or None when unknown.
    Each allocation must be positive, on the currency's scale, for an invoice of this party
    dated on or before the allocation, and within what is still open on it; together they
    may not exceed `available`.
    """
    out: list[tuple[I, Decimal]] = []
    total = ZERO
    pending: dict[str, Decimal] = {}
    for i, a in enumerate(allocations):
        where = f"allocations[{i}]"
        if a.amount <= 0:
            raise ValidationError(f"{where}.amount", "must be greater than zero")
        try:
            check_scale(a.amount, currency)
        except ValueError as exc:
            raise ValidationError(f"{where}.amount", str(exc)) from None
        found = load(a.invoice)
        if found is None:
            raise NotFound(f"{where}.invoice: unknown {noun} invoice {a.invoice!r}")
        invoice, owner, dated = found
        if owner != party:
            raise ValidationError(
                f"{where}.invoice", f"{a.invoice} is an invoice of {owner}, not {party}"
            )
        if dated > date:
            raise ValidationError(
                f"{where}.invoice",
                f"{a.invoice} is dated {dated}, after the allocation date {date}",
            )
        open_amount = invoice.open_amount - pending.get(a.invoice, ZERO)
        if a.amount > open_amount:
            raise ValidationError(
                f"{where}.amount",
                f"{a.invoice} has {open_amount:f} open; cannot allocate {a.amount:f}",
            )
        pending[a.invoice] = pending.get(a.invoice, ZERO) + a.amount
        total += a.amount
        out.append((invoice, a.amount))
    if total > available:
        raise ValidationError(
            "allocations", f"allocations total {total:f}, more than the {available:f} available"
        )
    return out


def due_date(day: dt.date, terms_days: int) -> dt.date:
    return day + dt.timedelta(days=terms_days)
