"""Settling open invoices: the checks shared by supplier payments and customer receipts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from erp_core.currency.exchange import (
    check_not_before_kept,
    part_in_base,
    post_exchange_difference,
    settled_in_base,
)
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import ZERO, check_scale
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.posting import chart_of, company_of
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
    uow: UnitOfWork | None = None,
) -> list[tuple[I, Decimal]]:
    """Check allocations of `available` money to invoices of `party` on `date`.

    `load` returns an invoice's aggregate, its party and its date, or None when unknown.
    Each allocation must be positive, on the currency's scale, for an invoice of this party
    dated on or before the allocation, and within what is still open on it; together they
    may not exceed `available`. With `uow`, an invoice whose revaluation was kept on a date
    takes allocations only from that date on (settlement starts from its carrying amount).
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
        if uow is not None:
            check_not_before_kept(uow, a.invoice, date, f"{where}.invoice")
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


class Settleable(Protocol):
    """An invoice aggregate as allocation reads and records it."""

    @property
    def open_amount(self) -> Decimal: ...

    @property
    def open_base(self) -> Decimal: ...

    def trigger(self, event: Any) -> None: ...


class Paying(Protocol):
    """A payment, receipt or credit note aggregate as allocation records it."""

    def trigger(self, event: Any) -> None: ...


S = TypeVar("S", bound=Settleable)
E = TypeVar("E", bound=DomainEvent)


def record_allocations(
    uow: UnitOfWork,
    *,
    ledger: str,
    party: str,
    document: str,
    currency: str,
    rate: Decimal | None,
    unallocated: Decimal,
    unallocated_base: Decimal,
    allocations: Sequence[tuple[S, Decimal]],
    invoice_of: Callable[[S], tuple[str, Decimal | None]],
    sign: int,
    make_event: Callable[[S, Decimal, dict[str, Any]], E],
    payment: Paying,
    date: dt.date,
    actor: str,
    now: dt.datetime,
) -> tuple[str | None, dict[str, Decimal]]:
    """Record allocations of a payment (receipt, credit note) `document` to open invoices, and
    in a foreign currency book the realised exchange differences in the same save.

    Each allocation settles its share of the invoice's carrying base amount (`settled`) and
    uses its share of the payment's base amount (`paid`); a part that settles the rest of an
    invoice, or uses the rest of the payment, takes exactly what is left in base, also when
    one action allocates to the same invoice twice. The control account moves by
    `sign x (settled - paid)` per invoice (payables: +1, the payable was credited `settled` and
    is debited `paid`; receivables: -1). `invoice_of` gives an invoice's number and rate,
    `make_event` the allocation event from the invoice, the amount and the base fields.
    Returns the exchange-difference voucher (None when there is none) and the differences.
    """
    base = company_of(uow).base_currency
    events: list[tuple[S, E]] = []
    differences: dict[str, Decimal] = {}
    left, left_base = unallocated, unallocated_base
    # what earlier allocations of this action took from each invoice (the aggregate is only
    # told at the end)
    taken: dict[str, tuple[Decimal, Decimal]] = {}
    for i, (invoice, amount) in enumerate(allocations):
        number, invoice_rate = invoice_of(invoice)
        fields: dict[str, Any] = {}
        if rate is not None:
            done, done_base = taken.get(number, (ZERO, ZERO))
            settled = settled_in_base(
                uow,
                invoice=number,
                amount=amount,
                open_amount=invoice.open_amount - done,
                open_base=invoice.open_base - done_base,
                rate=invoice_rate,
                base=base,
                date=date,
                field=f"allocations[{i}].invoice",
            )
            taken[number] = (done + amount, done_base + settled)
            paid = part_in_base(amount, left, left_base, rate, base)
            left, left_base = left - amount, left_base - paid
            differences[number] = differences.get(number, ZERO) + sign * (settled - paid)
            fields = {"base_settled": settled, "base_paid": paid}
        events.append((invoice, make_event(invoice, amount, fields)))
    exchange = post_exchange_difference(
        uow,
        ledger=ledger,
        control_account=chart_of(uow).by_role(ledger).code,
        party=party,
        currency=currency,
        date=date,
        items=differences,
        kind="realised",
        actor=actor,
        now=now,
        memo=f"Realised exchange difference, {document}",
    )
    for invoice, event in events:
        if exchange is not None and getattr(event, "base_settled", None) is not None:
            event = event.model_copy(update={"exchange_document": exchange})
        payment.trigger(event)
        invoice.trigger(event)
    return exchange, differences
