"""Actions of the currency area."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import field_validator

from erp_core.kernel.commands import Action, Text
from erp_core.kernel.money import Dec, check_currency


class SetExchangeRate(Action):
    """Record the rate of a currency (in base-currency units per unit) from a date on."""

    action: Literal["set_exchange_rate"] = "set_exchange_rate"
    currency: str
    date: dt.date
    rate: Dec
    source: Text | None = None

    _check_currency = field_validator("currency")(check_currency)


class ConfigureCurrency(Action):
    """Name the accounts realised and unrealised exchange gains and losses are posted to."""

    action: Literal["configure_currency"] = "configure_currency"
    realised_gain_account: str = "6800"
    realised_loss_account: str = "6800"
    unrealised_gain_account: str = "6800"
    unrealised_loss_account: str = "6800"
    # keep period-end revaluations instead of reversing them on the next period's first day
    keep_revaluation: bool = False
