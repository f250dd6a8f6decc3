"""Actions of revaluation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from erp_core.kernel.commands import Action
from erp_core.kernel.money import Dec


class RevalueOpenItems(Action):
    """Revalue open foreign-currency invoices and foreign-currency bank, cash and other
    balance-sheet accounts at the closing rate of a date; the unrealised differences are
    posted on that date and reversed on the first day of the next period, or kept."""

    action: Literal["revalue_open_items"] = "revalue_open_items"
    date: dt.date
    rates: dict[str, Dec] = Field(default_factory=dict)  # default: the rate table's
    # keep the revaluation instead of reversing it (the next run books only the difference);
    # None: as configure_currency says (reverse, unless keep_revaluation was set)
    keep: bool | None = None
