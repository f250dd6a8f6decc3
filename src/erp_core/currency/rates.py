"""The exchange-rate table (one stream per currency) and the rate a document converts at.

A rate is the number of base-currency units one unit of the currency is worth. The rate in
force on a day is the one set for the latest date on or before it. A document in a foreign
currency takes the rate given with its action, or else the table's rate in force on its date;
its event records the rate and, when it came from the table, the date of that rate.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from erp_core.currency.events import CurrencyConfigured, ExchangeRateSet
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.journal import MAX_RATE_PLACES

SETTINGS_STREAM = "settings:currency"


def rates_stream(currency: str) -> str:
    return f"rates:{currency}"


class RateTable(Aggregate):
    """The rates of one currency by date."""

    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.dates: list[dt.date] = []  # sorted
        self.rates: dict[dt.date, Decimal] = {}

    def _on_set(self, e: ExchangeRateSet) -> None:
        if e.date not in self.rates:
            bisect.insort(self.dates, e.date)
        self.rates[e.date] = e.rate

    handlers = {ExchangeRateSet: _on_set}

    def in_force(self, day: dt.date) -> tuple[Decimal, dt.date] | None:
        """The rate in force on `day` and the date it was set for, or None."""
        i = bisect.bisect_right(self.dates, day)
        if i == 0:
            return None
        found = self.dates[i - 1]
        return self.rates[found], found


class CurrencySettings(Aggregate):
    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.realised_gain_account = "6800"
        self.realised_loss_account = "6800"
        self.unrealised_gain_account = "6800"
        self.unrealised_loss_account = "6800"
        self.keep_revaluation = False

    def _on_configured(self, e: CurrencyConfigured) -> None:
        self.realised_gain_account = e.realised_gain_account
        self.realised_loss_account = e.realised_loss_account
        self.unrealised_gain_account = e.unrealised_gain_account
        self.unrealised_loss_account = e.unrealised_loss_account
        self.keep_revaluation = e.keep_revaluation

    handlers = {CurrencyConfigured: _on_configured}


def currency_settings(uow: UnitOfWork) -> CurrencySettings:
    return uow.get(CurrencySettings, SETTINGS_STREAM)


def check_rate(rate: Decimal, field: str) -> Decimal:
    if rate <= 0:
        raise ValidationError(field, "an exchange rate must be greater than zero")
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_RATE_PLACES:
        raise ValidationError(field, f"at most {MAX_RATE_PLACES} decimal places in a rate")
    return rate


def rate_for(
    uow: UnitOfWork,
    currency: str,
    base: str,
    day: dt.date,
    given: Decimal | None,
    field: str = "rate",
) -> tuple[Decimal | None, dt.date | None]:
    """The rate a document in `currency` dated `day` converts at, and the table date it came
    from (None when the action gave it). A base-currency document has no rate: (None, None)."""
    if currency == base:
        if given is not None and given != 1:
            raise ValidationError(field, f"a document in {base} (the base currency) takes no rate")
        return None, None
    if given is not None:
        return check_rate(given, field), None
    found = uow.get(RateTable, rates_stream(currency)).in_force(day)
    if found is None:
        raise ValidationError(
            field,
            f"no {currency} rate on or before {day} in the rate table: set one with "
            "set_exchange_rate, or give the rate with the action",
        )
    return found
