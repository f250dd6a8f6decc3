"""Actions of revaluation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from erp_core.kernel.commands import Action
from erp_core.kernel.money import Dec


class RevalueOpenItems(Action):
    """Revalue open foreign-currency invoices at the closing rate of a date; the unrealised
    differences are posted on that date and reversed on the next day."""

    action: Literal["revalue_open_items"] = "revalue_open_items"
    date: dt.date
    rates: dict[str, Dec] = Field(default_factory=dict)  # default: the rate table's
