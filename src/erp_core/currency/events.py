"""Events of the currency area: exchange rates and the accounts exchange differences go to."""

from __future__ import annotations

import datetime as dt

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("exchange_difference", "revaluation")


class ExchangeRateSet(DomainEvent):
    """One unit of `currency` was worth `rate` units of the base currency from `date` on
    (until a later date's rate). Setting a date again replaces that date's rate."""

    currency: str
    date: dt.date
    rate: Dec
    source: str | None = None


class CurrencyConfigured(DomainEvent):
    """The accounts realised and unrealised exchange differences are posted to."""

    realised_gain_account: str
    realised_loss_account: str
    unrealised_gain_account: str
    unrealised_loss_account: str
    # added after the first release (optional): a stored setting reads as "reverse"
    keep_revaluation: bool = False


class ExchangeDifferenceBooked(DomainEvent):
    """A voucher moved the base amount of open items of a control account without moving
    their document-currency amount: a realised difference on settlement, an unrealised one
    on revaluation, or the reversal of an unrealised one. Recorded on `fxd:<document>` in
    the same save as the voucher, so the sub-ledger in the base currency follows the control
    account. `items` maps each invoice to the change of the control account (debit positive).
    """

    document: str
    date: dt.date
    ledger: str  # "payables" or "receivables"
    party: str
    currency: str
    kind: str  # "realised", "unrealised", "reversal"
    items: dict[str, Dec]


class RevaluationKept(DomainEvent):
    """A revaluation of an open item was kept (not reversed): from `date` the item's base
    amount carries `adjustment` more (in the item's own sign: more owed to a supplier, or by
    a customer), so that `open_amount` of its currency is carried at `rate`. Recorded on
    `carry:<invoice>` in the save of the revaluation; settlement realises only the difference
    between the payment and this carrying amount."""

    invoice: str
    date: dt.date
    document: str  # the revaluation voucher
    open_amount: Dec
    rate: Dec
    adjustment: Dec
