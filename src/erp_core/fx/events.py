"""Events of revaluation."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec


class RevaluedItem(BaseModel):
    """The workings for one open invoice."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ledger: str  # payables or receivables
    party: str
    invoice: str
    currency: str
    open_amount: Dec  # in the invoice's currency
    booked: Dec  # its base amount at the invoice's rate
    rate: Dec  # the closing rate
    revalued: Dec  # open_amount x rate, rounded
    difference: Dec  # revalued - booked (for a payable, a loss when positive)


class OpenItemsRevalued(DomainEvent):
    """Open items revalued on `date` (stream reval:<date>, so once per date); `documents`
    are the vouchers posted (on the date, and their reversals the next day)."""

    date: dt.date
    reversal_date: dt.date
    rates: dict[str, Dec]
    items: tuple[RevaluedItem, ...]
    documents: tuple[str, ...]
