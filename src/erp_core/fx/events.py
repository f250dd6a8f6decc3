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


class RevaluedAccount(BaseModel):
    """The workings for one foreign-currency bank, cash or other balance-sheet account."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    account: str
    currency: str
    balance: Dec  # in the account's currency, on the date
    booked: Dec  # its base balance on the date, as posted
    rate: Dec  # the closing rate
    revalued: Dec  # balance x rate, rounded
    difference: Dec  # revalued - booked: the account's change, debit positive (a gain)


class OpenItemsRevalued(DomainEvent):
    """Open items and foreign-currency accounts revalued on `date` (stream reval:<date>, so
    once per date); `documents` are the vouchers posted (on the date, and their reversals on
    `reversal_date`, the first day of the next period; none when the run was `kept`).

    `accounts` and `kept` were added after the first release, optional: a stored run reads
    as one that revalued no account and was reversed."""

    date: dt.date
    reversal_date: dt.date | None
    rates: dict[str, Dec]
    items: tuple[RevaluedItem, ...]
    documents: tuple[str, ...]
    accounts: tuple[RevaluedAccount, ...] = ()
    kept: bool = False
    # the accounts' voucher and its reversal, when any account moved (also in `documents`)
    account_documents: tuple[str, ...] = ()
