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
