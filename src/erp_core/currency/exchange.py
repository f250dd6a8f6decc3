"""Converting document amounts to the base currency and booking exchange differences.

Used by the posting rules of payables and receivables (and revaluation): what a document
amount is in the base currency, what base amount a settlement clears from an open item, and
the voucher that books the difference between what a payment was worth and what the invoice
was booked at.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.currency.events import ExchangeDifferenceBooked, RevaluationKept
from erp_core.currency.rates import currency_settings
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine
from erp_core.ledger.posting import Now, chart_of, gl, post_document, round_money


def to_base(amount: Decimal, rate: Decimal | None, base: str, field: str = "amount") -> Decimal:
    """A document amount in the base currency (rounded half up to the base's minor unit)."""
    return amount if rate is None else round_money(amount * rate, base, field)


def part_in_base(
    amount: Decimal, open_amount: Decimal, open_base: Decimal, rate: Decimal | None, base: str
) -> Decimal:
    """The base amount of `amount` out of an open item: what is left when it settles the
    item in full (so a settled item is exactly zero in both currencies), else converted at the
    item's own rate."""
    if amount == open_amount:
        return open_base
    return to_base(amount, rate, base)


def foreign_line(
    account: str,
    amount: Decimal,
    base_amount: Decimal,
    currency: str,
    rate: Decimal | None,
    memo: str | None = None,
    party: str | None = None,
) -> PostedLine:
    """A journal line in a document's currency (debit positive) with its base amount."""
    return PostedLine(
        account=account,
        currency=currency,
        amount=amount,
        base=base_amount,
        rate=rate,
        memo=memo,
        party=party,
    )


class ExchangeRecord(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.booked: ExchangeDifferenceBooked | None = None

    def _on_booked(self, e: ExchangeDifferenceBooked) -> None:
        self.booked = e

    handlers = {ExchangeDifferenceBooked: _on_booked}


def post_exchange_difference(
    uow: UnitOfWork,
    *,
    ledger: str,
    control_account: str,
    party: str,
    currency: str,
    date: dt.date,
    items: dict[str, Decimal],
    kind: str,
    actor: str,
    now: Now,
    memo: str,
) -> str | None:
    """Post the exchange-difference voucher for `items` (invoice -> change of the control
    account in base, debit positive) and record it; None when every difference is zero.

    Each control line carries 0 in the document currency (the open item is unchanged in its
    own currency) and the difference in base; the counter line goes to the gain account
    (credit) or the loss account (debit) named by `configure_currency`."""
    items = {k: v for k, v in items.items() if v != 0}
    if not items:
        return None
    base = chart_base(uow)
    conf = currency_settings(uow)
    if kind == "realised":
        gain, loss = conf.realised_gain_account, conf.realised_loss_account
    else:
        gain, loss = conf.unrealised_gain_account, conf.unrealised_loss_account
    chart = chart_of(uow)
    which = "realised" if kind == "realised" else "unrealised"
    chart.check_postable(gain, base, f"{which}_gain_account")
    chart.check_postable(loss, base, f"{which}_loss_account")
    lines: list[PostedLine] = []
    for invoice, change in sorted(items.items()):
        lines.append(foreign_line(control_account, ZERO, change, currency, None, invoice, party))
        counter = -change
        label = "gain" if counter < 0 else "loss"
        lines.append(
            gl(gain if counter < 0 else loss, counter, base, f"{kind} exchange {label} {invoice}")
        )
    document = post_document(
        uow,
        series="FX",
        kind="revaluation" if kind != "realised" else "exchange_difference",
        date=date,
        memo=memo,
        lines=lines,
        actor=actor,
        now=now,
    )
    record = ExchangeRecord(f"fxd:{document}")
    record.trigger(
        ExchangeDifferenceBooked(
            actor=actor,
            recorded_at=now,
            document=document,
            date=date,
            ledger=ledger,
            party=party,
            currency=currency,
            kind=kind,
            items=items,
        )
    )
    uow.add(record)
    return document


class CarryingAmount(Aggregate):
    """What kept revaluations added to an open item's base amount (`carry:<invoice>`)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.adjustment = ZERO  # in the item's own sign
        self.rate: Decimal | None = None  # the latest kept closing rate
        self.date: dt.date | None = None

    def _on_kept(self, e: RevaluationKept) -> None:
        self.adjustment += e.adjustment
        self.rate = e.rate
        self.date = e.date

    handlers = {RevaluationKept: _on_kept}


def carrying_stream(invoice: str) -> str:
    return f"carry:{invoice}"


def carrying_of(uow: UnitOfWork, invoice: str) -> CarryingAmount:
    return uow.get(CarryingAmount, carrying_stream(invoice))


def check_not_before_kept(
    uow: UnitOfWork, invoice: str, date: dt.date, field: str
) -> CarryingAmount:
    """Refuse settling an item before the date its revaluation was kept on (it is carried at
    that revaluation from then on)."""
    carry = carrying_of(uow, invoice)
    if carry.date is not None and date < carry.date:
        raise ValidationError(
            field,
            f"{invoice} was revalued on {carry.date} (kept): allocate to it on or after that date",
        )
    return carry


def settled_in_base(
    uow: UnitOfWork,
    *,
    invoice: str,
    amount: Decimal,
    open_amount: Decimal,
    open_base: Decimal,
    rate: Decimal | None,
    base: str,
    date: dt.date,
    field: str,
) -> Decimal:
    """The base amount an allocation of `amount` settles of an open foreign item: its share of
    the item's carrying amount (its booked base plus what kept revaluations added), converted
    at the latest kept closing rate (else the item's own rate), and exactly what is left when
    it settles the item in full."""
    carry = check_not_before_kept(uow, invoice, date, field)
    return part_in_base(amount, open_amount, open_base + carry.adjustment, carry.rate or rate, base)


def chart_base(uow: UnitOfWork) -> str:
    from erp_core.ledger.posting import company_of

    return company_of(uow).base_currency
